"""The `miniface` command (placeholder until the app lands: serves the hello example)."""

import argparse
import logging

import reactor


class _Hello(reactor.Handler):
    def get(self):
        return reactor.Response.text("Hello, World!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="miniface")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--demo", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    router = reactor.Router()
    router.add("/hello", _Hello)
    reactor.Server(router, host=args.host, port=args.port).serve_forever()

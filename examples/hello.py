"""Hello, World! on the reactor, with optional static files.

    PYTHONPATH=. python3 examples/hello.py --port 8080 [--static DIR] [--quiet]
"""

import argparse
import logging

import reactor


class Hello(reactor.Handler):
    def get(self):
        return reactor.Response.text("Hello, World!")


def build_app(static_dir=None) -> reactor.Router:
    router = reactor.Router()
    router.add("/hello", Hello)
    if static_dir:
        router.add("/static/{path:path}", reactor.StaticFiles, root=static_dir)
    return router


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--static", metavar="DIR", help="serve DIR under /static/")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = reactor.Server(build_app(args.static), host=args.host, port=args.port,
                            access_log=not args.quiet)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""An echo server: any method on /echo answers with exactly the body it received;
GET /status?code=NNN answers with status NNN and no body.

    PYTHONPATH=. python3 examples/echo.py --port 8080
"""

import argparse
import logging

import reactor


class Echo(reactor.Handler):
    def _echo(self):
        ctype = self.request.headers.get("content-type", "application/octet-stream")
        return reactor.Response(self.request.read_body(), 200, content_type=ctype)

    get = post = put = patch = delete = options = _echo


class Status(reactor.Handler):
    def get(self):
        code = self.request.arg("code", "200")
        if not code.isdigit() or not 200 <= int(code) <= 999:
            raise reactor.HTTPError(400, "code must be a number from 200 to 999")
        return reactor.Response(b"", int(code))


def build_app() -> reactor.Router:
    router = reactor.Router()
    router.add("/echo", Echo)
    router.add("/status", Status)
    return router


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    reactor.Server(build_app(), host=args.host, port=args.port,
                   access_log=not args.quiet).serve_forever()


if __name__ == "__main__":
    main()

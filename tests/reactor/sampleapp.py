"""The small app the reactor tests serve: one handler per behaviour under test."""

from __future__ import annotations

import time

import reactor


class Hello(reactor.Handler):
    def get(self):
        return reactor.Response.text("Hello, World!")


class Echo(reactor.Handler):
    """Answers with the request body and what the server made of the request."""

    def _echo(self):
        request = self.request
        headers = [("X-Method", request.method), ("X-Version", request.version),
                   ("X-Spilled", "yes" if request.body_file is not None else "no")]
        return reactor.Response(request.read_body(), 200, headers, "application/octet-stream")

    get = post = put = patch = delete = options = _echo


class Info(reactor.Handler):
    def get(self, rest=""):
        r = self.request
        return reactor.Response.json({
            "method": r.method, "target": r.target, "path": r.path, "query": r.query_string,
            "version": r.version, "host": r.headers.get("host"), "args": r.query,
        })

    options = get


class Boom(reactor.Handler):
    def get(self):
        raise RuntimeError("handler bug on purpose")


class Teapot(reactor.Handler):
    def get(self):
        raise reactor.HTTPError(418, "short and stout", headers=[("X-Pot", "1")])


class Status(reactor.Handler):
    def get(self, code):
        return reactor.Response(b"should never be sent", code)


class Slow(reactor.Handler):
    """Blocking work on the pool: `?ms=` milliseconds of sleep."""

    def get(self):
        delay = int(self.request.arg("ms", "200")) / 1000

        def work():
            time.sleep(delay)
            return reactor.Response.text(f"slept {delay}")

        return self.server.defer(work)


class Big(reactor.Handler):
    def get(self):
        n = int(self.request.arg("n", "1000000"))
        return reactor.Response(b"x" * n, 200, content_type="application/octet-stream")


class Streams(reactor.Handler):
    """Opens an event stream and hands it to the test through `registry`."""

    def get(self):
        stream = reactor.EventStream()
        stream.send({"hello": 1}, event="greeting", id=1)
        self.registry.append(stream)
        return reactor.Response.stream(stream)


def build_app(registry=None):
    router = reactor.Router()
    router.add("/hello", Hello)
    router.add("/echo", Echo)
    router.add("/info", Info)
    router.add("/info/{rest:path}", Info)
    router.add("*", Info)
    router.add("/boom", Boom)
    router.add("/teapot", Teapot)
    router.add("/status/{code:int}", Status)
    router.add("/slow", Slow)
    router.add("/big", Big)
    router.add("/stream", Streams, registry=registry if registry is not None else [])
    return router

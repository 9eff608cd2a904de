"""A server started inside a script: bind port 0, make requests, stop.

    PYTHONPATH=. python3 examples/embedded.py
"""

import http.client
import time

import reactor


class Greeting(reactor.Handler):
    def get(self, name):
        return reactor.Response.json({"greeting": f"Hello, {name}!"})


class SlowSquare(reactor.Handler):
    """Blocking work goes to the thread pool; the loop answers when it is done."""

    def get(self, n):
        def square():
            time.sleep(0.2)  # stands in for password hashing or image decoding
            return reactor.Response.json({"n": n, "square": n * n})
        return self.server.defer(square)


def main() -> None:
    router = reactor.Router()
    router.add("/greet/{name}", Greeting)
    router.add("/square/{n:int}", SlowSquare)
    server = reactor.Server(router, port=0, access_log=False).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for path in ("/greet/world", "/square/12", "/nowhere"):
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode()
            print(f"GET {path} -> {response.status} {body.strip()}")
        conn.close()
    finally:
        server.stop()
    print("server stopped")


if __name__ == "__main__":
    main()

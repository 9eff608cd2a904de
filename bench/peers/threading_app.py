"""Python's own ThreadingHTTPServer serving the peers' URLs.

HTTP/1.1 (keep-alive), TCP_NODELAY on each connection (`disable_nagle_algorithm`) and
a listen backlog of 128; stock, it would stall ~40 ms per response on delayed ACKs.
Each thread opens its own sqlite connection for /feed.

    python3 bench/peers/threading_app.py --port 8081 --db DB --static DIR
"""

import argparse
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feed_page

_local = threading.local()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    static_dir = "."
    db_path = ""

    def do_GET(self):
        if self.path == "/hello":
            self._send(200, "text/plain; charset=utf-8", feed_page.HELLO)
        elif self.path == "/feed":
            if not hasattr(_local, "db"):
                _local.db = feed_page.connect(self.db_path)
            self._send(200, "text/html; charset=utf-8", feed_page.render_feed(_local.db))
        elif self.path.startswith("/static/") and ".." not in self.path:
            try:
                with open(os.path.join(self.static_dir, self.path[len("/static/"):]), "rb") as f:
                    body = f.read()
            except OSError:
                self._send(404, "text/plain", b"not found")
                return
            self._send(200, "image/png", body)
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # the access log is off for every server in the benchmark


class Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # wrk and ab close connections mid-response at the end of a run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--static", default=".")
    args = parser.parse_args()
    Handler.static_dir, Handler.db_path = args.static, args.db
    Server(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()

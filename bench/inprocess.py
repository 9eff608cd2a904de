"""The reactor's own cost per request, without sockets: bytes in, bytes out.

A `Connection` (examples/hello.py's router, a 16 KiB PNG under StaticFiles) is fed
`GET /hello` or `GET /static/img.png` with keep-alive, its output taken and the
file segment released, over and over; the best of several repeats is the Python
work per request that every socket benchmark pays on top of its system calls.

    python3 bench/inprocess.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE, os.path.join(ROOT, "examples")]

import hello  # noqa: E402
from make_png import png_bytes  # noqa: E402

from reactor.config import ServerConfig  # noqa: E402
from reactor.connection import Connection  # noqa: E402

REQUESTS = {"/hello": b"GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n",
            "16 KiB PNG": b"GET /static/img.png HTTP/1.1\r\nHost: bench\r\n\r\n"}


def per_request_us(conn: Connection, raw: bytes, count: int) -> float:
    output = conn.output

    def one():
        conn.on_data(raw, time.monotonic())
        for segment in output:
            if hasattr(segment, "close"):
                segment.close()
        output.clear()
        conn.output_size = 0
        conn.on_sent(time.monotonic())

    one()
    assert conn.requests_served == 1, "the request was not answered"
    # CPU time: the VM is shared, and wall time counts the moments others run.
    return min(timeit.repeat(one, number=count, repeat=5, timer=time.process_time)) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    static = tempfile.mkdtemp(prefix="miniface-inprocess-")
    with open(os.path.join(static, "img.png"), "wb") as f:
        f.write(png_bytes(64, 64))
    app = hello.build_app(static)
    config = ServerConfig(access_log=False)
    for name, raw in REQUESTS.items():
        conn = Connection(config, app, ("127.0.0.1", 1), now=time.monotonic())
        print(f"{name}: {per_request_us(conn, raw, args.requests):.1f} us per request")


if __name__ == "__main__":
    main()

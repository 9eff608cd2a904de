"""The logged-in home page's CPU per request, without sockets.

The app is built on a copy of bench/out/feed-10k-social.db (what `make bench` serves),
`bench0` gets a session, and a `Connection` is fed `GET /` with its cookie over and
over, its output taken; the best of several repeats is the CPU of one page (parsing,
the app, serializing), apart from the system calls a socket adds. The database does
not change between requests, as under `wrk`.

    python3 bench/inprocess_home.py [--requests 2000] [--profile]

`--profile` prints cProfile's top functions (own time) instead. Instructions per
page, which hold still on a shared machine: `--callgrind N` serves N pages inside one
`functools.reduce` call, so that callgrind can count only them:

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \
        python3 bench/inprocess_home.py --callgrind 100

(the "Collected" count divided by N). `--new-second` moves the app's clock on a second
before every page (after 300 such pages to warm up), so nothing kept for one second
is reused: `wrk` asks for one viewer's page thousands of times a second, real viewers
do not.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
import time
import timeit
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# bench/profile.py would stand in for the standard library's `profile`, which cProfile imports.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
import cProfile  # noqa: E402
import pstats  # noqa: E402

sys.path[:0] = [ROOT, HERE]

from bench_servers import feed_database  # noqa: E402

from handlers.app import create_app  # noqa: E402
from handlers.config import AppConfig  # noqa: E402
from handlers.store import users as user_store  # noqa: E402
from reactor.config import ServerConfig  # noqa: E402
from reactor.connection import Connection  # noqa: E402

# The app's clock when --new-second is given: moved on by `one_page`.
CLOCK: list = []


def build(work: str, new_second: bool = False):
    """(connection, raw request) for bench0's home page on a copy of the bench database."""
    db_path = os.path.join(work, "feed.db")
    shutil.copyfile(feed_database(), db_path)
    config = AppConfig(data_dir=Path(work), db_path=Path(db_path))
    if new_second:
        CLOCK.append(time.time())
        config = AppConfig(data_dir=Path(work), db_path=Path(db_path), clock=lambda: CLOCK[0])
    app = create_app(config)
    user = user_store.get_user_by_username(app.ctx.db, "bench0")
    token, _ = app.ctx.sessions.create(user["id"])
    raw = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n"
           b"Cookie: mf_session=" + token.encode() + b"\r\n\r\n")
    conn = Connection(ServerConfig(access_log=False), app, ("127.0.0.1", 1), now=time.monotonic())
    return conn, raw


def one_page(conn: Connection, raw: bytes) -> int:
    if CLOCK:
        CLOCK[0] += 1.0
    conn.on_data(raw, time.monotonic())
    size = conn.output_size
    conn.output.clear()
    conn.output_size = 0
    conn.on_sent(time.monotonic())
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--callgrind", type=int, metavar="N", default=0,
                        help="serve N pages inside functools.reduce and stop")
    parser.add_argument("--new-second", action="store_true",
                        help="move the app's clock on a second before every page")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="miniface-inprocess-home-")
    try:
        conn, raw = build(work, args.new_second)
        size = one_page(conn, raw)
        assert conn.requests_served == 1 and size > 10_000, "the home page was not answered"
        for _ in range(300 if args.new_second else 0):
            one_page(conn, raw)
        if args.callgrind:
            functools.reduce(lambda _, __: one_page(conn, raw), range(args.callgrind), 0)
            return
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(lambda: [one_page(conn, raw) for _ in range(args.requests)])
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
            return
        best = min(timeit.repeat(lambda: one_page(conn, raw), number=args.requests,
                                 repeat=args.repeat, timer=time.process_time))
        print(f"home page: {best / args.requests * 1e6:.1f} us per request, {size:,} bytes")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

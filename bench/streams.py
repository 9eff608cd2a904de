"""Benchmark: does holding 1,000 open event streams slow ordinary requests?

Starts `miniface serve` in a child process on a fresh data directory, signs one
person up, and measures `GET /healthz` with `wrk -t1 -c50` keep-alive load:
first with no streams open, then while this script holds N sockets on
`GET /api/events` (one person with N tabs, so the live hub polls for them all).
Then it sends that person a message and times how long until every stream has
it. Prints a Markdown table; it is a measurement, not a test.

    python3 bench/streams.py [--streams 1000] [--duration 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER_CPU, LOAD_CPU = "0", "1"
PASSWORD = "bench-password-1"
_LISTENING_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


def pinned(cpu: str, argv: list[str]) -> list[str]:
    return (["taskset", "-c", cpu] if shutil.which("taskset") else []) + argv


def start_server(data_dir: str) -> tuple[subprocess.Popen, int]:
    """`miniface serve` on a free port; returns (process, port) once it listens."""
    argv = [sys.executable, "-m", "handlers.cli", "serve", "--host", "127.0.0.1", "--port", "0",
            "--data-dir", data_dir, "--no-access-log", "--argon2-time-cost=1",
            "--argon2-memory-cost=8", "--argon2-parallelism=1"]
    child = subprocess.Popen(pinned(SERVER_CPU, argv), cwd=ROOT, stderr=subprocess.PIPE,
                             text=True)
    for line in child.stderr:
        found = _LISTENING_RE.search(line)
        if found:
            # Keep draining the log so the child never blocks on a full pipe.
            threading.Thread(target=child.stderr.read, daemon=True).start()
            return child, int(found.group(1))
    raise RuntimeError("the server did not start")


def call(port: int, method: str, path: str, body=None, cookie: str = "") -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})}
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    response = conn.getresponse()
    data = response.read()
    cookies = "; ".join(v.split(";")[0] for k, v in response.getheaders()
                        if k.lower() == "set-cookie")
    conn.close()
    return response.status, json.loads(data or b"null"), cookies


def log_in(port: int, username: str) -> str:
    """Sign `username` up and log in; returns the Cookie header value."""
    call(port, "POST", "/api/signup", {"username": username, "name": username.title(),
                                       "password": PASSWORD})
    status, _, cookie = call(port, "POST", "/api/login", {"username": username,
                                                           "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login failed: {status}")
    return cookie


def run_wrk(port: int, duration: int) -> tuple[float, float]:
    """(requests/s, p99 ms) of `wrk -t1 -c50` on /healthz."""
    out = subprocess.run(pinned(LOAD_CPU, ["wrk", "-t1", "-c50", f"-d{duration}s", "--latency",
                                           f"http://127.0.0.1:{port}/healthz"]),
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def open_streams(port: int, cookie: str, count: int) -> list[socket.socket]:
    request = (f"GET /api/events HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\n\r\n").encode()
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(request)
        socks.append(sock)
    for sock in socks:  # every one answered with the stream's head
        if not sock.recv(4096).startswith(b"HTTP/1.1 200"):
            raise RuntimeError("a stream was refused")
        sock.setblocking(False)
    return socks


def seconds_until_all_see(socks: list[socket.socket], marker: bytes, timeout: float = 10.0):
    started = time.monotonic()
    remaining = len(socks)
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ, bytearray())
        while remaining and time.monotonic() - started < timeout:
            for key, _ in selector.select(0.5):
                key.data.extend(key.fileobj.recv(65536))
                if marker in key.data:
                    remaining -= 1
                    selector.unregister(key.fileobj)
    return time.monotonic() - started if not remaining else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as data_dir:
        child, port = start_server(data_dir)
        try:
            tabs, friend = log_in(port, "tabs"), log_in(port, "friend")
            call(port, "POST", "/api/friends/friend", cookie=tabs)
            call(port, "POST", "/api/friends/tabs", cookie=friend)
            run_wrk(port, 1)  # warm-up
            idle = run_wrk(port, args.duration)
            socks = open_streams(port, tabs, args.streams)
            busy = run_wrk(port, args.duration)
            sent_at = time.monotonic()
            call(port, "POST", "/api/messages/tabs", {"body": "bench-marker"}, cookie=friend)
            delivered = seconds_until_all_see(socks, b"bench-marker")
            spent = time.monotonic() - sent_at
            for sock in socks:
                sock.close()
        finally:
            child.terminate()
            child.wait(timeout=10)
    print("| open /api/events streams | GET /healthz req/s (wrk -t1 -c50) | p99 ms |")
    print("|---|---|---|")
    print(f"| 0 | {idle[0]:,.0f} | {idle[1]:.2f} |")
    print(f"| {args.streams:,} | {busy[0]:,.0f} | {busy[1]:.2f} |")
    reach = f"{delivered * 1000:.0f} ms" if delivered is not None else f"not all within {spent:.0f} s"
    print(f"\nOne message reached all {args.streams:,} streams in {reach}.")


if __name__ == "__main__":
    main()

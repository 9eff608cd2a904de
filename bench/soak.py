"""Soak: a minute of mixed reads and writes from 100 people over 200 connections.

Prepares a fresh data directory in-process (100 people, each befriended with the
next five, and a session each made through the app's own session manager, so no
sign-up or login throttle is involved), then serves it with `miniface serve` in a
child process on loopback and runs 200 client threads, two per person, for
`--seconds` (60). Each thread loops over a mix of requests on its own keep-alive
connection: the feed, a profile's posts, a conversation, /healthz and the home
page (reads), and new posts and chat messages (writes). It then stops the server
with SIGTERM and checks the database for every post whose creation was answered
201. Prints a Markdown table:

- errors: any answer that is not the expected status, and any failed connection
  (must be zero);
- the server's RSS after a 5 s warm-up, at the end, and its drift;
- requests per second, and the p50/p99/max latency of reads and of writes;
- acknowledged posts, and how many of them the database holds afterwards.

    python3 bench/soak.py [--seconds 60] [--users 100] [--connections 200]

It is a measurement, not a test; run from a checkout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

FRIENDS_AHEAD = 5            # person i befriends i+1 .. i+5 (mod users)
WARMUP_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 30.0
READS = ("feed", "profile", "conversation", "healthz", "home")
WRITES = ("post", "message")
WRITE_SHARE = 0.25           # a quarter of requests write


def prepare(data_dir: str, users: int) -> list[dict]:
    """People, friendships and a session each; returns [{id, username, token, friends}]."""
    from handlers.app import create_app
    from handlers.config import AppConfig
    from handlers.store import friends as friend_store
    from handlers.store import users as user_store

    app = create_app(AppConfig(data_dir=data_dir, argon2_time_cost=1, argon2_memory_cost=8,
                               argon2_parallelism=1))
    try:
        ctx = app.ctx
        password_hash = ctx.passwords.hash("soak-password-1")
        now = ctx.now()
        people = []
        for i in range(users):
            user = user_store.create_user(ctx.db, username=f"soak{i}", name=f"Soak {i}",
                                          password_hash=password_hash, now=now)
            token, _ = ctx.sessions.create(user["id"])
            people.append({"id": user["id"], "username": f"soak{i}", "token": token,
                           "friends": []})
        for i, person in enumerate(people):
            for step in range(1, FRIENDS_AHEAD + 1):
                other = people[(i + step) % users]
                if other is person or other["username"] in person["friends"]:
                    continue
                friend_store.request_or_accept(ctx.db, from_id=person["id"],
                                               to_id=other["id"], now=now)
                friend_store.request_or_accept(ctx.db, from_id=other["id"],
                                               to_id=person["id"], now=now)
                person["friends"].append(other["username"])
                other["friends"].append(person["username"])
        return people
    finally:
        app.close()


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    argv = [sys.executable, "-m", "handlers.cli", "serve", "--host", "127.0.0.1",
            "--port", str(port), "--data-dir", data_dir, "--no-access-log", "--quiet"]
    child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return child, port
        except OSError:
            time.sleep(0.1)
    child.kill()
    raise RuntimeError("the server did not start")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Tally:
    """What all client threads saw; each thread appends under the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.latencies = {"read": [], "write": []}
        self.acknowledged_posts: list[int] = []


class Client(threading.Thread):
    """One connection of one person, looping over the request mix until `stop`."""

    def __init__(self, port: int, person: dict, people: list[dict], tally: Tally,
                 stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.port = port
        self.person = person
        self.people = people
        self.tally = tally
        self.stop = stop
        self.random = random.Random(seed)
        self.conn: http.client.HTTPConnection | None = None
        self.sent = 0

    def run(self) -> None:
        while not self.stop.is_set():
            write = self.random.random() < WRITE_SHARE
            kind = self.random.choice(WRITES if write else READS)
            started = time.perf_counter()
            try:
                outcome = getattr(self, "_" + kind)()
            except (OSError, http.client.HTTPException) as exc:
                outcome = f"{kind}: {exc!r}"
                self._close()
            took = time.perf_counter() - started
            with self.tally.lock:
                self.tally.latencies["write" if write else "read"].append(took)
                if isinstance(outcome, str):
                    self.tally.errors.append(outcome)
                elif isinstance(outcome, int):
                    self.tally.acknowledged_posts.append(outcome)
        self._close()

    # -- requests: each returns None, a post id, or an error string ----------------

    def _call(self, method: str, path: str, body=None, expect: int = 200):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=REQUEST_TIMEOUT_SECONDS)
        headers = {"Authorization": f"Bearer {self.person['token']}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.will_close:
            self._close()
        if response.status != expect:
            return None, f"{method} {path}: {response.status} {data[:120]!r}"
        return data, None

    def _feed(self):
        return self._call("GET", "/api/feed")[1]

    def _profile(self):
        other = self.random.choice(self.people)["username"]
        return self._call("GET", f"/api/users/{other}/posts")[1]

    def _conversation(self):
        return self._call("GET", f"/api/messages/{self.random.choice(self.person['friends'])}")[1]

    def _healthz(self):
        return self._call("GET", "/healthz")[1]

    def _home(self):
        return self._call("GET", "/")[1]

    def _post(self):
        self.sent += 1
        visibility = self.random.choice(("public", "friends", "private"))
        data, error = self._call("POST", "/api/posts", {
            "body": f"soak post {self.sent} by {self.person['username']}",
            "visibility": visibility}, expect=201)
        return error or json.loads(data)["id"]

    def _message(self):
        friend = self.random.choice(self.person["friends"])
        return self._call("POST", f"/api/messages/{friend}",
                          {"body": f"soak message {self.random.random()}"}, expect=201)[1]

    def _close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def stored_post_ids(db_path: str, ids: list[int]) -> int:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        found = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found += db.execute(f"SELECT count(*) FROM posts WHERE id IN ({marks})",
                                chunk).fetchone()[0]
        return found
    finally:
        db.close()


def soak(seconds: float, users: int, connections: int) -> dict:
    data_dir = tempfile.mkdtemp(prefix="miniface-soak-")
    people = prepare(data_dir, users)
    child, port = start_server(data_dir)
    tally, stop = Tally(), threading.Event()
    clients = [Client(port, people[i % users], people, tally, stop, seed=i)
               for i in range(connections)]
    try:
        started = time.monotonic()
        for client in clients:
            client.start()
        time.sleep(min(WARMUP_SECONDS, seconds))
        rss_start = rss_mib(child.pid)
        rss_max = rss_start
        while time.monotonic() - started < seconds:
            time.sleep(1.0)
            rss_max = max(rss_max, rss_mib(child.pid))
        rss_end = rss_mib(child.pid)
        stop.set()
        for client in clients:
            client.join(REQUEST_TIMEOUT_SECONDS + 5)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
    acknowledged = tally.acknowledged_posts
    return {
        "seconds": elapsed, "users": users, "connections": connections,
        "requests": sum(len(v) for v in tally.latencies.values()),
        "latencies": tally.latencies, "errors": tally.errors,
        "rss_start": rss_start, "rss_end": rss_end, "rss_max": rss_max,
        "acknowledged": len(acknowledged),
        "stored": stored_post_ids(os.path.join(data_dir, "miniface.db"), acknowledged),
        "exit_code": child.returncode,
    }


def report(r: dict) -> str:
    def ms(values, q):
        return f"{percentile(values, q) * 1000:.0f}"

    reads, writes = r["latencies"]["read"], r["latencies"]["write"]
    rows = [
        ("duration", f"{r['seconds']:.0f} s, {r['users']} people, "
                     f"{r['connections']} connections"),
        ("requests", f"{r['requests']:,} ({r['requests'] / r['seconds']:.0f}/s): "
                     f"{len(reads):,} reads, {len(writes):,} writes"),
        ("errors", f"{len(r['errors'])}"),
        ("reads p50 / p99 / max ms", f"{ms(reads, .5)} / {ms(reads, .99)} / "
                                     f"{max(reads, default=0) * 1000:.0f}"),
        ("writes p50 / p99 / max ms", f"{ms(writes, .5)} / {ms(writes, .99)} / "
                                      f"{max(writes, default=0) * 1000:.0f}"),
        ("server RSS after warm-up / end / max", f"{r['rss_start']:.0f} / {r['rss_end']:.0f} / "
                                                 f"{r['rss_max']:.0f} MiB"),
        ("RSS drift (end - after warm-up)", f"{r['rss_end'] - r['rss_start']:+.1f} MiB"),
        ("acknowledged posts stored afterwards", f"{r['stored']:,} of {r['acknowledged']:,}"),
        ("server exit status after SIGTERM", f"{r['exit_code']}"),
    ]
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    if r["errors"]:
        lines.append("")
        lines.append("first errors: " + "; ".join(r["errors"][:5]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--connections", type=int, default=200)
    args = parser.parse_args()
    result = soak(min(args.seconds, 600.0), args.users, args.connections)
    print(report(result))
    ok = not result["errors"] and result["stored"] == result["acknowledged"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

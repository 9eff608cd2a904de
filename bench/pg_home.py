"""The logged-in home page on sqlite and on PostgreSQL, short and bounded.

Starts a throwaway PostgreSQL cluster (tools/pgcluster.py), seeds the demo people
into it and into a sqlite data directory, and serves each with `miniface serve`
pinned to CPU 0 (PostgreSQL itself is not pinned: it shares the machine, as a
database on the same host would). `wrk -t1 -c50` on CPU 1 loads alice's home
page (`/`, logged in by cookie) for `--duration` seconds per case:

- sqlite: handlers on the loop (a local file; no network round trip);
- PostgreSQL, handlers on the database threads (the default, `db_threads` 6);
- PostgreSQL, handlers on the loop (`--db-threads 0`: what the threads buy).

While each case runs, a probe asks `GET /assets/style.css` (a static file: no
database) every 50 ms on its own connection and records how long the answers took:
the loop's own responsiveness under that load.

    python3 bench/pg_home.py [--duration 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from pgcluster import PgCluster  # noqa: E402
from run import SERVER_CPU, free_port, pinned, run_wrk, wait_listening  # noqa: E402

CONNECTIONS = 50  # run_wrk in bench/run.py
PROBE_INTERVAL_SECONDS = 0.05


def miniface(*args: str) -> list[str]:
    return [sys.executable, "-m", "handlers.cli", *args]


def log_in(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/login", json.dumps({"username": "alice",
                                                   "password": "password123"}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"login failed: {response.status}")
    return response.getheader("Set-Cookie").split(";", 1)[0]


def probe(port: int, stop: threading.Event, out: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        started = time.perf_counter()
        conn.request("GET", "/assets/style.css")
        conn.getresponse().read()
        out.append((time.perf_counter() - started) * 1000)
        stop.wait(PROBE_INTERVAL_SECONDS)
    conn.close()


def bench_case(label: str, serve_args: list[str], duration: int) -> dict:
    port = free_port()
    proc = subprocess.Popen(pinned(SERVER_CPU, miniface("serve", "--port", str(port),
                                                        "--no-access-log", "--quiet",
                                                        *serve_args)),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, timeout=30)
        cookie = log_in(port)
        url = f"http://127.0.0.1:{port}/"
        run_wrk(url, 1, f"Cookie: {cookie}")  # warm up
        stop, probes = threading.Event(), []
        prober = threading.Thread(target=probe, args=(port, stop, probes), daemon=True)
        prober.start()
        rps, p99, _ = run_wrk(url, duration, f"Cookie: {cookie}")
        stop.set()
        prober.join(10)
        probes.sort()
        return {"case": label, "rps": rps, "p99": p99,
                "probe_median": statistics.median(probes),
                "probe_max": probes[-1], "probes": len(probes)}
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    cluster = PgCluster.start()
    try:
        url = cluster.create_database("bench")
        subprocess.run(miniface("seed", "--demo", "--database", url,
                                "--data-dir", tempfile.mkdtemp(prefix="miniface-pgseed-")),
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        sqlite_dir = tempfile.mkdtemp(prefix="miniface-sqlite-")
        subprocess.run(miniface("seed", "--demo", "--data-dir", sqlite_dir), cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cases = [
            ("sqlite, on the loop", ["--data-dir", sqlite_dir]),
            ("PostgreSQL, database threads (6)",
             ["--database", url, "--data-dir", tempfile.mkdtemp(prefix="miniface-pg1-")]),
            ("PostgreSQL, on the loop (--db-threads 0)",
             ["--database", url, "--db-threads", "0",
              "--data-dir", tempfile.mkdtemp(prefix="miniface-pg2-")]),
        ]
        rows = [bench_case(label, serve, args.duration) for label, serve in cases]
    finally:
        cluster.stop()
    print(f"| home page, wrk -t1 -c{CONNECTIONS} {args.duration} s | req/s | p99 ms "
          "| static probe median / max ms |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['case']} | {row['rps']:,.0f} | {row['p99']:.1f} "
              f"| {row['probe_median']:.1f} / {row['probe_max']:.1f} |")


if __name__ == "__main__":
    main()

"""Workers benchmark: throughput of `miniface serve --workers 1` against `--workers 2`.

Serves the 10,000-post feed database of bench/feed.py (generated once into
bench/out/) with one worker, then with two, and loads three URLs with
`wrk -t1 -c50` keep-alive on loopback: `/healthz` (almost no work per request),
the JSON feed and the HTML home page of a logged-in user (sqlite queries and
rendering: Python work), and `POST /api/messages/<friend>` (a write: one sqlite
transaction each, and sqlite lets one writer in at a time, whatever the number
of workers). Each run serves a copy of the database, so the writes stay there. Nothing is pinned: the second worker needs the second
core, and wrk shares the two cores with the workers. So the table also says how
much CPU each side used during the run, from /proc (the workers) and from
getrusage (wrk): that is the honest denominator of "2 workers on 2 cores".

Rounds alternate 1 and 2 workers (the machine's load drifts); each cell is the
median of the rounds. Every run is bounded by `--duration` seconds.

    python3 bench/workers.py [--duration 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from feed import SIZES, count_posts, ensure_database, log_in  # noqa: E402
from run import free_port, to_ms, wait_listening  # noqa: E402

CONNECTIONS = 50
POST_SCRIPT = """wrk.method = "POST"
wrk.body = '{"body": "a benchmark message"}'
wrk.headers["Content-Type"] = "application/json"
"""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def start(workers: int, db_path: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="miniface-workers-")
    cmd = [sys.executable, "-m", "handlers.cli", "serve", "--port", str(port), "--db-path",
           db_path, "--data-dir", data_dir, "--no-access-log", "--quiet",
           "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, timeout=60)
    return proc, port


def server_pids(proc: subprocess.Popen) -> list[int]:
    """The server process and its workers (children of it)."""
    pids = [proc.pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == proc.pid:
                pids.append(int(entry))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime + stime
    return total / CLOCK_TICKS


def wrk_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(url: str, duration: int, header: str, pids: list[int],
            script: str | None = None) -> dict:
    """req/s, p99 ms, and the CPU seconds per wall second the server and wrk used."""
    server_before, wrk_before, started = cpu_seconds(pids), wrk_seconds(), time.monotonic()
    extra = ["-s", script] if script else []
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency",
                          "-H", header, *extra, url], capture_output=True, text=True,
                         check=True, timeout=duration + 30).stdout
    wall = time.monotonic() - started
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"wrk saw error responses from {url}:\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p99": to_ms(*re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()),
            "server_cores": (server := (cpu_seconds(pids) - server_before) / wall),
            "per_cpu_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            / max(server, 1e-9),
            "wrk_cores": (wrk_seconds() - wrk_before) / wall}


def first_friend(port: int, token: str) -> str:
    import http.client
    import json
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/friends", headers={"Authorization": f"Bearer {token}"})
    friends = json.loads(conn.getresponse().read())["friends"]
    conn.close()
    return friends[0]["username"]


def measure(workers: int, db_source: str, duration: int) -> dict[str, dict]:
    scratch = tempfile.mkdtemp(prefix="miniface-workers-db-")
    db_path = shutil.copy(db_source, os.path.join(scratch, "miniface.db"))
    script = os.path.join(scratch, "post.lua")
    with open(script, "w") as f:
        f.write(POST_SCRIPT)
    proc, port = start(workers, db_path)
    try:
        pids = server_pids(proc)
        if len(pids) != (1 if workers == 1 else workers + 1):
            raise RuntimeError(f"expected {workers} workers, found processes {pids}")
        cookie, token = log_in(port)
        if count_posts(port, token) != 20:
            raise RuntimeError("bench0's feed does not have 20 posts")
        base = f"http://127.0.0.1:{port}"
        bearer = f"Authorization: Bearer {token}"
        cells = {}
        for name, path, header, lua in (
                ("/healthz", "/healthz", "X-Bench: 1", None),
                ("JSON /api/feed", "/api/feed", bearer, None),
                ("HTML /", "/", f"Cookie: {cookie}", None),
                ("POST /api/messages", f"/api/messages/{first_friend(port, token)}", bearer,
                 script)):
            run_wrk(base + path, 1, header, pids, lua)   # warm sqlite's and the page cache
            cells[name] = run_wrk(base + path, duration, header, pids, lua)
        return cells
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(scratch, ignore_errors=True)


def median(rounds: list[dict], key: str) -> float:
    return statistics.median(cell[key] for cell in rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db_path = ensure_database("10k", SIZES["10k"])
    print(f"# load average before: {os.getloadavg()}", file=sys.stderr)
    results: dict[int, list[dict]] = {1: [], 2: []}
    for round_number in range(args.rounds):
        for workers in ((1, 2) if round_number % 2 == 0 else (2, 1)):
            results[workers].append(measure(workers, db_path, args.duration))
            print(f"# round {round_number + 1}, {workers} workers: {results[workers][-1]}",
                  file=sys.stderr)
    print(f"# load average after: {os.getloadavg()}", file=sys.stderr)
    print("| URL | workers | req/s | (rounds' range) | p99 ms | server cores busy "
          "| req per server CPU-second | wrk cores busy |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for url in results[1][0]:
        for workers in (1, 2):
            rounds = [r[url] for r in results[workers]]
            low, high = min(r["rps"] for r in rounds), max(r["rps"] for r in rounds)
            print(f"| {url} | {workers} | {median(rounds, 'rps'):,.0f} | {low:,.0f}–{high:,.0f} | "
                  f"{median(rounds, 'p99'):.1f} | {median(rounds, 'server_cores'):.2f} | "
                  f"{median(rounds, 'per_cpu_second'):,.0f} | {median(rounds, 'wrk_cores'):.2f} |")
    for url in results[1][0]:
        one = median([r[url] for r in results[1]], "rps")
        two = median([r[url] for r in results[2]], "rps")
        print(f"\n{url}: 2 workers serve {two / one:.2f}x the requests of 1")
    print(f"\nload average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

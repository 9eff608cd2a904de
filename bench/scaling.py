"""The numbers behind docs/SCALING.md: one node against two behind nginx, PostgreSQL
connections per worker, and the write rate of sqlite's single writer.

1. Through nginx (tools/balancer.py) to one node, to two nodes, and straight to
   one node without nginx, all on one throwaway cluster (tools/cluster.py:
   PostgreSQL, two `miniface serve --database ...` nodes with the demo people):
   `wrk -t1 -c50` keep-alive on loopback for `--duration` seconds on `/healthz`
   and on alice's logged-in home page, the three targets alternating over
   `--rounds` rounds (medians). Besides req/s, how much CPU the nodes, nginx and
   wrk actually got (/proc, getrusage).
2. PostgreSQL client connections (pg_stat_activity) of a node with 1 and with 2
   workers, idle after start and after a short load on the home page.
3. Messages written per second by one process and by two at once, each commit
   its own transaction (store.messages.send_message), on a sqlite file (WAL,
   synchronous=NORMAL) and on the throwaway PostgreSQL (fsync off: a ceiling,
   not what a durable server does).

Everything is bounded: about 2 minutes with the defaults, loopback only.

    python3 bench/scaling.py [--duration 5] [--rounds 3] [--write-seconds 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from balancer import Balancer  # noqa: E402
from cluster import LocalCluster, upload_limit_bytes  # noqa: E402
from workers import cpu_seconds, run_wrk, server_pids  # noqa: E402

DEMO_PASSWORD = "password123"


def log_in(port: int, username: str = "alice") -> str:
    """The session cookie ("mf_session=...") of a demo person, straight from a node."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/api/login", body=json.dumps(
        {"username": username, "password": DEMO_PASSWORD}),
        headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"login failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def pg_connections(cluster: LocalCluster) -> int:
    import psycopg

    with psycopg.connect(cluster.pg.url(), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'miniface'"
            " AND backend_type = 'client backend'").fetchone()[0]


# -- 1. one node against two ------------------------------------------------------------

def postgres_pids(cluster: LocalCluster) -> list[int]:
    """The postmaster and its children (a backend per client connection)."""
    postmaster = int((cluster.pg.datadir / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def run_wrk_with_postgres(cluster, url: str, duration: int, header: str, pids) -> dict:
    """run_wrk, plus the cores PostgreSQL was busy during the run."""
    pg = postgres_pids(cluster)
    before, started = cpu_seconds(pg), time.monotonic()
    cell = run_wrk(url, duration, header, pids)
    cell["pg_cores"] = (cpu_seconds(pg) - before) / (time.monotonic() - started)
    return cell


def measure_nodes(duration: int, rounds: int) -> dict:
    with LocalCluster.start(nodes=2, demo=True, access_log=False) as cluster:
        node1, node2 = cluster.nodes
        one = Balancer.start([("127.0.0.1", node1.port)], cluster.directory / "nginx-one",
                             max_body_bytes=upload_limit_bytes(), access_log=False)
        try:
            cookie = log_in(node1.port)
            nginx = server_pids(cluster.balancer.process)
            nginx_one = server_pids(one.process)
            targets = {
                "1 node, direct": (f"http://127.0.0.1:{node1.port}", [node1.process.pid]),
                "1 node via nginx": (one.url.rstrip("/"), [node1.process.pid, *nginx_one]),
                "2 nodes via nginx": (cluster.url.rstrip("/"),
                                      [node1.process.pid, node2.process.pid, *nginx]),
            }
            urls = {"/healthz": ("/healthz", "X-Bench: 1"), "HTML / (alice)": ("/", f"Cookie: {cookie}")}
            results = {(t, u): [] for t in targets for u in urls}
            for number in range(rounds):
                order = list(targets) if number % 2 == 0 else list(reversed(targets))
                for target in order:
                    base, pids = targets[target]
                    for url, (path, header) in urls.items():
                        run_wrk(base + path, 1, header, pids)  # warm up
                        cell = run_wrk_with_postgres(cluster, base + path, duration, header,
                                                     pids)
                        results[target, url].append(cell)
                        print(f"# round {number + 1} {target} {url}: {cell}", file=sys.stderr)
            return results
        finally:
            one.stop()


# -- 2. PostgreSQL connections per worker -------------------------------------------------

def measure_connections(workers: int, duration: int) -> tuple[int, int]:
    with LocalCluster.start(nodes=2, workers=workers, demo=True, access_log=False) as cluster:
        time.sleep(1)
        idle = pg_connections(cluster)
        cookie = log_in(cluster.nodes[0].port)
        run_wrk(cluster.url + "", duration, f"Cookie: {cookie}", [])
        return idle, pg_connections(cluster)


# -- 3. single-writer rate ---------------------------------------------------------------

def _write_loop(target, seconds: float, sender: int, recipient: int, out) -> None:
    sys.path.insert(0, ROOT)
    from handlers.store import connect, messages

    db = connect(target)
    count, deadline = 0, time.monotonic() + seconds
    cpu_before = time.process_time()
    while time.monotonic() < deadline:
        messages.send_message(db, sender_id=sender, recipient_id=recipient,
                              body="a benchmark message", now=int(time.time()))
        count += 1
    cpu = time.process_time() - cpu_before
    if db.dialect != "sqlite":  # and the CPU of this connection's server process
        cpu += cpu_seconds([db._connection().info.backend_pid])
    db.close()
    out.put((count, cpu))


def writes_per_second(target, processes: int, seconds: float) -> tuple[float, float]:
    """(messages per second, messages per CPU-second of the writers and, with
    PostgreSQL, their server processes)."""
    from handlers.store import open_database, users

    db = open_database(target)
    ids = [users.create_user(db, username=f"w{os.getpid()}_{processes}_{n}", name="Writer",
                             password_hash="x", now=int(time.time()))["id"] for n in range(2)]
    db.close()
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_write_loop, args=(target, seconds, *ids, out))
             for _ in range(processes)]
    for proc in procs:
        proc.start()
    answers = [out.get(timeout=seconds + 60) for _ in procs]
    for proc in procs:
        proc.join()
    total, cpu = sum(count for count, _ in answers), sum(cpu for _, cpu in answers)
    return total / seconds, total / max(cpu, 1e-9)


def measure_writes(seconds: float) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="miniface-writes-") as scratch:
        target = os.path.join(scratch, "miniface.db")
        for processes in (1, 2):
            results["sqlite", processes] = writes_per_second(target, processes, seconds)
    with LocalCluster.start(nodes=2, access_log=False) as cluster:
        for processes in (1, 2):
            results["postgresql", processes] = writes_per_second(cluster.database_url,
                                                                 processes, seconds)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write-seconds", type=float, default=3)
    args = parser.parse_args()
    print(f"# {os.cpu_count()} cores, load average before: {os.getloadavg()}", file=sys.stderr)
    print(f"load average (1, 5, 15 min) at the start: {os.getloadavg()}\n")

    results = measure_nodes(args.duration, args.rounds)
    print("| target | URL | req/s | (rounds' range) | p99 ms | nodes+nginx cores busy "
          "| req per nodes+nginx CPU-second | PostgreSQL cores busy "
          "| req per CPU-second of nodes+nginx+PostgreSQL | wrk cores busy |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (target, url), cells in results.items():
        rps = [c["rps"] for c in cells]
        print(f"| {target} | {url} | {statistics.median(rps):,.0f} | {min(rps):,.0f}–"
              f"{max(rps):,.0f} | {statistics.median(c['p99'] for c in cells):.1f} | "
              f"{statistics.median(c['server_cores'] for c in cells):.2f} | "
              f"{statistics.median(c['per_cpu_second'] for c in cells):,.0f} | "
              f"{statistics.median(c['pg_cores'] for c in cells):.2f} | "
              f"{statistics.median(c['rps'] / max(c['server_cores'] + c['pg_cores'], 1e-9) for c in cells):,.0f} | "
              f"{statistics.median(c['wrk_cores'] for c in cells):.2f} |")

    print("\n| workers per node (2 nodes) | PostgreSQL connections idle | after 3 s of home pages |")
    print("|---:|---:|---:|")
    for workers in (1, 2):
        idle, loaded = measure_connections(workers, 3)
        print(f"| {workers} | {idle} | {loaded} |")

    writes = measure_writes(args.write_seconds)
    print("\n| database | writing processes | messages committed per second "
          "| per CPU-second (writers + PostgreSQL backends) |")
    print("|---|---:|---:|---:|")
    for (backend, processes), (rate, per_cpu) in writes.items():
        print(f"| {backend} | {processes} | {rate:,.0f} | {per_cpu:,.0f} |")
    print(f"\nload average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""What likes and comments cost the home page: the same page with and without them.

Two databases from bench/gen_feed_db.py with the same seed, so the same 10,000 users,
friendships and 10,000 posts: "social" (0-5 likes on every post, 1-3 comments on 30 %
of them, as `make bench` uses) and "plain" (no likes, no comments: the cards still have
their Like button and comment box, with nothing to count or list). Each is served by
`miniface serve` pinned to CPU 0 (access log off); the logged-in home page of `bench0`
(20 posts) is loaded with `wrk -t1 -c50` pinned to CPU 1, in rounds that alternate the
two servers. Reported per variant: median req/s, p99 and requests per CPU-second of the
server (the measure that holds still on a shared machine), then the drop from plain to
social, which the likes-and-comments issue bounds at 15 %.

    python3 bench/social_cost.py [--duration 5] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
sys.path.insert(0, HERE)

from bench_servers import log_in  # noqa: E402
from run import SERVER_CPU, cpu_seconds, free_port, pinned, run_wrk, wait_listening  # noqa: E402

POSTS = 10_000
VARIANTS = {
    "social": ("feed-10k-social.db", []),
    "plain": ("feed-10k-plain.db", ["--max-likes", "0", "--comment-share", "0"]),
}
ALLOWED_DROP = 0.15


def database(variant: str) -> str:
    name, extra = VARIANTS[variant]
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        os.makedirs(OUT, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_feed_db.py"), "--posts",
                        str(POSTS), *extra, path], check=True, stdout=subprocess.DEVNULL)
    return path


def serve(db_path: str, work: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # A copy per run: serving migrates and writes sessions, the kept file stays as made.
    copy = os.path.join(work, os.path.basename(db_path))
    shutil.copyfile(db_path, copy)
    argv = [sys.executable, "-m", "handlers.cli", "serve", "--port", str(port), "--db-path",
            copy, "--data-dir", os.path.join(work, "data-" + os.path.basename(db_path)),
            "--no-access-log", "--quiet"]
    proc = subprocess.Popen(pinned(SERVER_CPU, argv), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_listening(port, timeout=60)
    return proc, port


def measure(args) -> dict:
    work = tempfile.mkdtemp(prefix="miniface-social-cost-")
    running = {}
    results: dict = {name: [] for name in VARIANTS}
    try:
        for name in VARIANTS:
            proc, port = serve(database(name), work)
            running[name] = (proc, port, f"Cookie: {log_in(port)}")
        names = list(VARIANTS)
        for round_number in range(args.rounds):
            order = names if round_number % 2 == 0 else names[::-1]
            for name in order:
                proc, port, cookie = running[name]
                url = f"http://127.0.0.1:{port}/"
                if round_number == 0:
                    run_wrk(url, 1, cookie)
                before = cpu_seconds(proc.pid)
                rps, p99, total = run_wrk(url, args.duration, cookie)
                used = cpu_seconds(proc.pid) - before
                cell = (rps, p99, total / used if used > 0 else float("nan"))
                results[name].append(cell)
                print(f"# round {round_number + 1} {name}: {rps:,.0f} req/s, p99 {p99:.1f} ms,"
                      f" {cell[2]:,.0f} req/CPU-s", file=sys.stderr, flush=True)
    finally:
        for proc, _, _ in running.values():
            proc.terminate()
            proc.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)
    return results


def report(results: dict, args) -> None:
    print(f"Home page of bench0 (20 posts), medians of {args.rounds} alternating rounds,"
          f" wrk -t1 -c50 for {args.duration} s each.\n")
    print("| page | req/s | p99 ms | req per CPU-s | spread per CPU-s |")
    print("|---|---:|---:|---:|---:|")
    medians = {}
    for name, cells in results.items():
        per_cpu = [c[2] for c in cells]
        medians[name] = (statistics.median(c[0] for c in cells),
                         statistics.median(c[1] for c in cells), statistics.median(per_cpu))
        print(f"| {name} | {medians[name][0]:,.0f} | {medians[name][1]:.1f} |"
              f" {medians[name][2]:,.0f} | {min(per_cpu):,.0f}-{max(per_cpu):,.0f} |")
    drop_rps = 1 - medians["social"][0] / medians["plain"][0]
    drop_cpu = 1 - medians["social"][2] / medians["plain"][2]
    verdict = "within" if max(drop_rps, drop_cpu) <= ALLOWED_DROP else "over"
    print(f"\nWith likes and comments against without: {-drop_rps:+.1%} requests per second,"
          f" {-drop_cpu:+.1%} per CPU-second: {verdict} the {ALLOWED_DROP:.0%} budget.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (medians)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    report(measure(args), args)


if __name__ == "__main__":
    main()

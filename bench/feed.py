"""Feed benchmark: a logged-in user's feed at 10,000 and 1,000,000 posts.

Generates the databases with bench/gen_feed_db.py (10,000 users; 10 k and 1 M posts,
kept in bench/out/ between runs), serves each with `miniface serve` pinned to CPU 0
(access log off), logs in as `bench0`, and loads the feed with `wrk -t1 -c50`
keep-alive pinned to CPU 1: the HTML home page (`/`, 20 posts) and the JSON feed
(`/api/feed`). Prints a Markdown table and the slowdown from 10 k to 1 M posts.

    python3 bench/feed.py [--duration 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
sys.path.insert(0, HERE)

from run import SERVER_CPU, free_port, pinned, run_wrk, wait_listening  # noqa: E402

SIZES = {"10k": 10_000, "1M": 1_000_000}


def ensure_database(label: str, posts: int) -> str:
    path = os.path.join(OUT, f"feed-{label}.db")
    if not os.path.exists(path):
        os.makedirs(OUT, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_feed_db.py"), "--posts",
                        str(posts), path], check=True, stdout=subprocess.DEVNULL)
    return path


def log_in(port: int) -> tuple[str, str]:
    """(session cookie header value, bearer token) for bench0."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/login", json.dumps({"username": "bench0", "password": "benchpass"}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"login failed: {response.status} {body}")
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    conn.close()
    return cookie, body["token"]


def count_posts(port: int, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/feed?limit=20", headers={"Authorization": f"Bearer {token}"})
    posts = json.loads(conn.getresponse().read())["posts"]
    conn.close()
    return len(posts)


def bench_one(db_path: str, duration: int) -> dict[str, tuple[float, float]]:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="miniface-feed-")
    cmd = [sys.executable, "-m", "handlers.cli", "serve", "--port", str(port), "--db-path",
           db_path, "--data-dir", data_dir, "--no-access-log", "--quiet"]
    proc = subprocess.Popen(pinned(SERVER_CPU, cmd), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, timeout=30)
        cookie, token = log_in(port)
        if count_posts(port, token) != 20:
            raise RuntimeError("bench0's feed does not have 20 posts")
        results = {}
        for name, path, header in (("HTML /", "/", f"Cookie: {cookie}"),
                                   ("JSON /api/feed", "/api/feed", f"Authorization: Bearer {token}")):
            url = f"http://127.0.0.1:{port}{path}"
            run_wrk(url, 1, header)  # warm the page cache and sqlite's
            results[name] = run_wrk(url, duration, header)
        return results
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    table = {}
    for label, posts in SIZES.items():
        table[label] = bench_one(ensure_database(label, posts), args.duration)
        print(f"# {label} posts: {table[label]}", file=sys.stderr)
    print("| page | posts in db | req/s (wrk -t1 -c50) | p99 ms |")
    print("|---|---:|---:|---:|")
    for page in table["10k"]:
        for label in SIZES:
            rps, p99 = table[label][page]
            print(f"| {page} | {label} | {rps:,.0f} | {p99:.1f} |")
    for page in table["10k"]:
        small, large = table["10k"][page][0], table["1M"][page][0]
        change = 100 * (large - small) / small
        print(f"\n{page}: {abs(change):.1f} % {'fewer' if change < 0 else 'more'} requests/s "
              "at 1 M posts than at 10 k")


if __name__ == "__main__":
    main()

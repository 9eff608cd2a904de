"""Load benchmark: the reactor against Python's ThreadingHTTPServer.

Each server runs pinned to CPU 0 with its access log off; wrk and ab run pinned
to CPU 1. Two URLs: /hello (13 bytes of text) and /static/img.png (a 16 KiB PNG).
Keep-alive load is `wrk -t1 -c50`; one connection per request is `ab -c50`
without -k. Prints a Markdown table of requests/s and p99 latency.

    python3 bench/run.py [--duration 10] [--requests 20000] [--rounds 3]
                         [--servers reactor,baseline]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from make_png import png_bytes  # noqa: E402

SERVER_CPU, LOAD_CPU = "0", "1"
URLS = {"/hello": "hello (text)", "/static/img.png": "16 KiB PNG"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port}")


def pinned(cpu: str, argv: list[str]) -> list[str]:
    return (["taskset", "-c", cpu] if shutil.which("taskset") else []) + argv


def server_commands(static_dir: str) -> dict[str, callable]:
    py = sys.executable
    return {
        "reactor": lambda port: [py, os.path.join(ROOT, "examples", "hello.py"), "--port",
                                 str(port), "--quiet", "--static", static_dir],
        "baseline": lambda port: [py, os.path.join(HERE, "baseline_server.py"), "--port",
                                  str(port), "--static", static_dir],
    }


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, duration: int, header: str | None = None) -> tuple[float, float]:
    """(requests/s, p99 ms) of `wrk -t1 -c50` keep-alive against `url`."""
    extra = ["-H", header] if header else []
    out = subprocess.run(pinned(LOAD_CPU, ["wrk", "-t1", "-c50", f"-d{duration}s", "--latency",
                                           *extra, url]), capture_output=True, text=True,
                         check=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses from {url}")
    return rps, to_ms(*m.groups())


def run_ab(url: str, requests: int) -> tuple[float, float]:
    out = subprocess.run(pinned(LOAD_CPU, ["ab", "-q", "-n", str(requests), "-c", "50", url]),
                         capture_output=True, text=True, check=True, timeout=300).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    p99 = float(re.search(r"^\s+99%\s+(\d+)", out, re.M).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    if failed:
        raise RuntimeError(f"ab saw {failed} failed requests to {url}")
    return rps, p99


def start_servers(names, static_dir):
    """{name: (process, port)} for each server, each pinned to SERVER_CPU."""
    commands = server_commands(static_dir)
    env = dict(os.environ, PYTHONPATH=ROOT)
    servers = {}
    for name in names:
        port = free_port()
        proc = subprocess.Popen(pinned(SERVER_CPU, commands[name](port)), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers[name] = (proc, port)
        wait_listening(port)
    return servers


def measure(servers, args) -> dict:
    """{(server, path): [(keep-alive rps, p99), (new-conn rps, p99)] per round}.

    Rounds alternate the servers, so a slow spell of this shared VM does not land
    on one server only; the table reports medians."""
    results: dict = {}
    for round_number in range(args.rounds):
        for name, (_, port) in servers.items():
            for path in URLS:
                url = f"http://127.0.0.1:{port}{path}"
                if round_number == 0:
                    run_wrk(url, 1)  # warm-up
                cell = (run_wrk(url, args.duration), run_ab(url, args.requests))
                results.setdefault((name, path), []).append(cell)
                print(f"# round {round_number + 1} {name} {path}: keep-alive {cell[0][0]:.0f}"
                      f" req/s, new connection {cell[1][0]:.0f} req/s", file=sys.stderr)
    return results


def median_cell(cells, which: int) -> tuple[float, float]:
    return (statistics.median(c[which][0] for c in cells),
            statistics.median(c[which][1] for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--requests", type=int, default=20000, help="requests per ab run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians)")
    parser.add_argument("--servers", default="reactor,baseline")
    args = parser.parse_args()
    for tool in ("wrk", "ab"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install wrk apache2-utils)")
    static_dir = tempfile.mkdtemp(prefix="miniface-bench-")
    with open(os.path.join(static_dir, "img.png"), "wb") as f:
        f.write(png_bytes(64, 64))
    servers = start_servers(args.servers.split(","), static_dir)
    try:
        results = measure(servers, args)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(static_dir, ignore_errors=True)
    print(f"Medians of {args.rounds} alternating rounds.\n")
    print("| server | URL | keep-alive req/s (wrk -c50) | p99 ms | new conn req/s (ab -c50) | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    for (name, path), cells in results.items():
        ka, close = median_cell(cells, 0), median_cell(cells, 1)
        print(f"| {name} | {URLS[path]} | {ka[0]:,.0f} | {ka[1]:.1f} | {close[0]:,.0f} | {close[1]:.0f} |")


if __name__ == "__main__":
    main()

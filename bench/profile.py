"""Profile a MiniFace server under load with py-spy (from the bench venv).

Starts the server pinned to CPU 0 as bench/run.py does, loads one URL with
`wrk -t1 -c50` on CPU 1, records the server with `py-spy record --format raw`
(collapsed stacks, native frames off) for the same time, and prints the functions
with the most samples: own time (the frame on top) and inclusive time.

    python3 bench/profile.py hello|png|home [--duration 10] [--top 25]
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))

from bench_servers import log_in, server_specs  # noqa: E402
from make_png import png_bytes  # noqa: E402
from run import LOAD_CPU, ROOT, pinned, run_wrk, start  # noqa: E402

TARGETS = {"hello": ("reactor", "/hello"), "png": ("reactor", "/static/img.png"),
           "home": ("miniface", "/")}


def summarize(raw_path: str, top: int) -> str:
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    with open(raw_path) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack:
                continue
            # The first frame names the process/thread; "fn (file.py:12)" -> "fn (file.py)".
            frames = [frame.rsplit(":", 1)[0] + ")" for frame in stack.split(";")[1:]]
            count = int(count)
            total += count
            if frames:
                own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    lines = [f"{total} samples", "", "own time:"]
    lines += [f"  {100 * n / total:5.1f} %  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "inclusive time:"]
    lines += [f"  {100 * n / total:5.1f} %  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--py-spy", default=os.path.join(HERE, ".venv", "bin", "py-spy"))
    args = parser.parse_args()
    name, path = TARGETS[args.target]
    work = tempfile.mkdtemp(prefix="miniface-profile-")
    with open(os.path.join(work, "img.png"), "wb") as f:
        f.write(png_bytes(64, 64))
    spec = next(s for s in server_specs(work, "/nonexistent") if s.name == name)
    proc, port = start(spec, dict(os.environ, PYTHONPATH=ROOT))
    try:
        header = f"Cookie: {log_in(port)}" if name == "miniface" else None
        url = f"http://127.0.0.1:{port}{path}"
        run_wrk(url, 2, header)  # warm up
        raw = os.path.join(work, "profile.txt")
        spy = subprocess.Popen(pinned(LOAD_CPU, [args.py_spy, "record", "--pid", str(proc.pid),
                                                 "--duration", str(args.duration), "--rate", "250",
                                                 "--format", "raw", "--output", raw, "--nonblocking"]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load = threading.Thread(target=run_wrk, args=(url, args.duration + 1, header))
        load.start()
        spy.wait(timeout=args.duration + 60)
        load.join()
        print(summarize(raw, args.top))
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()

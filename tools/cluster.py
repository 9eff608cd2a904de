"""`make cluster`: many machines, on this one.

    python tools/cluster.py                 # start, run the smoke journey, stop
    python tools/cluster.py --keep          # ... then keep it running until Ctrl-C
    python tools/cluster.py --nodes 3 --workers 2 --demo --keep

Starts, each in a new temp directory that is deleted afterwards:

1. a throwaway PostgreSQL cluster (tools/pgcluster.py: initdb, a free port, run as
   `nobody` when we are root) with one database, `miniface`, migrated once with
   `miniface init-db` before any node starts;
2. N MiniFace nodes (default 2): `miniface serve --database postgresql://...
   --port P --data-dir D --node-name nodeK --trusted-proxies 127.0.0.1`, each with
   its own data directory, as separate machines would have, and `--workers`
   processes each;
3. nginx in front as the load balancer (tools/balancer.py: round robin, Server-Sent
   Events unbuffered, X-Forwarded-For, the photo upload limit).

Then it runs the smoke journey (tools/journey.py) through nginx and prints one
line per step. Everything it started is stopped in reverse order on the way out:
after the journey, on Ctrl-C or SIGTERM, and on any error. Each child runs in its
own session so a Ctrl-C reaches this script only, which then stops them in order.
The exit status is 1 when a step failed, 2 when the cluster could not start.

Needs Debian's `postgresql` and `nginx` packages (only their binaries are used;
no system service is touched) and MiniFace installed with the `postgres` extra.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from balancer import NGINX_MISSING_REASON, Balancer, find_nginx, free_port
from journey import PASSWORD, Journey
from pgcluster import MISSING_REASON, PgCluster, find_bindir

__all__ = ["LocalCluster", "Node", "missing_reason", "main"]

DATABASE = "miniface"
# nginx reaches the nodes from here; the nodes believe its X-Forwarded-For.
BALANCER_ADDRESS = "127.0.0.1"
# A node imports the app, opens its PostgreSQL connections and starts its loop in a
# second or two; a loaded 2-core VM may need many times that.
NODE_START_TIMEOUT_SECONDS = 60
NODE_STOP_TIMEOUT_SECONDS = 15


def missing_reason() -> str | None:
    """Why the cluster cannot start here, or None when everything it needs exists."""
    if find_bindir() is None:
        return MISSING_REASON
    if find_nginx() is None:
        return NGINX_MISSING_REASON
    try:
        import psycopg  # noqa: F401  (the extra miniface[postgres])
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    return None


def upload_limit_bytes() -> int:
    """MiniFace's largest request body: a photo and the form around it."""
    from handlers.config import MAX_IMAGE_BYTES, UPLOAD_FORM_OVERHEAD_BYTES

    return MAX_IMAGE_BYTES + UPLOAD_FORM_OVERHEAD_BYTES


def miniface_command(*args: str) -> list[str]:
    """`miniface ARGS` with this interpreter (the venv's, under make)."""
    return [sys.executable, "-m", "handlers.cli", *args]


@dataclass
class Node:
    """One `miniface serve` process: a machine of the cluster."""

    name: str
    port: int
    directory: Path
    process: subprocess.Popen

    @property
    def log_path(self) -> Path:
        return self.directory / "serve.log"

    @classmethod
    def start(cls, name: str, directory: Path, database_url: str, *, workers: int = 1,
              extra_args: tuple[str, ...] = ()) -> Node:
        """Start the node on a free port and wait until it answers as `name`."""
        data_dir = directory / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            port = free_port()
            with open(directory / "serve.log", "ab") as log:
                process = subprocess.Popen(
                    miniface_command("serve", "--host", "127.0.0.1", "--port", str(port),
                                     "--data-dir", str(data_dir), "--database", database_url,
                                     "--node-name", name, "--workers", str(workers),
                                     "--trusted-proxies", BALANCER_ADDRESS, *extra_args),
                    cwd=directory, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    start_new_session=True)
            node = cls(name, port, directory, process)
            if node.wait_ready():
                return node
            node.stop()
        raise RuntimeError(f"node {name} did not start:\n{node.read_log()}")

    def wait_ready(self) -> bool:
        """True once GET /healthz answers 200 from this node (by its name)."""
        deadline = time.monotonic() + NODE_START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                conn.close()
                node = (response.getheader("X-MiniFace-Node") or "").split("/")[0]
                if response.status == 200 and node == self.name:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        """SIGTERM: the node (or its supervisor) finishes what is in flight and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(NODE_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"


class LocalCluster:
    """PostgreSQL, N nodes and nginx, started together and stopped together.

        with LocalCluster.start(nodes=2) as cluster:
            cluster.url, cluster.node_names, cluster.database_url
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.pg: PgCluster | None = None
        self.nodes: list[Node] = []
        self.balancer: Balancer | None = None
        self.database_url = ""

    @property
    def url(self) -> str:
        return self.balancer.url

    @property
    def node_names(self) -> list[str]:
        return [node.name for node in self.nodes]

    @classmethod
    def start(cls, *, nodes: int = 2, workers: int = 1, port: int = 0, demo: bool = False,
              access_log: bool = True, parent: str | None = None,
              log=lambda line: None) -> LocalCluster:
        directory = Path(tempfile.mkdtemp(prefix="miniface-cluster-", dir=parent))
        if os.geteuid() == 0:
            directory.chmod(0o755)  # PostgreSQL and nginx workers run as nobody inside
        cluster = cls(directory)
        try:
            cluster._start(nodes, workers, port, demo, access_log, log)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _start(self, nodes, workers, port, demo, access_log, log) -> None:
        log(f"PostgreSQL: initdb into {self.directory} ...")
        self.pg = PgCluster.start(parent=str(self.directory))
        self.database_url = self.pg.create_database(DATABASE)
        self._run_miniface("init-db", "--data-dir", str(self.directory / "init"))
        if demo:
            self._run_miniface("seed", "--demo", "--data-dir", str(self.directory / "node1" /
                                                                   "data"))
        log(f"PostgreSQL: {self.database_url}")
        extra = () if access_log else ("--no-access-log",)
        for number in range(1, nodes + 1):
            name = f"node{number}"
            node = Node.start(name, self.directory / name, self.database_url, workers=workers,
                              extra_args=extra)
            self.nodes.append(node)
            log(f"{name}: http://127.0.0.1:{node.port}/ ({workers} worker"
                f"{'s' if workers > 1 else ''}, data in {node.directory / 'data'})")
        self.balancer = Balancer.start([("127.0.0.1", n.port) for n in self.nodes],
                                       self.directory / "nginx", port=port,
                                       max_body_bytes=upload_limit_bytes(),
                                       access_log=access_log)
        log(f"nginx: {self.balancer.url} -> {', '.join(self.node_names)}")

    def _run_miniface(self, *args: str) -> None:
        done = subprocess.run(miniface_command(*args, "--database", self.database_url),
                              capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              cwd=self.directory)
        if done.returncode != 0:
            raise RuntimeError(f"miniface {args[0]} failed:\n{done.stdout}{done.stderr}")

    def dead_children(self) -> list[str]:
        """Names of the processes that have exited on their own."""
        dead = [node.name for node in self.nodes if node.process.poll() is not None]
        if self.balancer and self.balancer.process.poll() is not None:
            dead.append("nginx")
        return dead

    def logs(self) -> str:
        parts = [f"--- {node.name} ---\n{node.read_log()}" for node in self.nodes]
        if self.balancer:
            parts.append(f"--- nginx ---\n{self.balancer.read_log()}")
        if self.pg:
            parts.append(f"--- PostgreSQL ---\n{self.pg.read_log()}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop nginx, the nodes, then PostgreSQL; delete the temp directory.
        Safe to call twice and on a half-started cluster."""
        if self.balancer:
            self.balancer.stop()
        for node in reversed(self.nodes):
            node.stop()
        if self.pg:
            self.pg.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop_on_signals() -> None:
    # SIGTERM (and SIGHUP: the terminal went away) unwind like Ctrl-C, through the
    # `finally` that stops every child. SIGINT is set too: a shell starts a
    # background job with it ignored, and Python would keep ignoring it.
    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_interrupt)
    signal.signal(signal.SIGHUP, raise_interrupt)


def _wait_until_interrupted(cluster: LocalCluster, journey: Journey | None) -> None:
    print(f"\nMiniFace is at {cluster.url} (through nginx; nodes "
          + ", ".join(f"{n.name} :{n.port}" for n in cluster.nodes) + ").")
    if journey is not None:
        print(f"Log in as {journey.alice.username} or {journey.bob.username}, password "
              f"{PASSWORD}.")
    print(f"Files (logs, nginx.conf) under {cluster.directory}. Ctrl-C stops everything.",
          flush=True)
    while not (dead := cluster.dead_children()):
        time.sleep(1)
    print(f"stopped on its own: {', '.join(dead)}\n{cluster.logs()}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=2, help="MiniFace nodes (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="processes per node (default 1)")
    parser.add_argument("--port", type=int, default=0,
                        help="nginx's port (default: a free one)")
    parser.add_argument("--keep", action="store_true",
                        help="after the journey, keep everything running until Ctrl-C")
    parser.add_argument("--demo", action="store_true",
                        help="seed the demo people (alice, bob, ...; password password123)")
    parser.add_argument("--no-journey", action="store_true", help="skip the smoke journey")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.nodes < 2:
        raise SystemExit("cluster: --nodes must be at least 2 (it is a cluster)")
    reason = missing_reason()
    if reason:
        print(f"cluster: cannot start: {reason}", file=sys.stderr)
        return 2
    _stop_on_signals()
    cluster = None
    try:
        try:
            cluster = LocalCluster.start(nodes=args.nodes, workers=args.workers,
                                         port=args.port, demo=args.demo, log=print)
        except RuntimeError as exc:
            print(f"cluster: cannot start: {exc}", file=sys.stderr)
            return 2
        failures, journey = [], None
        if not args.no_journey:
            print(f"Smoke journey through {cluster.url}:")
            journey = Journey(cluster.url, cluster.node_names)
            failures = journey.run()
            print(f"FAILED: {len(failures)} step(s)" if failures else "passed: every step")
            if failures and not args.keep:
                print(cluster.logs(), file=sys.stderr)
        if args.keep:
            _wait_until_interrupted(cluster, journey)
        return 1 if failures else 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if cluster is not None:
            # A second Ctrl-C must not cut the stopping short and leave children behind.
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            print("stopping nginx, the nodes and PostgreSQL ...", flush=True)
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

"""A throwaway PostgreSQL cluster for tests and local demos (`make cluster`, tools/cluster.py).

    cluster = PgCluster.start()          # initdb into a temp dir, listen on a free port
    url = cluster.create_database("t1")  # postgresql://postgres@127.0.0.1:PORT/t1
    cluster.stop()                       # stop the server, delete the directory

Nothing outside the temp directory is touched and no running server is assumed:
the cluster is initialised with Debian's (or any) `initdb`, started with `pg_ctl`,
and trusts connections from this machine only (127.0.0.1 and its own socket).
PostgreSQL refuses to run as root, so when we are root the server runs as the
unprivileged user `nobody` through `runuser`, in a directory handed to that user.

It is tuned for tests, not for data: fsync, full page writes and synchronous
commit are off (a crash loses the cluster, which is deleted anyway).

`find_bindir()` returns None when no PostgreSQL binaries are installed; tests use
it to skip with a clear reason. Importable by tests and by scripts alike: it needs
only the standard library (psycopg only for `create_database`/`drop_database`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["PgCluster", "find_bindir", "MISSING_REASON"]

MISSING_REASON = ("PostgreSQL binaries not found (initdb, pg_ctl): install Debian's "
                  "`postgresql`, or set MINIFACE_PG_BINDIR")
SUPERUSER = "postgres"
UNPRIVILEGED_USER = "nobody"
# pg_ctl waits this long for the server to accept connections; a loaded 2-core VM
# can take several seconds to start one.
START_TIMEOUT_SECONDS = 60
# Settings for a disposable cluster: durability off (it is deleted afterwards),
# small memory, enough connections for a few app processes with their threads.
TEST_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "shared_buffers": "32MB",
    "max_connections": "200",
    "listen_addresses": "127.0.0.1",
}


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, or None.

    MINIFACE_PG_BINDIR wins; then Debian's /usr/lib/postgresql/<version>/bin (newest
    first); then whatever is on PATH.
    """
    candidates = []
    if os.environ.get("MINIFACE_PG_BINDIR"):
        candidates.append(os.environ["MINIFACE_PG_BINDIR"])
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name)
                         if Path(p).parent.name.isdigit() else 0, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for directory in candidates:
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    return None


def _free_port() -> int:
    # PostgreSQL binds its own socket, so the port is only free "probably": start()
    # retries on a clash.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgCluster:
    """One running throwaway cluster; see the module doc."""

    def __init__(self, bindir: Path, directory: Path, port: int, run_as: str | None):
        self.bindir = bindir
        self.directory = directory
        self.port = port
        self.run_as = run_as
        self.host = "127.0.0.1"

    @property
    def datadir(self) -> Path:
        return self.directory / "data"

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    # -- life cycle ------------------------------------------------------------------

    @classmethod
    def start(cls, bindir: Path | None = None, parent: str | None = None) -> PgCluster:
        """initdb into a new temp directory and start the server on a free port."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise RuntimeError(MISSING_REASON)
        directory = Path(tempfile.mkdtemp(prefix="miniface-pg-", dir=parent))
        run_as = UNPRIVILEGED_USER if os.geteuid() == 0 else None
        if run_as:
            shutil.chown(directory, user=run_as)
        cluster = cls(bindir, directory, 0, run_as)
        try:
            cluster._initdb()
            for _attempt in range(3):
                cluster.port = _free_port()
                if cluster._pg_ctl_start():
                    return cluster
            raise RuntimeError(f"PostgreSQL did not start:\n{cluster.read_log()}")
        except BaseException:
            cluster.stop()
            raise

    def stop(self) -> None:
        """Stop the server (fast: open sessions are cut) and delete the directory."""
        if (self.datadir / "postmaster.pid").exists():
            self._run([str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir),
                       "-m", "fast", "-w", "-t", "30"], check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    def read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no server log)"

    def _initdb(self) -> None:
        self._run([str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER,
                   "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                  check=True)

    def _pg_ctl_start(self) -> bool:
        options = " ".join(f"-c {key}={value}" for key, value in
                           {**TEST_SETTINGS, "port": self.port,
                            "unix_socket_directories": str(self.directory)}.items())
        done = self._run([str(self.bindir / "pg_ctl"), "start", "-D", str(self.datadir),
                          "-l", str(self.log_path), "-o", options, "-w",
                          "-t", str(START_TIMEOUT_SECONDS)], check=False)
        return done.returncode == 0

    def _run(self, argv: list[str], *, check: bool) -> subprocess.CompletedProcess:
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.directory,
                              stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}")
        return done

    # -- databases ---------------------------------------------------------------------

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser, outside any transaction."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE `name` (copying `template` if given); returns its URL."""
        _check_name(name)
        clause = ""
        if template:
            _check_name(template)
            clause = f" TEMPLATE {template}"
        # Copying a template waits for its other sessions to end; a short retry
        # covers one still closing.
        deadline = time.monotonic() + 10
        while True:
            try:
                self.execute(f"CREATE DATABASE {name}{clause}")
                return self.url(name)
            except Exception as exc:  # psycopg.errors.ObjectInUse while a session closes
                if "being accessed" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def drop_database(self, name: str) -> None:
        _check_name(name)
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _check_name(name: str) -> None:
    # Names go into SQL text (CREATE DATABASE takes no parameters): letters, digits, _.
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a plain database name: {name!r}")


if __name__ == "__main__":  # a quick manual check: start, print the URL, stop on Enter
    started = PgCluster.start()
    print(started.url(), flush=True)
    try:
        input("Enter stops the cluster. ")
    finally:
        started.stop()

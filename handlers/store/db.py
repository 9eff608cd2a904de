"""The one place that opens sqlite3 connections.

A `Database` wraps a single connection with the pragmas MiniFace relies on (WAL so
readers in other worker processes never block on a writer, foreign keys so deletes
cascade, a busy timeout so two processes writing at once wait instead of failing).
The connection runs in autocommit mode (`isolation_level=None`): each statement
commits on its own unless it runs inside `transaction()`, which opens
`BEGIN IMMEDIATE` (taking the write lock up front, so a read-then-write cannot hit
SQLITE_BUSY half-way) and nests with savepoints.

Every statement takes named parameters (`:viewer_id`); values are never formatted
into SQL text.
"""

import contextlib
import sqlite3
import time
from pathlib import Path

from .errors import QueryTimeout

__all__ = ["Database", "MIGRATIONS_DIR", "migrations", "json_ids"]


# The schema is an ordered list of migrations, data/migrations/NNN_name.sql. Each runs
# once, in its own transaction, and the database records the last one applied
# (PRAGMA user_version), so a database made by an older MiniFace is brought up to date
# on start. A new table or column is a new file with the next number; applied files
# are never edited.
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "migrations"


def migrations(directory=None) -> list[tuple[int, Path]]:
    """(number, path) of every migration file, in the order they apply."""
    found = []
    for path in Path(directory or MIGRATIONS_DIR).glob("[0-9][0-9][0-9]_*.sql"):
        found.append((int(path.name[:3]), path))
    found.sort()
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, ... without gaps: {numbers}")
    return found

# Another process holding the write lock (a `--workers` sibling) makes us wait up
# to this long before sqlite gives up with "database is locked".
BUSY_TIMEOUT_MS = 5000

# The progress handler runs every this many virtual-machine instructions; small
# enough that a time budget is checked every few microseconds of work.
PROGRESS_STEPS = 1000


def json_ids(ids) -> str:
    """A list of ids as one JSON array parameter, read in SQL with json_each(:ids).

    One named parameter however many ids, instead of building `IN (?, ?, ...)`.
    Every id goes through int(), so the text is always a well-formed array.
    """
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _dict_row(cursor, row):
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class Database:
    """One sqlite3 connection with MiniFace's pragmas; rows come back as dicts."""

    def __init__(self, path) -> None:
        self.path = str(path)
        # check_same_thread=False: the connection may be created on the main thread
        # and then used by the loop thread; only one thread uses it at a time.
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = _dict_row
        self._depth = 0
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA foreign_keys = ON")

    @property
    def schema_version(self) -> int:
        """The number of the last migration applied (0 for a new database)."""
        return self._conn.execute("PRAGMA user_version").fetchone()["user_version"]

    def apply_schema(self, directory=None) -> None:
        """Apply, in order, every migration newer than this database's version.

        Each file runs in one transaction together with the version bump, so a
        failed migration leaves the database at the previous version.
        """
        for number, path in migrations(directory):
            if number <= self.schema_version:
                continue
            script = path.read_text(encoding="utf-8")
            try:
                self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            except sqlite3.Error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def query_one(self, sql: str, params=None):
        """The first row as a dict, or None."""
        return self._conn.execute(sql, params or {}).fetchone()

    def query_all(self, sql: str, params=None) -> list:
        """Every row, as a list of dicts."""
        return self._conn.execute(sql, params or {}).fetchall()

    def query_value(self, sql: str, params=None):
        """The first column of the first row, or None when there is no row."""
        row = self._conn.execute(sql, params or {}).fetchone()
        return None if row is None else next(iter(row.values()))

    def execute(self, sql: str, params=None):
        """Run one write; returns the cursor's lastrowid."""
        return self._conn.execute(sql, params or {}).lastrowid

    def execute_rowcount(self, sql: str, params=None) -> int:
        """Run one write; returns how many rows it changed."""
        return self._conn.execute(sql, params or {}).rowcount

    def execute_many(self, sql: str, rows) -> None:
        """Run one statement for each parameter mapping in `rows` (bulk loads)."""
        self._conn.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self):
        """All-or-nothing block: commit on success, roll back on any exception.

        The outermost block is `BEGIN IMMEDIATE`; a nested block is a savepoint, so
        an inner failure that the caller catches undoes only the inner writes.
        """
        if self._depth == 0:
            begin, commit, rollback = "BEGIN IMMEDIATE", ["COMMIT"], ["ROLLBACK"]
        else:
            name = f"sp{self._depth}"
            begin, commit = f"SAVEPOINT {name}", [f"RELEASE {name}"]
            rollback = [f"ROLLBACK TO {name}", f"RELEASE {name}"]
        self._conn.execute(begin)
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            for statement in rollback:
                self._conn.execute(statement)
            raise
        self._depth -= 1
        for statement in commit:
            self._conn.execute(statement)

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextlib.contextmanager
    def time_limit(self, seconds: float):
        """Interrupt any statement in this block that runs longer than `seconds`.

        The interrupted statement raises `QueryTimeout`. Used for queries whose cost
        user input controls (search).
        """
        deadline = time.monotonic() + seconds
        self._conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if time.monotonic() <= deadline:
                raise
            raise QueryTimeout(f"query ran longer than {seconds} s") from exc
        finally:
            self._conn.set_progress_handler(None, PROGRESS_STEPS)

    def set_trace(self, callback) -> None:
        """Call `callback(sql)` for every statement run (None stops). Tests count
        queries with it; it costs a Python call per statement."""
        self._conn.set_trace_callback(callback)

    def close(self) -> None:
        self._conn.close()

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

from .errors import IntegrityError, QueryTimeout, UniqueViolation
from .migrations import MIGRATIONS_DIR, migrations

__all__ = ["Database", "LIVE_CHANNEL", "MEDIA_CHANNEL", "MIGRATIONS_DIR", "migrations", "json_ids"]

# PostgreSQL: rows live delivery cares about are announced on this channel (see
# store/live.py `announce`); sqlite's `notify` does nothing.
LIVE_CHANNEL = "miniface_live"
# PostgreSQL: the name of an image deleted through any node (handlers/media.py).
MEDIA_CHANNEL = "miniface_media"


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


@contextlib.contextmanager
def _integrity_errors():
    # The same exceptions from both backends: the store catches these, not sqlite3's.
    try:
        yield
    except sqlite3.IntegrityError as exc:
        kind = UniqueViolation if "UNIQUE" in str(exc) else IntegrityError
        raise kind(str(exc)) from exc


def _dict_row(cursor, row):
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class Database:
    """One sqlite3 connection with MiniFace's pragmas; rows come back as dicts.

    The PostgreSQL backend (`store/pg.py`) has the same interface.
    """

    dialect = "sqlite"
    # A local file: statements may run on the event loop thread.
    blocks_on_network = False

    def __init__(self, path) -> None:
        self.path = str(path)
        # check_same_thread=False: the connection may be created on the main thread
        # and then used by the loop thread; only one thread uses it at a time.
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = _dict_row
        self._depth = 0
        # Writes made through this connection (see `data_version` and handlers/readcache.py).
        self.writes = 0
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        # `data_version` runs on every request: its own cursor, rows as tuples.
        self._version_cursor = self._conn.cursor()
        self._version_cursor.row_factory = None

    @property
    def schema_version(self) -> int:
        """The number of the last migration applied (0 for a new database)."""
        return self._conn.execute("PRAGMA user_version").fetchone()["user_version"]

    def apply_schema(self, directory=None, *, upto: int | None = None) -> None:
        """Apply, in order, every migration newer than this database's version
        (up to `upto`; see store/migrations.py).

        Each file runs in one transaction together with the version bump, so a
        failed migration leaves the database at the previous version.
        """
        for number, path in migrations(directory):
            if upto is not None and number > upto:
                break
            if number <= self.schema_version:
                continue
            self.writes += 1
            script = path.read_text(encoding="utf-8")
            try:
                self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            except sqlite3.Error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def data_version(self) -> int:
        """sqlite's count that changes whenever another connection (another worker,
        a `miniface` command) commits; this connection's own writes are `writes`."""
        return self._version_cursor.execute("PRAGMA data_version").fetchone()[0]

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
        self.writes += 1
        with _integrity_errors():
            return self._conn.execute(sql, params or {}).lastrowid

    def execute_rowcount(self, sql: str, params=None) -> int:
        """Run one write; returns how many rows it changed."""
        self.writes += 1
        with _integrity_errors():
            return self._conn.execute(sql, params or {}).rowcount

    def execute_many(self, sql: str, rows) -> None:
        """Run one statement for each parameter mapping in `rows` (bulk loads)."""
        self.writes += 1
        with _integrity_errors():
            self._conn.executemany(sql, rows)

    def notify(self, channel: str, payload: str) -> None:
        """Nothing to do: with sqlite, live delivery polls the tables (handlers/live.py)."""

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
        self.writes += 1
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            self.writes += 1  # results read inside the block may hold undone writes
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

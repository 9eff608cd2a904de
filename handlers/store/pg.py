"""The PostgreSQL backend: the same interface as the sqlite `Database`, over psycopg 3.

    db = PgDatabase("postgresql://miniface@db.example/miniface")
    db.query_all("SELECT ... WHERE id = :id", {"id": 7})     # sqlite-flavoured SQL

Statements are written once, for sqlite, and translated by `dialect.py`.

Threads. Every thread that uses a `PgDatabase` gets its own connection, opened on
first use and kept (a psycopg connection must not be shared by threads running
queries at once). MiniFace runs requests for this backend on a few database
threads (`handlers/dbthreads.py`), so the event loop itself never waits on a
round trip; the loop thread opens no connection at all in normal operation.

Transactions. Connections run in autocommit mode: each statement commits alone,
as with sqlite. `transaction()` opens a transaction (a savepoint when nested) and
first takes one advisory lock, so explicit transactions run one at a time, as
sqlite's `BEGIN IMMEDIATE` makes them. The store's read-then-write blocks (a
friend request checks for the reverse request, then inserts) rely on that.
It costs one round trip per transaction and caps write concurrency; the
statements outside `transaction()` still run concurrently.

Errors. Integrity errors come out as `store.errors.IntegrityError` (a duplicate as
`UniqueViolation`), as from the sqlite backend, and a statement cancelled by
`time_limit` as `QueryTimeout`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading

import psycopg
from psycopg.rows import dict_row
from psycopg.types.string import StrDumper

from .dialect import postgres_query
from .errors import IntegrityError, QueryTimeout, UniqueViolation
from .migrations import apply_postgres_migrations, postgres_schema_version

__all__ = ["PgDatabase", "is_postgres_url"]

log = logging.getLogger(__name__)

# Any constant works: it only has to be the same in every MiniFace process.
TRANSACTION_LOCK_KEY = 0x4D696E69  # "Mini"
CONNECT_TIMEOUT_SECONDS = 10


def is_postgres_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


class PgDatabase:
    """A PostgreSQL database reached through one connection per thread."""

    dialect = "postgresql"
    # Statements here may wait on the network: callers keep them off the event loop.
    blocks_on_network = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = url  # what logs and error messages show for the sqlite backend
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[psycopg.Connection] = []
        self._id_tables: dict[str, bool] = {}
        self._closed = False
        self._connection()  # fail fast on a bad URL or a server that is down

    # -- connections -------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed:
            return conn
        if self._closed:
            raise RuntimeError("the database is closed")
        conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row,
                               connect_timeout=CONNECT_TIMEOUT_SECONDS)
        self._local.conn = conn
        self._local.depth = 0
        with self._lock:
            self._connections = [c for c in self._connections if not c.closed] + [conn]
        return conn

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(Exception):
                conn.close()

    # -- schema --------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return postgres_schema_version(self._connection())

    def apply_schema(self, directory=None, *, upto: int | None = None) -> None:
        """Apply every migration newer than the database, up to `upto` (see
        store/migrations.py)."""
        apply_postgres_migrations(self._connection(), directory, upto=upto)
        self._id_tables.clear()

    # -- statements ----------------------------------------------------------------

    def _run(self, sql: str, params):
        query = postgres_query(sql)
        values = _bind(query, params)
        text = query.sql
        if query.is_insert and self._has_id(query.table) and "RETURNING" not in text.upper():
            text += " RETURNING id"
        try:
            if query.array_params and _has_text_array(values, query.array_params):
                return self._text_cursor().execute(text, values)
            return self._connection().execute(text, values)
        except psycopg.errors.IntegrityError as exc:
            kind = UniqueViolation if isinstance(exc, psycopg.errors.UniqueViolation) \
                else IntegrityError
            raise kind(str(exc)) from exc
        except psycopg.errors.QueryCanceled as exc:
            raise QueryTimeout(str(exc)) from exc

    def _text_cursor(self):
        # Strings are bound untyped (so `citext_column = :name` compares as citext),
        # but an untyped array makes unnest() ambiguous: a query with an array of
        # strings binds its strings as text.
        cursor = self._connection().cursor()
        cursor.adapters.register_dumper(str, StrDumper)
        return cursor

    def _has_id(self, table: str) -> bool:
        # An INSERT returns the new row's id (sqlite's lastrowid) when its table has
        # an `id` column; which tables do is asked once per table.
        known = self._id_tables.get(table)
        if known is None:
            known = self._connection().execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = %s AND column_name = 'id'", (table,)).fetchone() is not None
            self._id_tables[table] = known
        return known

    def query_one(self, sql: str, params=None):
        return self._run(sql, params).fetchone()

    def query_all(self, sql: str, params=None) -> list:
        return self._run(sql, params).fetchall()

    def query_value(self, sql: str, params=None):
        row = self._run(sql, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def execute(self, sql: str, params=None):
        """Run one write; returns the new row's id for an INSERT into a table with one."""
        cursor = self._run(sql, params)
        if cursor.description is not None and postgres_query(sql).is_insert:
            row = cursor.fetchone()
            return None if row is None else row.get("id")
        return None

    def execute_rowcount(self, sql: str, params=None) -> int:
        return self._run(sql, params).rowcount

    def execute_many(self, sql: str, rows) -> None:
        query = postgres_query(sql)
        try:
            with self._connection().cursor() as cursor:
                cursor.executemany(query.sql, [_bind(query, row) for row in rows])
        except psycopg.errors.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    def notify(self, channel: str, payload: str) -> None:
        """pg_notify: delivered to every listener when the current transaction
        commits (at once outside a transaction)."""
        self._connection().execute("SELECT pg_notify(%s, %s)", (channel, payload))

    # -- transactions and budgets ----------------------------------------------------

    @contextlib.contextmanager
    def transaction(self):
        """All-or-nothing block; nested blocks are savepoints (see the module doc)."""
        conn = self._connection()
        with conn.transaction():
            if self._local.depth == 0:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (TRANSACTION_LOCK_KEY,))
            self._local.depth += 1
            try:
                yield self
            finally:
                self._local.depth -= 1

    @property
    def in_transaction(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    @contextlib.contextmanager
    def time_limit(self, seconds: float):
        """Cancel any statement in this block that runs longer than `seconds`
        (raises QueryTimeout), through the server's statement_timeout."""
        if seconds <= 0:  # no time at all (statement_timeout = 0 would mean no limit)
            raise QueryTimeout("no time budget left")
        conn = self._connection()
        milliseconds = max(1, int(seconds * 1000))
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (f"{milliseconds}ms",))
        try:
            yield
        finally:
            conn.execute("SELECT set_config('statement_timeout', '0', false)")


def _bind(query, params):
    # Always a mapping, never None: psycopg then reads `%%` as a literal percent.
    if not params or not query.array_params:
        return params or {}
    # json_each's parameter is a JSON array text (store.db.json_ids); here it is
    # bound as an array, so PostgreSQL sees ids, not a string.
    bound = dict(params)
    for name in query.array_params:
        value = bound.get(name)
        if isinstance(value, str):
            bound[name] = json.loads(value)
    return bound


def _has_text_array(values, names) -> bool:
    return any(isinstance(values.get(name), list) and values[name]
               and isinstance(values[name][0], str) for name in names)

"""Schema migrations: one ordered list, data/migrations/NNN_name.sql, for both backends.

Each file is written in sqlite's SQL and runs once, in its own transaction
together with the version bump, so a failed migration leaves the database at the
previous version:

- sqlite records the last number applied in `PRAGMA user_version` (store/db.py);
- PostgreSQL records it in the one-row table `miniface_schema`, and runs the file
  translated by `dialect.postgres_migration`, or, when the rules cannot express it
  (a trigger, a table rebuild), the hand-written twin NNN_name.postgresql.sql
  beside it. Each migration takes an advisory lock first, so nodes starting at
  once apply it exactly once.

A new table or column is a new file with the next number; applied files are never
edited.
"""

from __future__ import annotations

from pathlib import Path

from .dialect import postgres_migration

__all__ = ["MIGRATIONS_DIR", "migrations", "postgres_script", "apply_postgres_migrations",
           "postgres_schema_version", "POSTGRES_SUFFIX"]

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "migrations"
POSTGRES_SUFFIX = ".postgresql.sql"
# Held while a migration runs, so two nodes never apply the same one at once.
MIGRATION_LOCK_KEY = 0x4D696772  # "Migr"


def migrations(directory=None) -> list[tuple[int, Path]]:
    """(number, path) of every migration file, in the order they apply."""
    found = []
    for path in Path(directory or MIGRATIONS_DIR).glob("[0-9][0-9][0-9]_*.sql"):
        if path.name.endswith(POSTGRES_SUFFIX):
            continue
        found.append((int(path.name[:3]), path))
    found.sort()
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, ... without gaps: {numbers}")
    return found


def postgres_script(path: Path) -> str:
    """The PostgreSQL text of one migration: its twin if there is one, else translated."""
    twin = path.with_name(path.name[:-len(".sql")] + POSTGRES_SUFFIX)
    if twin.exists():
        return twin.read_text(encoding="utf-8")
    return postgres_migration(path.read_text(encoding="utf-8"))


_VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS miniface_schema"
                  " (version INTEGER NOT NULL, one_row BOOLEAN PRIMARY KEY DEFAULT TRUE"
                  " CHECK (one_row))")


def postgres_schema_version(conn) -> int:
    """The last migration applied to this PostgreSQL database (0 when none)."""
    exists = conn.execute("SELECT to_regclass('miniface_schema') IS NOT NULL AS yes").fetchone()
    if not _first(exists):
        return 0
    row = conn.execute("SELECT version FROM miniface_schema").fetchone()
    return 0 if row is None else _first(row)


def apply_postgres_migrations(conn, directory=None, *, upto: int | None = None) -> None:
    """Apply, in order, each migration newer than the database (up to `upto`).

    `conn` is a psycopg connection in autocommit mode.
    """
    for number, path in migrations(directory):
        if upto is not None and number > upto:
            break
        if number <= postgres_schema_version(conn):
            continue
        script = postgres_script(path)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            conn.execute(_VERSION_TABLE)
            if number <= postgres_schema_version(conn):
                continue  # another node applied it while we waited for the lock
            conn.execute(script)
            conn.execute("INSERT INTO miniface_schema (version) VALUES (%s)"
                         " ON CONFLICT (one_row) DO UPDATE SET version = excluded.version",
                         (number,))


def _first(row):
    return next(iter(row.values())) if isinstance(row, dict) else row[0]

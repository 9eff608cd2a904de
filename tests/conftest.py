"""Fixtures shared by every test folder: the database backends.

    backend -> "sqlite" | "postgresql"      parametrised: a test (or fixture) that
                                            asks for it runs once per backend
    database_target(backend, tmp_path) -> str | Path
                                            a fresh, migrated, empty database: a sqlite
                                            path, or the URL of a new PostgreSQL database
    pg_cluster -> PgCluster                 one throwaway cluster per session
                                            (tools/pgcluster.py), started on first use

PostgreSQL tests skip, with the reason, when the server binaries or psycopg are
missing. A fresh database per test is a copy of a migrated template
(CREATE DATABASE ... TEMPLATE: ~0.1 s), dropped when the test ends.
"""

from __future__ import annotations

import atexit
import itertools
import sys
from pathlib import Path

import pytest

# tools/ holds scripts, not a package: the cluster helpers are imported from there
# by the tests and by tools/cluster.py alike.
TOOLS_DIR = Path(__file__).resolve().parent.parent / "tools"
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

from pgcluster import MISSING_REASON, PgCluster, find_bindir  # noqa: E402

BACKENDS = ("sqlite", "postgresql")
TEMPLATE_DB = "miniface_template"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    if find_bindir() is None:
        pytest.skip(MISSING_REASON)
    try:
        import psycopg  # noqa: F401  (the optional extra miniface[postgres])
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[postgres]')")
    cluster = PgCluster.start()
    atexit.register(cluster.stop)  # also on an interrupted run
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:
    """The name of a database with every migration applied, to copy per test."""
    from handlers.store import open_database

    open_database(pg_cluster.create_database(TEMPLATE_DB)).close()
    return TEMPLATE_DB


# What a test may change in a database's shape (tables, columns, constraints,
# triggers, functions, the schema version): a database whose shape differs from
# the template's after a test is dropped, not reused.
_SHAPE_SQL = """
SELECT (SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace),
       (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relnamespace = 'public'::regnamespace AND NOT a.attisdropped),
       (SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
       (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal),
       (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
       (SELECT version FROM miniface_schema)
"""


class PgDatabases:
    """Fresh migrated databases, fast: a copy of the template costs ~0.3 s to make
    and ~0.1 s to drop, so a database a test leaves with the template's shape is
    emptied (every row deleted, ~10 ms) and handed to the next test instead."""

    def __init__(self, cluster, template: str):
        self.cluster = cluster
        self.template = template
        self.free: list[str] = []
        self._shape = self._shape_of(template)

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"test_{next(_names)}"
        self.cluster.create_database(name, template=self.template)
        return name

    def give_back(self, name: str) -> None:
        try:
            reusable = self._shape_of(name) == self._shape and self._empty(name)
        except Exception:  # noqa: BLE001  (a test broke it beyond use: drop it)
            reusable = False
        if reusable:
            self.free.append(name)
        else:
            self.cluster.drop_database(name)

    def _shape_of(self, name: str):
        import psycopg

        with psycopg.connect(self.cluster.url(name), autocommit=True,
                             connect_timeout=10) as conn:
            return conn.execute(_SHAPE_SQL).fetchone()

    def _empty(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(self.cluster.url(name), autocommit=True,
                             connect_timeout=10) as conn:
            # Sessions of the test's apps that are still closing would hold locks.
            others = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                                  " current_database() AND pid <> pg_backend_pid()"
                                  " AND state <> 'idle'").fetchone()[0]
            if others:
                return False
            tables = [row[0] for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'miniface_schema'")]
            with conn.transaction():
                # Foreign keys are not checked while every table is being emptied.
                conn.execute("SET LOCAL session_replication_role = replica")
                for table in tables:
                    conn.execute(f'DELETE FROM "{table}"')  # names from the catalog
                # Ids start at 1 again, as in a new copy (some tests name post 1).
                conn.execute("SELECT setval(c.oid, 1, false) FROM pg_class c"
                             " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
        return True


@pytest.fixture(scope="session")
def pg_databases(pg_cluster, pg_template) -> PgDatabases:
    return PgDatabases(pg_cluster, pg_template)


@pytest.fixture
def fresh_pg_database(pg_cluster, pg_databases):
    """Factory: a migrated, empty database's URL (see PgDatabases); each is emptied
    for reuse or dropped at teardown."""
    taken = []

    def make() -> str:
        taken.append(pg_databases.take())
        return pg_cluster.url(taken[-1])

    yield make
    for name in taken:
        pg_databases.give_back(name)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_target(request, backend, tmp_path):
    """A fresh migrated database for `backend`: a sqlite path or a PostgreSQL URL."""
    if backend == "sqlite":
        from handlers.store import open_database

        path = tmp_path / "miniface.db"
        open_database(path).close()
        return path
    return request.getfixturevalue("fresh_pg_database")()

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


@pytest.fixture
def fresh_pg_database(pg_cluster, pg_template):
    """Factory: a new migrated database's URL; every one is dropped at teardown."""
    created = []

    def make() -> str:
        name = f"test_{next(_names)}"
        created.append(name)
        return pg_cluster.create_database(name, template=pg_template)

    yield make
    for name in created:
        pg_cluster.drop_database(name)


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

"""Helpers shared by the store tests: a real database per test (sqlite and
PostgreSQL, see tests/conftest.py), and quick users."""

import pytest

from handlers.store import connect, users

# sqlite's query plans (EXPLAIN QUERY PLAN), pragmas and files: a test marked with
# this runs on sqlite only, overriding the `backend` parameter of tests/conftest.py.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])

# A fixed clock: store functions take `now` explicitly, so tests never sleep.
T0 = 1_800_000_000
FAKE_HASH = "$argon2id$v=19$m=65536,t=3,p=4$not-a-real-hash"


# Test modules import this under its function name and use it as `db`: pytest finds
# fixtures among a module's attributes, and the distinct name keeps linters quiet.
@pytest.fixture(name="db")
def db_fixture(database_target):
    database = connect(database_target)
    yield database
    database.close()


def make_user(db, username, name=None, now=T0):
    """Create a user and return its dict."""
    return users.create_user(db, username=username, name=name or username.title(),
                             password_hash=FAKE_HASH, now=now)

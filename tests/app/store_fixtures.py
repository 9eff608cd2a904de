"""Helpers shared by the store tests: a real sqlite file per test, and quick users."""

import pytest

from handlers.store import open_database, users

# A fixed clock: store functions take `now` explicitly, so tests never sleep.
T0 = 1_800_000_000
FAKE_HASH = "$argon2id$v=19$m=65536,t=3,p=4$not-a-real-hash"


# Test modules import this under its function name and use it as `db`: pytest finds
# fixtures among a module's attributes, and the distinct name keeps linters quiet.
@pytest.fixture(name="db")
def db_fixture(tmp_path):
    database = open_database(tmp_path / "miniface.db")
    yield database
    database.close()


def make_user(db, username, name=None, now=T0):
    """Create a user and return its dict."""
    return users.create_user(db, username=username, name=name or username.title(),
                             password_hash=FAKE_HASH, now=now)

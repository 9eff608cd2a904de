"""MiniFace's data layer: every SQL statement lives in this package.

Functions take the `Database` first and keyword arguments after, and return plain
dicts. Modules group them by table: users, sessions, posts (with the visibility rule
in visibility.py), friends, messages, likes, comments, notifications; seed.py fills
a demo database.
"""

from . import (
    accounts,
    comments,
    errors,
    friends,
    likes,
    messages,
    notifications,
    posts,
    sessions,
    times,
    users,
    visibility,
)
from .db import MIGRATIONS_DIR, Database

# seed.py is left out on purpose: it needs Pillow and only `--demo` uses it.
__all__ = ["Database", "MIGRATIONS_DIR", "accounts", "comments", "connect", "errors", "friends",
           "likes", "messages", "notifications", "open_database", "posts", "sessions", "times",
           "users", "visibility"]


def connect(target):
    """A database for `target`: a postgresql:// URL (psycopg, store/pg.py) or the
    path of a sqlite file (created if missing). The schema is not touched."""
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        from .pg import PgDatabase  # psycopg is an optional extra: imported only here

        return PgDatabase(target)
    return Database(target)


def open_database(target):
    """Connect to `target` (see `connect`) and apply the schema."""
    db = connect(target)
    db.apply_schema()
    return db

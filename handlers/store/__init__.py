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
__all__ = ["Database", "MIGRATIONS_DIR", "accounts", "comments", "errors", "friends", "likes",
           "messages", "notifications", "open_database", "posts", "sessions", "times", "users",
           "visibility"]


def open_database(path) -> Database:
    """Open (creating if needed) the database at `path` and apply the schema."""
    db = Database(path)
    db.apply_schema()
    return db

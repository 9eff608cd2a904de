"""MiniFace's data layer: every SQL statement lives in this package.

Functions take the `Database` first and keyword arguments after, and return plain
dicts. Modules group them by table: users, sessions, posts (with the visibility rule
in visibility.py), friends, messages; seed.py fills a demo database.
"""

from . import errors, times
from .db import SCHEMA_PATH, Database

__all__ = ["Database", "SCHEMA_PATH", "errors", "open_database", "times"]


def open_database(path) -> Database:
    """Open (creating if needed) the database at `path` and apply the schema."""
    db = Database(path)
    db.apply_schema()
    return db

"""Photo and avatar bytes kept in the database (`media`), for the PostgreSQL
backend: every node reads them from there (handlers/media.py)."""

from __future__ import annotations

__all__ = ["delete_blob", "get_blob", "put_blob"]


def put_blob(db, *, name: str, data: bytes, now: int) -> None:
    """Store the bytes of image `name` (names are random and never reused)."""
    db.execute("INSERT INTO media (name, data, created_at) VALUES (:name, :data, :now)",
               {"name": name, "data": data, "now": now})


def get_blob(db, *, name: str) -> bytes | None:
    """The bytes of image `name`, or None when the database has none."""
    data = db.query_value("SELECT data FROM media WHERE name = :name", {"name": name})
    return None if data is None else bytes(data)


def delete_blob(db, *, name: str) -> None:
    db.execute("DELETE FROM media WHERE name = :name", {"name": name})

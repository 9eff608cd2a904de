"""Photo and avatar bytes kept in the database (`media`), for the PostgreSQL
backend: every node reads them from there (handlers/media.py)."""

from __future__ import annotations

import json

__all__ = ["delete_blob", "get_blob", "put_blob", "put_blobs_if_missing",
           "referenced_but_missing"]


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


def referenced_but_missing(db, *, names) -> list[str]:
    """Which of `names` a post names as its photo while `media` has no row for it:
    photos stored on a node's disk before migration 005 (handlers/media.py
    `copy_local_files`)."""
    if not names:
        return []
    rows = db.query_all(
        "SELECT p.image_name AS name FROM posts p"
        " WHERE p.image_name IN (SELECT value FROM json_each(:names))"
        " AND NOT EXISTS (SELECT 1 FROM media m WHERE m.name = p.image_name)",
        {"names": json.dumps(list(names))})
    return [row["name"] for row in rows]


def put_blobs_if_missing(db, rows) -> None:
    """Store each {name, data, now} of `rows` whose name has no row yet (a name
    another node copied meanwhile is left as it is)."""
    db.execute_many("INSERT OR IGNORE INTO media (name, data, created_at)"
                    " VALUES (:name, :data, :now)", rows)

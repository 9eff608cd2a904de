"""Comments under posts, in the order they were written (ids grow with time).

Writing a comment also writes its notifications, in the same transaction: a
`comment` for the post's author, and a `reply` for everyone else who commented on
the post before (one each, never the commenter). Deleting a comment deletes its
notifications with it (ON DELETE CASCADE).

The caller has already checked that the viewer may see the post; a comment is
visible exactly when its post is (store/visibility.py).
"""

from .db import json_ids
from .notifications import add_notification
from .users import USER_COLUMNS

__all__ = ["add_comment", "get_comment", "delete_comment", "comments_before", "latest_comments_of",
           "MAX_COMMENT_PAGE"]

MAX_COMMENT_PAGE = 100
_NEWEST = 2**63 - 1

# The comment's own columns are prefixed, so the author's user columns (whatever
# USER_COLUMNS holds) keep their names and become the nested `author` dict.
COMMENT_COLUMNS = f"""c.id AS comment_id, c.post_id AS comment_post_id, c.body AS comment_body,
       c.created_at AS comment_created_at, {USER_COLUMNS}"""
_SELECT_COMMENT = f"SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id"
_OWN = {"comment_id": "id", "comment_post_id": "post_id", "comment_body": "body",
        "comment_created_at": "created_at"}


def _comment(row):
    """{id, post_id, body, created_at, author: user dict} from a joined row."""
    if row is None:
        return None
    comment = {mine: row[column] for column, mine in _OWN.items()}
    comment["author"] = {key: value for key, value in row.items() if key not in _OWN}
    return comment


def add_comment(db, *, post_id: int, author_id: int, post_author_id: int, body: str,
                now: int) -> dict:
    """Store a comment and its notifications; returns the comment dict."""
    with db.transaction():
        earlier = db.query_all(
            "SELECT DISTINCT author_id FROM comments WHERE post_id = :post_id"
            " AND author_id NOT IN (:author_id, :post_author_id)",
            {"post_id": post_id, "author_id": author_id, "post_author_id": post_author_id})
        comment_id = db.execute(
            "INSERT INTO comments (post_id, author_id, body, created_at)"
            " VALUES (:post_id, :author_id, :body, :now)",
            {"post_id": post_id, "author_id": author_id, "body": body, "now": now})
        about = {"actor_id": author_id, "post_id": post_id, "comment_id": comment_id, "now": now}
        if post_author_id != author_id:
            add_notification(db, recipient_id=post_author_id, kind="comment", **about)
        for row in earlier:
            add_notification(db, recipient_id=row["author_id"], kind="reply", **about)
    return get_comment(db, comment_id=comment_id)


def get_comment(db, *, comment_id: int):
    """The comment with this id (with its author's user columns), or None."""
    return _comment(db.query_one(f"{_SELECT_COMMENT} WHERE c.id = :comment_id",
                                 {"comment_id": comment_id}))


def delete_comment(db, *, comment_id: int) -> bool:
    """Delete a comment and (by cascade) its notifications; True if it existed."""
    return bool(db.execute_rowcount("DELETE FROM comments WHERE id = :comment_id",
                                    {"comment_id": comment_id}))


def comments_before(db, *, post_id: int, before=None, limit: int = 20) -> list:
    """The latest `limit` comments of the post with id < before, oldest first."""
    limit = max(1, min(int(limit), MAX_COMMENT_PAGE))
    rows = db.query_all(
        f"{_SELECT_COMMENT} WHERE c.post_id = :post_id AND c.id < :before"
        " ORDER BY c.id DESC LIMIT :limit",
        {"post_id": post_id, "before": _NEWEST if before is None else int(before),
         "limit": limit})
    return [_comment(row) for row in reversed(rows)]


def latest_comments_of(db, *, post_ids, per_post: int = 2) -> dict:
    """{post_id: its latest `per_post` comments, oldest first} for many posts, in
    one query: for each post one backward seek on comments_post, stopping after
    `per_post` rows (a post with thousands of comments costs the same as one)."""
    ids = json_ids(post_ids)
    out = {int(post_id): [] for post_id in post_ids}
    if ids == "[]":
        return out
    rows = db.query_all(
        f"SELECT {COMMENT_COLUMNS} FROM json_each(:ids) AS j"
        " JOIN comments c ON c.id IN (SELECT x.id FROM comments x WHERE x.post_id = j.value"
        "                             ORDER BY x.id DESC LIMIT :per_post)"
        " JOIN users u ON u.id = c.author_id ORDER BY c.id",
        {"ids": ids, "per_post": per_post})
    for row in rows:
        comment = _comment(row)
        out[comment["post_id"]].append(comment)
    return out

"""Likes: one row per (post, person), the database's primary key keeping it unique.

`like` and `unlike` are idempotent, as Takahe's `add_post_interaction` /
`delete_post_interaction`: liking twice changes nothing, and unliking removes
exactly the like and the notification it wrote. Concurrent likes of one post by
one person race on the primary key, so at most one row (and one notification) is
ever written; every count is a count of rows.

The caller has already checked that the person may see the post.
"""

from .friends import FRIEND_IDS_CTE
from .notifications import add_notification, remove_notifications
from .users import USER_COLUMNS

__all__ = ["like", "unlike", "like_count", "likers"]


def like(db, *, post_id: int, user_id: int, author_id: int, now: int) -> bool:
    """Record that `user_id` likes the post; True if this is a new like.

    A new like of someone else's post notifies its author, in the same transaction.
    """
    with db.transaction():
        added = db.execute_rowcount(
            "INSERT INTO likes (post_id, user_id, created_at) VALUES (:post_id, :user_id, :now)"
            " ON CONFLICT (post_id, user_id) DO NOTHING",
            {"post_id": post_id, "user_id": user_id, "now": now})
        if added:
            add_notification(db, recipient_id=author_id, kind="like", actor_id=user_id,
                             post_id=post_id, now=now)
    return bool(added)


def unlike(db, *, post_id: int, user_id: int) -> bool:
    """Remove the like and its notification; True if there was one."""
    with db.transaction():
        removed = db.execute_rowcount(
            "DELETE FROM likes WHERE post_id = :post_id AND user_id = :user_id",
            {"post_id": post_id, "user_id": user_id})
        if removed:
            remove_notifications(db, kind="like", actor_id=user_id, post_id=post_id)
    return bool(removed)


def like_count(db, *, post_id: int) -> int:
    return db.query_value("SELECT count(*) FROM likes WHERE post_id = :post_id",
                          {"post_id": post_id})


def likers(db, *, post_id: int, viewer_id: int, limit: int = 20) -> list:
    """Who likes the post (user dicts): the viewer's friends first, then the
    viewer, then everyone else; newest like first within each group."""
    return db.query_all(
        f"WITH {FRIEND_IDS_CTE}"
        f" SELECT {USER_COLUMNS} FROM likes l JOIN users u ON u.id = l.user_id"
        " WHERE l.post_id = :post_id"
        " ORDER BY CASE WHEN l.user_id IN (SELECT id FROM friend) THEN 0"
        "               WHEN l.user_id = :user_id THEN 1 ELSE 2 END,"
        "          l.created_at DESC, l.user_id DESC"
        " LIMIT :limit",
        {"post_id": post_id, "user_id": viewer_id, "limit": max(1, min(int(limit), 100))})

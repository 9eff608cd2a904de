"""Notifications: what happened to a person, one row for that person.

Shaped like Takahe's timeline events: each row names its recipient, its kind, who
acted, and what it is about (a post, a comment). It is written by the store
function that performs the action, inside that action's transaction (likes.py,
comments.py, friends.py), and removed with what it is about: unliking deletes
the like's row, and deleting a post, comment or person cascades.

Reading applies the visibility rule again, with the recipient as the viewer: a
notification about a post the recipient can no longer see (unfriended, the post
made private) is neither listed, nor counted, nor delivered live, so it leaks
nothing; it shows again if the post becomes visible again.

Nobody is notified of their own actions: `add_notification` skips them (and the
table's CHECK refuses them).
"""

from .db import LIVE_CHANNEL, json_ids
from .messages import MAX_LIVE_BATCH
from .users import USER_COLUMNS
from .visibility import VISIBLE_TO_VIEWER

__all__ = ["KINDS", "POST_KINDS", "add_notification", "remove_notifications",
           "notifications_for", "unread_count", "mark_read", "notifications_after",
           "max_notification_id", "MAX_NOTIFICATION_PAGE"]

KINDS = ("friend_request", "friend_accepted", "like", "comment", "reply")
POST_KINDS = ("like", "comment", "reply")
MAX_NOTIFICATION_PAGE = 100
_NEWEST = 2**63 - 1

# The one visibility rule, with each row's recipient as the viewer.
_STILL_VISIBLE = ("(n.post_id IS NULL OR "
                  + VISIBLE_TO_VIEWER.replace(":viewer_id", "n.recipient_id") + ")")
_FROM = ("FROM notifications n JOIN users u ON u.id = n.actor_id"
         " LEFT JOIN posts p ON p.id = n.post_id")
# Own columns prefixed; the actor's user columns keep their names (-> `actor`).
_SELECT = (f"SELECT n.id AS n_id, n.recipient_id AS n_recipient_id, n.kind AS n_kind,"
           f" n.post_id AS n_post_id, n.comment_id AS n_comment_id,"
           f" n.created_at AS n_created_at, n.read_at AS n_read_at,"
           f" p.body AS n_post_body, {USER_COLUMNS} {_FROM}")


def _notification(row) -> dict:
    out = {key[2:]: value for key, value in row.items() if key.startswith("n_")}
    out["actor"] = {key: value for key, value in row.items() if not key.startswith("n_")}
    return out


def add_notification(db, *, recipient_id: int, kind: str, actor_id: int, post_id=None,
                     comment_id=None, now: int):
    """Write one notification (call inside the action's transaction); returns its
    id, or None when the recipient is the actor."""
    if recipient_id == actor_id:
        return None
    notification_id = db.execute(
        "INSERT INTO notifications (recipient_id, kind, actor_id, post_id, comment_id,"
        " created_at) VALUES (:recipient_id, :kind, :actor_id, :post_id, :comment_id, :now)",
        {"recipient_id": recipient_id, "kind": kind, "actor_id": actor_id,
         "post_id": post_id, "comment_id": comment_id, "now": now})
    db.notify(LIVE_CHANNEL, f"notification:{notification_id}")  # store/live.py: `announce`
    return notification_id


def remove_notifications(db, *, kind: str, actor_id: int, post_id=None,
                         recipient_id=None) -> int:
    """Delete what an undone action wrote (an unlike, a cancelled request)."""
    return db.execute_rowcount(
        "DELETE FROM notifications WHERE kind = :kind AND actor_id = :actor_id"
        " AND post_id IS :post_id"
        " AND (CAST(:recipient_id AS BIGINT) IS NULL OR recipient_id = :recipient_id)",
        {"kind": kind, "actor_id": actor_id, "post_id": post_id, "recipient_id": recipient_id})


def notifications_for(db, *, recipient_id: int, before=None, limit: int = 20) -> list:
    """The recipient's visible notifications with id < before, newest first:
    {id, recipient_id, kind, post_id, comment_id, created_at, read_at, post_body,
    actor: user dict}."""
    rows = db.query_all(
        f"{_SELECT} WHERE n.recipient_id = :recipient_id AND n.id < :before"
        f" AND {_STILL_VISIBLE} ORDER BY n.id DESC LIMIT :limit",
        {"recipient_id": recipient_id, "before": _NEWEST if before is None else int(before),
         "limit": max(1, min(int(limit), MAX_NOTIFICATION_PAGE))})
    return [_notification(row) for row in rows]


def unread_count(db, *, recipient_id: int) -> int:
    """How many visible notifications the recipient has not read (the bell)."""
    return db.query_value(
        "SELECT count(*) FROM notifications n LEFT JOIN posts p ON p.id = n.post_id"
        f" WHERE n.recipient_id = :recipient_id AND n.read_at IS NULL AND {_STILL_VISIBLE}",
        {"recipient_id": recipient_id})


def mark_read(db, *, recipient_id: int, now: int, up_to=None) -> int:
    """Mark the recipient's notifications read (all, or those with id <= up_to)."""
    return db.execute_rowcount(
        "UPDATE notifications SET read_at = :now WHERE recipient_id = :recipient_id"
        " AND read_at IS NULL AND id <= :up_to",
        {"recipient_id": recipient_id, "now": now,
         "up_to": _NEWEST if up_to is None else int(up_to)})


def notifications_after(db, *, after_id: int, user_ids, only_ids=None) -> list:
    """Visible notifications with id > after_id for any of `user_ids` (and among
    `only_ids`, if given), oldest first (live delivery), at most MAX_LIVE_BATCH."""
    ids = json_ids(user_ids)
    if ids == "[]":
        return []
    only, params = "", {}
    if only_ids is not None:
        only, params = " AND n.id IN (SELECT value FROM json_each(:only_ids))", \
            {"only_ids": json_ids(only_ids)}
    rows = db.query_all(
        f"{_SELECT} WHERE n.id > :after_id"
        f" AND +n.recipient_id IN (SELECT value FROM json_each(:ids)){only}"
        f" AND {_STILL_VISIBLE} ORDER BY n.id LIMIT :limit",
        {"after_id": after_id, "ids": ids, "limit": MAX_LIVE_BATCH, **params})
    return [_notification(row) for row in rows]


def max_notification_id(db) -> int:
    """The highest notification id so far (0 when there are none)."""
    return db.query_value("SELECT coalesce(max(id), 0) FROM notifications")

"""Chat messages between two people, with read state.

A message dict is {id, sender_id, recipient_id, from_username, to_username, body,
created_at, read_at}; `read_at` is None until the recipient opens the conversation.
Whether two people may write to each other (friends only) is the caller's rule.
"""

from .db import LIVE_CHANNEL, json_ids
from .times import now as current_time
from .users import USER_COLUMNS, USER_KEYS

__all__ = [
    "send_message",
    "get_message",
    "conversation",
    "mark_read",
    "conversations_for",
    "unread_total",
    "messages_after",
    "max_message_id",
    "MAX_PAGE_SIZE",
    "MAX_LIVE_BATCH",
]

MAX_PAGE_SIZE = 100
# Live delivery polls for new messages; a worker that fell far behind catches up
# over several polls rather than loading an unbounded batch at once.
MAX_LIVE_BATCH = 500
_NEWEST = 2**63 - 1

MESSAGE_COLUMNS = """m.id, m.sender_id, m.recipient_id, s.username AS from_username,
       r.username AS to_username, m.body, m.created_at, m.read_at"""

_SELECT_MESSAGE = (f"SELECT {MESSAGE_COLUMNS} FROM messages m"
                   " JOIN users s ON s.id = m.sender_id JOIN users r ON r.id = m.recipient_id")

# Each direction is one seek on (sender_id, recipient_id, id) walking back from
# :before; the newest LIMIT of both is the page.
_CONVERSATION_SQL = f"""
WITH candidate(id) AS (
    SELECT * FROM (SELECT id FROM messages
                   WHERE sender_id = :user_id AND recipient_id = :other_id AND id < :before
                   ORDER BY id DESC LIMIT :limit) AS page
    UNION ALL
    SELECT * FROM (SELECT id FROM messages
                   WHERE sender_id = :other_id AND recipient_id = :user_id AND id < :before
                   ORDER BY id DESC LIMIT :limit) AS page
)
{_SELECT_MESSAGE} JOIN candidate c ON c.id = m.id
ORDER BY m.id DESC
LIMIT :limit
"""

# One row per person the user has written to or heard from: the newest message
# either way, and how many of theirs the user has not read yet.
_CONVERSATIONS_SQL = f"""
WITH exchanged(other_id, id) AS (
    SELECT recipient_id, id FROM messages WHERE sender_id = :user_id
    UNION ALL
    SELECT sender_id, id FROM messages WHERE recipient_id = :user_id
),
latest AS (SELECT other_id, max(id) AS last_id FROM exchanged GROUP BY other_id),
unread AS (
    SELECT sender_id AS other_id, count(*) AS unread FROM messages
    WHERE recipient_id = :user_id AND read_at IS NULL GROUP BY sender_id
)
SELECT {USER_COLUMNS}, l.last_id, coalesce(n.unread, 0) AS unread
FROM latest l
JOIN users u ON u.id = l.other_id
LEFT JOIN unread n ON n.other_id = l.other_id
ORDER BY l.last_id DESC
"""


def _clamp(limit) -> int:
    return max(1, min(int(limit), MAX_PAGE_SIZE))


def get_message(db, *, message_id: int):
    """One message by id, or None."""
    return db.query_one(f"{_SELECT_MESSAGE} WHERE m.id = :message_id", {"message_id": message_id})


def send_message(db, *, sender_id: int, recipient_id: int, body: str, now: int) -> dict:
    """Store a message and return its dict."""
    message_id = db.execute(
        "INSERT INTO messages (sender_id, recipient_id, body, created_at)"
        " VALUES (:sender_id, :recipient_id, :body, :now)",
        {"sender_id": sender_id, "recipient_id": recipient_id, "body": body, "now": now})
    db.notify(LIVE_CHANNEL, f"message:{message_id}")  # store/live.py: `announce`
    return get_message(db, message_id=message_id)


def conversation(db, *, user_id: int, other_id: int, before=None, limit: int = 50) -> list:
    """Messages between two people, newest first, keyset-paginated by id."""
    params = {"user_id": user_id, "other_id": other_id, "limit": _clamp(limit),
              "before": _NEWEST if before is None else int(before)}
    return db.query_all(_CONVERSATION_SQL, params)


def mark_read(db, *, reader_id: int, other_id: int, now=None) -> int:
    """Mark every unread message from `other_id` to `reader_id` read; returns how many.

    `now` defaults to the current time.
    """
    return db.execute_rowcount(
        "UPDATE messages SET read_at = :now"
        " WHERE recipient_id = :reader_id AND sender_id = :other_id AND read_at IS NULL",
        {"reader_id": reader_id, "other_id": other_id,
         "now": current_time() if now is None else now})


def conversations_for(db, *, user_id: int) -> list:
    """[{with: user, last: message, unread: int}], most recent conversation first."""
    rows = db.query_all(_CONVERSATIONS_SQL, {"user_id": user_id})
    if not rows:
        return []
    last = {m["id"]: m for m in db.query_all(
        f"{_SELECT_MESSAGE} WHERE m.id IN (SELECT value FROM json_each(:ids))",
        {"ids": json_ids(row["last_id"] for row in rows)})}
    return [{"with": {key: row[key] for key in USER_KEYS},
             "last": last[row["last_id"]], "unread": row["unread"]} for row in rows]


def unread_total(db, *, user_id: int) -> int:
    """Messages to the user not read yet, from everyone (the navigation badge)."""
    return db.query_value(
        "SELECT count(*) FROM messages WHERE recipient_id = :user_id AND read_at IS NULL",
        {"user_id": user_id})


def messages_after(db, *, after_id: int, recipient_ids) -> list:
    """Messages with id > after_id addressed to any of `recipient_ids`, oldest first.

    For live delivery across worker processes: each process remembers the highest
    id it has pushed and asks for what arrived since, for the people connected to it.
    At most MAX_LIVE_BATCH rows; ask again from the last id for the rest.
    """
    ids = json_ids(recipient_ids)
    if ids == "[]":
        return []
    # `+m.recipient_id` keeps the planner on the id range: new messages are few,
    # while one recipient may have thousands of old ones.
    return db.query_all(
        f"{_SELECT_MESSAGE} WHERE m.id > :after_id"
        " AND +m.recipient_id IN (SELECT value FROM json_each(:recipient_ids))"
        " ORDER BY m.id LIMIT :limit",
        {"after_id": after_id, "recipient_ids": ids,
         "limit": MAX_LIVE_BATCH})


def max_message_id(db) -> int:
    """The highest message id so far (0 when there are none): live delivery's start."""
    return db.query_value("SELECT coalesce(max(id), 0) FROM messages")

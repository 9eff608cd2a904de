"""What live updates read and write: friend events, open streams, who is online.

Live delivery (handlers/live.py) works across worker processes by polling sqlite:
each worker remembers the highest id it has pushed and asks for newer rows for
the people connected to it. Messages come from the messages table itself
(`messages_involving_after`); friend changes are written here as `live_events`
rows, one per person to tell.

Presence. A person is online while they hold an event stream in any worker, or
made a request in the last ONLINE_WINDOW_SECONDS (`users.last_seen_at`). Workers
record their streams in `live_streams` and renew the rows every
STREAM_RENEW_SECONDS; a row older than STREAM_STALE_SECONDS belongs to a worker
that died without cleaning up and no longer counts.
"""

import json

from .db import LIVE_CHANNEL, json_ids
from .friends import FRIEND_IDS_CTE
from .messages import MAX_LIVE_BATCH
from .users import USER_COLUMNS, USER_KEYS

__all__ = [
    "LIVE_CHANNEL",
    "announce",
    "parse_announcement",
    "CLIENT_EVENT_KINDS",
    "SESSIONS_ENDED",
    "ONLINE_WINDOW_SECONDS",
    "STREAM_RENEW_SECONDS",
    "STREAM_STALE_SECONDS",
    "EVENT_RETENTION_SECONDS",
    "record_event",
    "events_after",
    "max_event_id",
    "prune_events",
    "messages_involving_after",
    "add_stream",
    "remove_stream",
    "renew_streams",
    "online_ids",
    "online_friends",
    "friend_ids_of",
    "live_sessions",
]

# API.md: "friends active in the last 2 minutes or with a live connection".
ONLINE_WINDOW_SECONDS = 120
# A worker renews its stream rows this often; three missed renewals mean it died.
STREAM_RENEW_SECONDS = 30
STREAM_STALE_SECONDS = 3 * STREAM_RENEW_SECONDS
# Events only matter to streams open when they happen; an hour is ample slack for
# a worker that is catching up, and keeps the table small.
EVENT_RETENTION_SECONDS = 3600
# Kinds sent to clients; "friends_changed" only refreshes a worker's friend lists,
# and "sessions_ended" (a password change ended some of the user's sessions) makes
# workers close the streams of those sessions at once.
CLIENT_EVENT_KINDS = ("friend_request", "friend_accepted")
SESSIONS_ENDED = "sessions_ended"

# PostgreSQL: every row live delivery cares about is also announced on LIVE_CHANNEL
# (NOTIFY, sent when the writing transaction commits), so each node's hub reads
# exactly those rows by id instead of polling (handlers/live.py, handlers/listener.py).
# With sqlite `db.notify` does nothing and the hubs poll.
# What an announcement names: a row id of one of these tables, or a user whose
# presence may have changed.
ANNOUNCED = ("message", "event", "notification", "presence")


def announce(db, kind: str, number: int) -> None:
    """Tell every node's hub about row `number` of `kind` (see LIVE_CHANNEL)."""
    db.notify(LIVE_CHANNEL, f"{kind}:{int(number)}")


def parse_announcement(payload: str):
    """(kind, number) of an announcement, or None for anything else."""
    kind, _, number = payload.partition(":")
    if kind not in ANNOUNCED or not number.isdigit():
        return None
    return kind, int(number)


def _only(column: str, only_ids) -> tuple[str, dict]:
    """An extra condition limiting `column` to `only_ids` (None: no limit)."""
    if only_ids is None:
        return "", {}
    return f" AND {column} IN (SELECT value FROM json_each(:only_ids))", \
        {"only_ids": json_ids(only_ids)}


_ONLINE_CONDITION = """(u.last_seen_at >= :seen_since OR EXISTS (
    SELECT 1 FROM live_streams s WHERE s.user_id = u.id AND s.renewed_at >= :renewed_since))"""


def _online_params(now: int) -> dict:
    return {"seen_since": now - ONLINE_WINDOW_SECONDS, "renewed_since": now - STREAM_STALE_SECONDS}


# -- friend events ---------------------------------------------------------------------


def record_event(db, *, user_id: int, kind: str, actor_id: int, now: int) -> int:
    """Tell `user_id` that `actor_id` did `kind`; returns the event id."""
    event_id = db.execute(
        "INSERT INTO live_events (user_id, kind, actor_id, created_at)"
        " VALUES (:user_id, :kind, :actor_id, :now)",
        {"user_id": user_id, "kind": kind, "actor_id": actor_id, "now": now})
    announce(db, "event", event_id)
    return event_id


def events_after(db, *, after_id: int, user_ids, only_ids=None) -> list:
    """Events with id > after_id for any of `user_ids` (and among `only_ids`, if
    given), oldest first, at most MAX_LIVE_BATCH: {id, user_id, kind, actor: user dict}."""
    ids = json_ids(user_ids)
    if ids == "[]":
        return []
    only, only_params = _only("e.id", only_ids)
    rows = db.query_all(
        f"SELECT e.id AS event_id, e.user_id, e.kind, {USER_COLUMNS} FROM live_events e"
        " JOIN users u ON u.id = e.actor_id WHERE e.id > :after_id"
        f" AND +e.user_id IN (SELECT value FROM json_each(:user_ids)){only}"
        " ORDER BY e.id LIMIT :limit",
        {"after_id": after_id, "user_ids": ids, "limit": MAX_LIVE_BATCH, **only_params})
    return [{"id": row["event_id"], "user_id": row["user_id"], "kind": row["kind"],
             "actor": {key: row[key] for key in USER_KEYS}}
            for row in rows]


def max_event_id(db) -> int:
    """The highest event id so far (0 when there are none)."""
    return db.query_value("SELECT coalesce(max(id), 0) FROM live_events")


def prune_events(db, *, now: int) -> int:
    """Delete events older than EVENT_RETENTION_SECONDS; returns how many."""
    return db.execute_rowcount("DELETE FROM live_events WHERE created_at < :cutoff",
                               {"cutoff": now - EVENT_RETENTION_SECONDS})


# -- messages ------------------------------------------------------------------------


def messages_involving_after(db, *, after_id: int, user_ids, only_ids=None) -> list:
    """Messages with id > after_id sent by or to any of `user_ids`, oldest first.

    Senders count too, so a message typed in one tab shows up in the sender's
    other tabs and devices. Rows as in store/messages.py; at most MAX_LIVE_BATCH.
    """
    ids = json_ids(user_ids)
    if ids == "[]":
        return []
    only, only_params = _only("m.id", only_ids)
    # The id range comes first (new messages are few); the unary + keeps the
    # planner from walking a person's whole inbox instead.
    return db.query_all(
        "SELECT m.id, m.sender_id, m.recipient_id, s.username AS from_username,"
        " r.username AS to_username, m.body, m.created_at, m.read_at"
        " FROM messages m JOIN users s ON s.id = m.sender_id"
        " JOIN users r ON r.id = m.recipient_id"
        " WHERE m.id > :after_id AND (+m.recipient_id IN (SELECT value FROM json_each(:ids))"
        f" OR +m.sender_id IN (SELECT value FROM json_each(:ids))){only}"
        " ORDER BY m.id LIMIT :limit",
        {"after_id": after_id, "ids": ids, "limit": MAX_LIVE_BATCH, **only_params})


# -- open streams and presence ------------------------------------------------------------


def add_stream(db, *, user_id: int, worker: str, now: int) -> None:
    """Record that `worker` holds a stream of `user_id` (idempotent)."""
    db.execute(
        "INSERT INTO live_streams (user_id, worker, renewed_at) VALUES (:user_id, :worker, :now)"
        " ON CONFLICT (user_id, worker) DO UPDATE SET renewed_at = excluded.renewed_at",
        {"user_id": user_id, "worker": worker, "now": now})
    announce(db, "presence", user_id)


def remove_stream(db, *, user_id: int, worker: str) -> None:
    """`worker` holds no stream of `user_id` any more."""
    db.execute("DELETE FROM live_streams WHERE user_id = :user_id AND worker = :worker",
               {"user_id": user_id, "worker": worker})
    announce(db, "presence", user_id)


def renew_streams(db, *, worker: str, now: int) -> None:
    """Keep `worker`'s rows fresh, and drop rows that dead workers left behind."""
    with db.transaction():
        db.execute("UPDATE live_streams SET renewed_at = :now WHERE worker = :worker",
                   {"worker": worker, "now": now})
        db.execute("DELETE FROM live_streams WHERE renewed_at < :stale",
                   {"stale": now - STREAM_STALE_SECONDS})


def online_ids(db, *, user_ids, now: int) -> set:
    """Which of `user_ids` are online at `now` (see the module doc)."""
    ids = json_ids(user_ids)
    if ids == "[]":
        return set()
    rows = db.query_all(
        f"SELECT u.id FROM users u WHERE u.id IN (SELECT value FROM json_each(:ids))"
        f" AND {_ONLINE_CONDITION}", {"ids": ids, **_online_params(now)})
    return {row["id"] for row in rows}


def online_friends(db, *, user_id: int, now: int, limit: int | None = None) -> list:
    """The user's friends who are online at `now`, as user dicts, by name: all of
    them (at most `max_friends`), or the first `limit`."""
    sql = (f"WITH {FRIEND_IDS_CTE} SELECT {USER_COLUMNS} FROM friend f JOIN users u"
           f" ON u.id = f.id WHERE {_ONLINE_CONDITION} ORDER BY u.name, u.username, u.id")
    params = {"user_id": user_id, **_online_params(now)}
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = max(1, int(limit))
    return db.query_all(sql, params)


def friend_ids_of(db, *, user_ids) -> dict:
    """{user_id: set of friend ids} for many users in one query (every id is a key)."""
    ids = [int(i) for i in user_ids]
    out = {user_id: set() for user_id in ids}
    if not ids:
        return out
    # One seek per side of the canonical (user_a < user_b) pair, as FRIEND_IDS_CTE.
    rows = db.query_all(
        "SELECT user_a AS me, user_b AS friend FROM friendships"
        " WHERE user_a IN (SELECT value FROM json_each(:ids))"
        " UNION ALL SELECT user_b, user_a FROM friendships"
        " WHERE user_b IN (SELECT value FROM json_each(:ids))", {"ids": json_ids(ids)})
    for row in rows:
        out[row["me"]].add(row["friend"])
    return out


def live_sessions(db, *, token_hashes, now: int) -> set:
    """Which of these session token hashes still belong to a live session.

    A stream is authorised once, when it opens; the hub asks this now and then so
    that logging out (in any process) or expiry also ends the streams it opened.
    """
    hashes = sorted(set(token_hashes))
    if not hashes:
        return set()
    rows = db.query_all(
        "SELECT token_hash FROM sessions WHERE token_hash IN (SELECT value FROM json_each(:h))"
        " AND expires_at > :now", {"h": json.dumps(hashes), "now": now})
    return {row["token_hash"] for row in rows}

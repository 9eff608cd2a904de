"""Friend requests and friendships.

Theory of operation. Between two people there is at most one of:
  - nothing ("none"),
  - a pending request, a row in friend_requests(from_id, to_id),
  - a friendship, one row in friendships(user_a, user_b) with user_a < user_b.
`request_or_accept` moves none -> request, or (when the other side asked first)
request -> friendship; `remove_relation` moves any state back to none. Each move
runs in one transaction, so a request is never deleted without its friendship
being written, and the pair can never hold a request and a friendship at once.
The notifications of a request and of its acceptance are written in the same
transaction; cancelling or declining a request removes its notification.
"""

from .db import json_ids
from .errors import AlreadyFriends, AlreadyRequested, FriendLimit, PendingLimit, SelfRelation
from .notifications import add_notification, remove_notifications
from .users import USER_COLUMNS

__all__ = [
    "friendship_state",
    "friendship_states",
    "request_or_accept",
    "remove_relation",
    "are_friends",
    "friends_of",
    "count_friends",
    "has_friends",
    "friend_ids",
    "incoming_requests",
    "count_incoming_requests",
    "count_outgoing_requests",
    "outgoing_requests",
    "FRIEND_IDS_CTE",
]

# The viewer's friends as a one-column table `friend(id)`: one seek on each side of
# the canonical pair, so callers never repeat the user_a/user_b dance.
FRIEND_IDS_CTE = """
friend(id) AS (
    SELECT user_b FROM friendships WHERE user_a = :user_id
    UNION ALL
    SELECT user_a FROM friendships WHERE user_b = :user_id
)"""

# State of each id in json array :user_ids as seen by :viewer_id. The request
# branches are plain seeks on the unique (from_id, to_id) index.
_STATES_SQL = """
SELECT ids.value AS user_id,
       CASE
         WHEN ids.value = :viewer_id THEN 'self'
         WHEN EXISTS (SELECT 1 FROM friendships
                      WHERE user_a = min(ids.value, :viewer_id)
                        AND user_b = max(ids.value, :viewer_id)) THEN 'friends'
         WHEN EXISTS (SELECT 1 FROM friend_requests
                      WHERE from_id = :viewer_id AND to_id = ids.value) THEN 'request_sent'
         WHEN EXISTS (SELECT 1 FROM friend_requests
                      WHERE from_id = ids.value AND to_id = :viewer_id) THEN 'request_received'
         ELSE 'none'
       END AS state
FROM json_each(:user_ids) AS ids
"""


def _pair(a: int, b: int) -> dict:
    return {"user_a": min(a, b), "user_b": max(a, b)}


def friendship_states(db, *, viewer_id, user_ids) -> dict:
    """{user_id: state} for many users at once (user lists, search results).

    A state is "self", "friends", "request_sent" (viewer asked), "request_received"
    (they asked) or "none". A logged-out viewer (None) sees "none" for everyone.
    """
    ids = [int(user_id) for user_id in user_ids]
    if viewer_id is None or not ids:
        return {user_id: "none" for user_id in ids}
    rows = db.query_all(_STATES_SQL, {"viewer_id": viewer_id, "user_ids": json_ids(ids)})
    return {row["user_id"]: row["state"] for row in rows}


def friendship_state(db, *, viewer_id, other_id) -> str:
    """The relation between the viewer and one other user (see friendship_states)."""
    return friendship_states(db, viewer_id=viewer_id, user_ids=[other_id])[int(other_id)]


def are_friends(db, *, a: int, b: int) -> bool:
    if a is None or b is None or a == b:
        return False
    return db.query_one(
        "SELECT 1 AS yes FROM friendships WHERE user_a = :user_a AND user_b = :user_b",
        _pair(a, b)) is not None


def _request_exists(db, from_id: int, to_id: int) -> bool:
    return db.query_one(
        "SELECT 1 AS yes FROM friend_requests WHERE from_id = :from_id AND to_id = :to_id",
        {"from_id": from_id, "to_id": to_id}) is not None


def request_or_accept(db, *, from_id: int, to_id: int, now: int, max_sent: int | None = None,
                      max_received: int | None = None, max_friends: int | None = None) -> str:
    """Ask `to_id` to be friends, or accept if they already asked `from_id`.

    Returns "request_sent" or "friends". Raises SelfRelation, AlreadyFriends,
    AlreadyRequested (a request from `from_id` is already pending),
    PendingLimit when a new request would give `from_id` more than `max_sent`
    pending requests or `to_id` more than `max_received`, or FriendLimit when
    either already has `max_friends` friends: neither a request nor an acceptance
    is written then (None: no cap). The checks and the write are one transaction
    (serialised on both backends), so two acceptances at once cannot both pass.
    """
    if from_id == to_id:
        raise SelfRelation("cannot befriend yourself")
    with db.transaction():
        if are_friends(db, a=from_id, b=to_id):
            raise AlreadyFriends(f"{from_id} and {to_id} are friends")
        if _request_exists(db, from_id, to_id):
            raise AlreadyRequested(f"{from_id} already asked {to_id}")
        if _request_exists(db, to_id, from_id):
            _check_friends(db, from_id, to_id, max_friends)
            db.execute("DELETE FROM friend_requests WHERE from_id = :from_id AND to_id = :to_id",
                       {"from_id": to_id, "to_id": from_id})
            db.execute("INSERT INTO friendships (user_a, user_b, created_at)"
                       " VALUES (:user_a, :user_b, :now)", {**_pair(from_id, to_id), "now": now})
            add_notification(db, recipient_id=to_id, kind="friend_accepted", actor_id=from_id,
                             now=now)
            return "friends"
        _check_friends(db, from_id, to_id, max_friends)
        _check_pending(db, from_id, to_id, max_sent, max_received)
        db.execute("INSERT INTO friend_requests (from_id, to_id, created_at)"
                   " VALUES (:from_id, :to_id, :now)",
                   {"from_id": from_id, "to_id": to_id, "now": now})
        add_notification(db, recipient_id=to_id, kind="friend_request", actor_id=from_id,
                         now=now)
        return "request_sent"


def _check_pending(db, from_id: int, to_id: int, max_sent, max_received) -> None:
    # Counted with LIMIT, so the cost stays at the cap however many rows exist.
    capped = ("SELECT count(*) FROM (SELECT 1 FROM friend_requests WHERE {} LIMIT :cap)"
              " AS pending")
    if max_sent is not None and db.query_value(
            capped.format("from_id = :user_id"), {"user_id": from_id, "cap": max_sent}) >= max_sent:
        raise PendingLimit("sent")
    if max_received is not None and db.query_value(
            capped.format("to_id = :user_id"), {"user_id": to_id, "cap": max_received}) \
            >= max_received:
        raise PendingLimit("received")


# How many friends the user has, counted no further than :cap: the cost of the check
# stays at the cap however many rows there are (one index seek per side).
_CAPPED_FRIENDS_SQL = f"""
WITH {FRIEND_IDS_CTE}
SELECT count(*) FROM (SELECT 1 FROM friend LIMIT :cap) AS capped
"""


def _check_friends(db, from_id: int, to_id: int, max_friends) -> None:
    if max_friends is None:
        return
    for user_id, side in ((from_id, "self"), (to_id, "other")):
        if db.query_value(_CAPPED_FRIENDS_SQL,
                          {"user_id": user_id, "cap": max_friends}) >= max_friends:
            raise FriendLimit(side)


def remove_relation(db, *, viewer_id: int, other_id: int):
    """Undo whatever links the viewer to `other_id`.

    Returns "unfriended", "cancelled" (the viewer's own request), "declined" (their
    request to the viewer), or None when there was nothing to undo.
    """
    with db.transaction():
        if db.execute_rowcount(
                "DELETE FROM friendships WHERE user_a = :user_a AND user_b = :user_b",
                _pair(viewer_id, other_id)):
            return "unfriended"
        undo = "DELETE FROM friend_requests WHERE from_id = :from_id AND to_id = :to_id"
        for from_id, to_id, undone in ((viewer_id, other_id, "cancelled"),
                                       (other_id, viewer_id, "declined")):
            if db.execute_rowcount(undo, {"from_id": from_id, "to_id": to_id}):
                remove_notifications(db, kind="friend_request", actor_id=from_id,
                                     recipient_id=to_id)
                return undone
        return None


def friend_ids(db, *, user_id: int) -> list:
    """Ids of the user's friends (unordered)."""
    rows = db.query_all(f"WITH {FRIEND_IDS_CTE} SELECT id FROM friend", {"user_id": user_id})
    return [row["id"] for row in rows]


# Past any list of friends (a far-off page number must still bind as an integer).
MAX_OFFSET = 2**31 - 1


def friends_of(db, *, user_id: int, limit: int | None = None, offset: int = 0) -> list:
    """The user's friends as user dicts, by name (then username, then id, so pages
    never overlap): all of them (at most `max_friends`), or `limit` from `offset`.
    An offset costs a walk past that many rows, which the cap on friends bounds."""
    sql = (f"WITH {FRIEND_IDS_CTE} SELECT {USER_COLUMNS} FROM friend f JOIN users u"
           " ON u.id = f.id ORDER BY u.name, u.username, u.id")
    params = {"user_id": user_id}
    if limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        params.update(limit=max(1, int(limit)), offset=max(0, min(int(offset), MAX_OFFSET)))
    return db.query_all(sql, params)


def count_friends(db, *, user_id: int) -> int:
    """How many friends the user has."""
    return db.query_value(f"WITH {FRIEND_IDS_CTE} SELECT count(*) FROM friend",
                          {"user_id": user_id})


def has_friends(db, *, user_id: int) -> bool:
    """Whether the user has any friend (one index seek per side, no list)."""
    return db.query_one(f"WITH {FRIEND_IDS_CTE} SELECT 1 AS yes FROM friend LIMIT 1",
                        {"user_id": user_id}) is not None


# Requests are listed newest first, a page at a time: keyset on the request's id,
# which each row carries as `request_id` (the `before` of the next page). The
# (to_id, id) and (from_id, id) indexes read a page without sorting the rest.
_REQUESTS_SQL = f"""
SELECT {USER_COLUMNS}, r.id AS request_id
FROM friend_requests r JOIN users u ON u.id = r.{{other}}
WHERE r.{{own}} = :user_id AND r.id < :before
ORDER BY r.id DESC
LIMIT :limit
"""
_INCOMING_SQL = _REQUESTS_SQL.format(own="to_id", other="from_id")
_OUTGOING_SQL = _REQUESTS_SQL.format(own="from_id", other="to_id")
# A page of 100 (the API's largest) and one more row that tells whether another follows.
MAX_REQUESTS_LIMIT = 101
_NEWEST = 2**63 - 1


def _requests(db, sql: str, user_id: int, before, limit: int) -> list:
    return db.query_all(sql, {"user_id": user_id, "before": before or _NEWEST,
                              "limit": max(1, min(int(limit), MAX_REQUESTS_LIMIT))})


def incoming_requests(db, *, user_id: int, before: int | None = None, limit: int = 20) -> list:
    """People who asked the user to be friends, newest request first, at most
    `limit` (up to 101) of them with request ids below `before`."""
    return _requests(db, _INCOMING_SQL, user_id, before, limit)


def count_incoming_requests(db, *, user_id: int) -> int:
    """How many people are waiting for the user's answer (the nav badge)."""
    return db.query_value("SELECT count(*) FROM friend_requests WHERE to_id = :user_id",
                          {"user_id": user_id})


def count_outgoing_requests(db, *, user_id: int) -> int:
    """How many of the user's requests are waiting for an answer."""
    return db.query_value("SELECT count(*) FROM friend_requests WHERE from_id = :user_id",
                          {"user_id": user_id})


def outgoing_requests(db, *, user_id: int, before: int | None = None, limit: int = 20) -> list:
    """People the user asked, newest request first (paged as `incoming_requests`)."""
    return _requests(db, _OUTGOING_SQL, user_id, before, limit)

"""People: sign-up, look-up, search, suggestions and last-seen times.

A user dict is {id, username, name, created_at, bio, avatar_name}; `created_at`
is unix seconds, `bio` is "" until set, `avatar_name` is None until a profile
picture is set (handlers/avatars.py names its files).
Usernames are unique without regard to case ("Alice" and "alice" are one person):
the column is COLLATE NOCASE, so every comparison below is case-insensitive.
"""

import logging

from ..text_rules import is_clean_name
from .errors import QueryTimeout, UniqueViolation, UsernameTaken

__all__ = [
    "create_user",
    "avatar_owner",
    "set_avatar",
    "update_profile",
    "get_user",
    "get_user_by_username",
    "get_credentials",
    "get_password_hash",
    "replace_password_hash",
    "search_users",
    "suggest_users",
    "touch_last_seen",
    "MAX_SEARCH_RESULTS",
    "SEARCH_TOO_BROAD",
]

log = logging.getLogger(__name__)

USER_COLUMNS = "u.id, u.username, u.name, u.created_at, u.bio, u.avatar_name"
# The keys of a user dict, for code that picks a user out of a wider row.
USER_KEYS = ("id", "username", "name", "created_at", "bio", "avatar_name")

# Search runs on the loop thread and scans every user (a substring can sit anywhere
# in a name), so the caller's limit is capped and the scan gets a time budget; past
# it we fall back to prefix matches, which the NOCASE indexes find directly but
# which still gather and sort every match ("a" matches much of a big site), so the
# fallback has a budget too. Together at most 0.25 s of loop time per search; past
# both, the search fails with QueryTimeout and people are asked to type more.
MAX_SEARCH_RESULTS = 50
SEARCH_TIME_BUDGET_SECONDS = 0.2
SEARCH_PREFIX_TIME_BUDGET_SECONDS = 0.05
SEARCH_TOO_BROAD = "That search is too broad; type more of the name."
MAX_SUGGESTIONS = 50

# Presence needs minute resolution, not per-request writes: skip the UPDATE while
# the stored time is this fresh, so a busy user costs one write per interval.
LAST_SEEN_RESOLUTION_SECONDS = 15

LIKE_ESCAPE = "\\"


def create_user(db, *, username: str, name: str, password_hash: str, now: int) -> dict:
    """Insert a user and return its dict. Raises UsernameTaken (any letter case)."""
    params = {"username": username, "name": name, "password_hash": password_hash, "now": now}
    try:
        user_id = db.execute(
            "INSERT INTO users (username, name, password_hash, created_at)"
            " VALUES (:username, :name, :password_hash, :now)", params)
    except UniqueViolation as exc:  # other integrity errors are caller bugs, not clashes
        raise UsernameTaken(username) from exc
    return {"id": user_id, "username": username, "name": name, "created_at": now,
            "bio": "", "avatar_name": None}


def get_user(db, user_id):
    """The user with this id, or None."""
    return db.query_one(f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = :user_id",
                        {"user_id": user_id})


def get_user_by_username(db, username):
    """The user with this username in any letter case, or None."""
    return db.query_one(f"SELECT {USER_COLUMNS} FROM users u WHERE u.username = :username",
                        {"username": username})


def update_profile(db, *, user_id: int, name: str | None = None,
                   bio: str | None = None) -> dict | None:
    """Set the name and/or bio (None leaves one as it is); the updated user, or
    None when there is no such user. The caller has validated both."""
    params = {"user_id": user_id, "name": name, "bio": bio}
    db.execute("UPDATE users SET name = coalesce(:name, name), bio = coalesce(:bio, bio)"
               " WHERE id = :user_id", params)
    return get_user(db, user_id)


def set_avatar(db, *, user_id: int, avatar_name: str | None) -> tuple[bool, str | None]:
    """Point the user at a new profile picture (None: no picture).

    Returns (found, the previous avatar name) so the caller can remove the old
    files after the commit; found is False when the user is gone (then nothing
    was written and the caller removes the new files instead)."""
    params = {"user_id": user_id, "avatar_name": avatar_name}
    with db.transaction():
        row = db.query_one("SELECT avatar_name FROM users WHERE id = :user_id", params)
        if row is None:
            return False, None
        db.execute("UPDATE users SET avatar_name = :avatar_name WHERE id = :user_id", params)
    return True, row["avatar_name"]


def avatar_owner(db, *, avatar_name: str):
    """The id of the user whose current picture is `avatar_name`, or None."""
    return db.query_value("SELECT id FROM users WHERE avatar_name = :avatar_name",
                          {"avatar_name": avatar_name})


def get_credentials(db, username):
    """{id, username, password_hash} for a login attempt, or None if unknown."""
    return db.query_one(
        "SELECT id, username, password_hash FROM users WHERE username = :username",
        {"username": username})


def get_password_hash(db, user_id: int):
    """The stored password hash of user `user_id`, or None if there is no such user."""
    return db.query_value("SELECT password_hash FROM users WHERE id = :user_id",
                          {"user_id": user_id})


def replace_password_hash(db, *, user_id: int, old_hash: str, new_hash: str) -> bool:
    """Swap the user's password hash if it is still `old_hash` (the one the current
    password was checked against); False if it changed meanwhile or the user is gone."""
    return db.execute_rowcount(
        "UPDATE users SET password_hash = :new_hash"
        " WHERE id = :user_id AND password_hash = :old_hash",
        {"user_id": user_id, "old_hash": old_hash, "new_hash": new_hash}) > 0


def escape_like(text: str) -> str:
    """Make `text` match literally inside a LIKE pattern (`_` is a username character)."""
    return (text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
            .replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_"))


_SEARCH_SQL = f"""
SELECT {USER_COLUMNS} FROM users u
WHERE u.username LIKE :contains ESCAPE '\\' OR u.name LIKE :contains ESCAPE '\\'
ORDER BY (u.username LIKE :prefix ESCAPE '\\' OR u.name LIKE :prefix ESCAPE '\\') DESC,
         u.username
LIMIT :limit
"""

_PREFIX_SQL = f"""
SELECT {USER_COLUMNS} FROM users u
WHERE u.username LIKE :prefix ESCAPE '\\' OR u.name LIKE :prefix ESCAPE '\\'
ORDER BY u.username
LIMIT :limit
"""


def search_users(db, *, q: str, limit: int = 20) -> list:
    """Users whose username or name contains `q` (any case), prefix matches first.

    `%` and `_` in `q` match themselves. A blank query, or one with a character
    no name may hold (`text_rules`), matches nobody. At most MAX_SEARCH_RESULTS rows come back
    whatever `limit` asks for. Raises QueryTimeout when even the prefix search
    runs past its budget (the query is too broad for this many people).
    """
    q = (q or "").strip()
    # No name or username holds a control character; and sqlite's LIKE stops
    # reading a pattern at NUL, so "%\0%" would otherwise match everyone.
    if not q or not is_clean_name(q):
        return []
    pattern = escape_like(q)
    params = {"contains": f"%{pattern}%", "prefix": f"{pattern}%",
              "limit": max(1, min(int(limit), MAX_SEARCH_RESULTS))}
    try:
        with db.time_limit(SEARCH_TIME_BUDGET_SECONDS):
            return db.query_all(_SEARCH_SQL, params)
    except QueryTimeout:
        log.warning("user search for %r ran out of time; answering prefix matches", q)
    with db.time_limit(SEARCH_PREFIX_TIME_BUDGET_SECONDS):
        return db.query_all(_PREFIX_SQL, params)


# Friends of friends ranked by mutual friends, then the newest other people to fill
# the list. Both branches skip self, friends and anyone with a pending request in
# either direction; the fill branch walks users newest first and stops at LIMIT.
_SUGGEST_TEMPLATE = f"""
WITH friend(id) AS (
    SELECT user_b FROM friendships WHERE user_a = :viewer_id
    UNION ALL
    SELECT user_a FROM friendships WHERE user_b = :viewer_id
),
fof(id) AS (
    SELECT fs.user_b FROM friend f JOIN friendships fs ON fs.user_a = f.id
    UNION ALL
    SELECT fs.user_a FROM friend f JOIN friendships fs ON fs.user_b = f.id
),
candidate(id, mutual) AS (
    SELECT id, count(*) FROM fof GROUP BY id
    UNION ALL
    SELECT * FROM (SELECT u.id, 0 FROM users u
                   WHERE {{eligible}} ORDER BY u.id DESC LIMIT :limit) AS newest
)
SELECT {USER_COLUMNS}
FROM (SELECT id, max(mutual) AS mutual FROM candidate GROUP BY id) c
JOIN users u ON u.id = c.id
WHERE {{eligible}}
ORDER BY c.mutual DESC, u.id DESC
LIMIT :limit
"""

_ELIGIBLE = """
u.id <> :viewer_id
AND u.id NOT IN (SELECT id FROM friend)
AND NOT EXISTS (SELECT 1 FROM friend_requests r
                WHERE r.from_id = :viewer_id AND r.to_id = u.id)
AND NOT EXISTS (SELECT 1 FROM friend_requests r
                WHERE r.from_id = u.id AND r.to_id = :viewer_id)
"""
_SUGGEST_SQL = _SUGGEST_TEMPLATE.format(eligible=_ELIGIBLE)


def suggest_users(db, *, viewer_id: int, limit: int = 10) -> list:
    """People the viewer might add: friends of friends first (most mutual friends
    first), then the newest members. Never self, friends, or pending requests."""
    params = {"viewer_id": viewer_id, "limit": max(1, min(int(limit), MAX_SUGGESTIONS))}
    return db.query_all(_SUGGEST_SQL, params)


def touch_last_seen(db, *, user_id: int, now: int) -> None:
    """Record that the user was active at `now` (at most one write per interval)."""
    db.execute(
        "UPDATE users SET last_seen_at = :now WHERE id = :user_id"
        " AND (last_seen_at IS NULL OR last_seen_at <= :now - :resolution)",
        {"user_id": user_id, "now": now, "resolution": LAST_SEEN_RESOLUTION_SECONDS})

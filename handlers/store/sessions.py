"""Log-in sessions and the failed-login throttle.

Only a hash of the session token is stored (the caller hashes it), so reading the
database does not yield a usable cookie. A session dict is {session_id, user_id,
csrf_token, expires_at, username, name, created_at} where the last three describe
the user (created_at is the user's sign-up time).
"""

__all__ = [
    "create_session",
    "get_session",
    "find_session",
    "delete_session",
    "delete_expired_sessions",
    "delete_user_sessions",
    "delete_other_sessions",
    "record_failed_login",
    "forget_failed_login",
    "failed_login_streak",
    "clear_failed_logins",
    "prune_failed_logins",
]

_SESSION_SQL = """
SELECT s.id AS session_id, s.user_id, s.csrf_token, s.expires_at,
       u.username, u.name, u.created_at, u.bio, u.avatar_name
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = :token_hash
"""
_LIVE_SESSION_SQL = _SESSION_SQL + " AND s.expires_at > :now"


def create_session(db, *, user_id: int, token_hash: str, csrf_token: str, now: int,
                   expires_at: int) -> dict:
    """Store a new session and return its dict (as `get_session` would)."""
    db.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)"
        " VALUES (:token_hash, :user_id, :csrf_token, :now, :expires_at)",
        {"token_hash": token_hash, "user_id": user_id, "csrf_token": csrf_token,
         "now": now, "expires_at": expires_at})
    return db.query_one(_SESSION_SQL, {"token_hash": token_hash})


def get_session(db, *, token_hash: str, now: int):
    """The live session for this token hash, or None if unknown or expired."""
    return db.query_one(_LIVE_SESSION_SQL, {"token_hash": token_hash, "now": now})


def find_session(db, *, token_hash: str):
    """The session for this token hash, expired or not (the caller checks
    `expires_at`), or None: an answer that does not change with the clock."""
    return db.query_one(_SESSION_SQL, {"token_hash": token_hash})


def delete_session(db, *, token_hash: str) -> bool:
    """Log out: forget the session. True if there was one."""
    return db.execute_rowcount("DELETE FROM sessions WHERE token_hash = :token_hash",
                               {"token_hash": token_hash}) > 0


def delete_expired_sessions(db, *, now: int) -> int:
    """Drop sessions whose expiry has passed; returns how many."""
    return db.execute_rowcount("DELETE FROM sessions WHERE expires_at <= :now", {"now": now})


def delete_user_sessions(db, *, user_id: int) -> int:
    """Log a user out everywhere; returns how many sessions ended."""
    return db.execute_rowcount("DELETE FROM sessions WHERE user_id = :user_id",
                               {"user_id": user_id})


def delete_other_sessions(db, *, user_id: int, keep_token_hash: str) -> int:
    """End every session of the user except the one with `keep_token_hash` (the one
    that asked, after a password change); returns how many ended."""
    return db.execute_rowcount(
        "DELETE FROM sessions WHERE user_id = :user_id AND token_hash <> :keep",
        {"user_id": user_id, "keep": keep_token_hash})


# The throttle keys on the lower-cased username so "Alice" and "alice" share a budget,
# exactly as they share an account, and on the client's address, so that one
# address's failures never hold back another's (see auth.login).

def record_failed_login(db, *, username: str, client: str, now: int) -> int:
    """Count one failed attempt against `username` (known or not) from `client`;
    returns its row id (for `forget_failed_login`)."""
    return db.execute("INSERT INTO failed_logins (username, client, attempted_at)"
                      " VALUES (:username, :client, :now)",
                      {"username": username.lower(), "client": client, "now": now})


def forget_failed_login(db, *, row_id: int) -> None:
    """Take back an attempt counted by `record_failed_login` that never happened
    (its password hash was refused before it started)."""
    db.execute("DELETE FROM failed_logins WHERE id = :id", {"id": row_id})


def failed_login_streak(db, *, username: str, client: str, since: int) -> tuple[int, int | None]:
    """(how many, time of the latest) failed attempts against `username` from
    `client` at or after `since`; (0, None) when there are none."""
    row = db.query_one(
        "SELECT count(*) AS failures, max(attempted_at) AS latest FROM failed_logins"
        " WHERE username = :username AND client = :client AND attempted_at >= :since",
        {"username": username.lower(), "client": client, "since": since})
    return row["failures"], row["latest"]


def clear_failed_logins(db, *, username: str, client: str) -> None:
    """Forget `client`'s failed attempts on `username` after it logged in."""
    db.execute("DELETE FROM failed_logins WHERE username = :username AND client = :client",
               {"username": username.lower(), "client": client})


def prune_failed_logins(db, *, before: int) -> int:
    """Drop attempts older than `before` (they no longer count); returns how many."""
    return db.execute_rowcount("DELETE FROM failed_logins WHERE attempted_at < :before",
                               {"before": before})

"""Whole accounts: what one holds (for the confirmation page) and deleting it all.

Deleting an account removes, in one transaction, every row the person made or
that exists only because of them: their posts (and with them the files' names to
remove), messages sent and received, friendships and requests both ways,
sessions, live-update rows, failed log-ins under their username, and the user
row. The foreign keys would cascade most of this from the user row alone; the
deletes are written out anyway so that the list of what goes is readable here,
checked by a test, and does not depend on how each table's key was declared.

Files are not touched here: `delete_account` returns the names of the photos and
of the profile picture so the caller removes them from disk after the commit (a rolled-back delete must
not have lost the files).
"""

from .friends import friend_ids
from .live import record_event

__all__ = ["OWNED_ROWS", "account_summary", "delete_account"]

# (table, which rows) for everything an account takes with it, dependents first.
# Table names are constants of this module, never input; values are bound.
OWNED_ROWS = (
    ("live_events", "user_id = :user_id OR actor_id = :user_id"),
    ("live_streams", "user_id = :user_id"),
    ("sessions", "user_id = :user_id"),
    ("messages", "sender_id = :user_id OR recipient_id = :user_id"),
    ("friend_requests", "from_id = :user_id OR to_id = :user_id"),
    ("friendships", "user_a = :user_id OR user_b = :user_id"),
    ("notifications", "recipient_id = :user_id OR actor_id = :user_id"),
    ("likes", "user_id = :user_id"),
    ("comments", "author_id = :user_id"),
    ("posts", "author_id = :user_id"),
)

_SUMMARY_SQL = """
SELECT
  (SELECT count(*) FROM posts WHERE author_id = :user_id) AS posts,
  (SELECT count(*) FROM posts WHERE author_id = :user_id AND image_name IS NOT NULL) AS photos,
  (SELECT count(*) FROM friendships WHERE user_a = :user_id OR user_b = :user_id) AS friends,
  (SELECT count(*) FROM messages WHERE sender_id = :user_id OR recipient_id = :user_id)
      AS messages
"""


def account_summary(db, *, user_id: int) -> dict:
    """{posts, photos, friends, messages}: how many of each the account would lose."""
    return db.query_one(_SUMMARY_SQL, {"user_id": user_id})


def delete_account(db, *, user_id: int, now: int) -> dict | None:
    """Delete the user and everything theirs in one transaction.

    Returns {"username", "images": [photo file names], "avatar_name": the
    profile picture's name or None, "deleted": {table: rows}},
    or None when there is no such user. Each former friend gets a
    "friends_changed" live event (so workers holding their streams reload their
    friend lists); it names the friend as actor, since the user is gone.
    """
    params = {"user_id": user_id}
    with db.transaction():
        owner = db.query_one("SELECT username, avatar_name FROM users WHERE id = :user_id",
                             params)
        if owner is None:
            return None
        username = owner["username"]
        images = [row["image_name"] for row in db.query_all(
            "SELECT image_name FROM posts WHERE author_id = :user_id"
            " AND image_name IS NOT NULL", params)]
        friends = friend_ids(db, user_id=user_id)
        deleted = {}
        for table, rows in OWNED_ROWS:
            deleted[table] = db.execute_rowcount(f"DELETE FROM {table} WHERE {rows}", params)
        db.execute("DELETE FROM failed_logins WHERE username = :username",
                   {"username": username.lower()})
        deleted["users"] = db.execute_rowcount("DELETE FROM users WHERE id = :user_id", params)
        for friend_id in friends:
            record_event(db, user_id=friend_id, kind="friends_changed", actor_id=friend_id,
                         now=now)
    return {"username": username, "images": images, "avatar_name": owner["avatar_name"],
            "deleted": deleted}

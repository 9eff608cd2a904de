"""Sign-ups per client address, counted in the database (migration 007), so that
`signups_per_address` within `signup_window` holds for all workers and nodes of a
site together: each of them asks the same table, inside one transaction (sqlite's
`BEGIN IMMEDIATE`; PostgreSQL's transaction lock), so two sign-ups from one
address on two nodes at the same moment cannot both take the last place.
"""

__all__ = ["take_signup", "release_signup"]


def take_signup(db, *, client: str, now: int, limit: int, window: int) -> tuple[int, int]:
    """Count one sign-up from `client` if it made fewer than `limit` within the
    last `window` seconds: (row id, 0). Otherwise nothing is counted and the
    answer is (0, seconds until it may sign up again).

    Rows that no longer count (older than the window, whoever made them) are
    deleted first: through the index on time, only the expired ones are touched.
    """
    # A sign-up at time t counts while now < t + window.
    since = now - window + 1
    with db.transaction():
        db.execute("DELETE FROM signups WHERE created_at < :since", {"since": since})
        # The limit-th newest sign-up: once it leaves the window, one fewer than
        # the limit remain, and the next may come.
        blocking = db.query_value(
            "SELECT created_at FROM signups WHERE client = :client AND created_at >= :since"
            " ORDER BY created_at DESC LIMIT 1 OFFSET :skip",
            {"client": client, "since": since, "skip": max(0, limit - 1)})
        if limit <= 0 or blocking is not None:
            return 0, max(1, (blocking if blocking is not None else now) + window - now)
        row_id = db.execute("INSERT INTO signups (client, created_at) VALUES (:client, :now)",
                            {"client": client, "now": now})
    return row_id, 0


def release_signup(db, *, row_id: int) -> None:
    """Give back a place taken by `take_signup` (the sign-up did not go ahead)."""
    db.execute("DELETE FROM signups WHERE id = :id", {"id": row_id})

"""sessions.py: token-hash sessions with expiry, and the failed-login counters."""

from store_fixtures import (
    T0,
    db_fixture,  # noqa: F401  (the `db` fixture)
    make_user,
)

from handlers.store import sessions

HOUR = 3600


def _login(db, user, token_hash="hash-1", expires_in=HOUR):
    return sessions.create_session(db, user_id=user["id"], token_hash=token_hash,
                                   csrf_token="csrf-1", now=T0, expires_at=T0 + expires_in)


def test_session_is_found_by_token_hash_until_it_expires(db):
    alice = make_user(db, "alice", "Alice")
    created = _login(db, alice)
    found = sessions.get_session(db, token_hash="hash-1", now=T0 + HOUR - 1)
    assert found == created
    assert found == {"session_id": found["session_id"], "user_id": alice["id"],
                     "csrf_token": "csrf-1", "expires_at": T0 + HOUR, "username": "alice",
                     "name": "Alice", "created_at": T0, "bio": "", "avatar_name": None}
    assert sessions.get_session(db, token_hash="hash-1", now=T0 + HOUR) is None
    assert sessions.get_session(db, token_hash="other", now=T0) is None


def test_delete_session_logs_out_only_that_session(db):
    alice = make_user(db, "alice")
    _login(db, alice, "hash-1")
    _login(db, alice, "hash-2")
    assert sessions.delete_session(db, token_hash="hash-1") is True
    assert sessions.delete_session(db, token_hash="hash-1") is False
    assert sessions.get_session(db, token_hash="hash-1", now=T0) is None
    assert sessions.get_session(db, token_hash="hash-2", now=T0) is not None


def test_delete_expired_sessions_keeps_live_ones(db):
    alice = make_user(db, "alice")
    _login(db, alice, "short", expires_in=10)
    _login(db, alice, "long", expires_in=HOUR)
    assert sessions.delete_expired_sessions(db, now=T0 + 10) == 1
    assert db.query_value("SELECT count(*) FROM sessions") == 1
    assert sessions.get_session(db, token_hash="long", now=T0 + 10) is not None


def test_sessions_go_when_their_user_goes(db):
    alice = make_user(db, "alice")
    _login(db, alice)
    db.execute("DELETE FROM users WHERE id = :id", {"id": alice["id"]})
    assert db.query_value("SELECT count(*) FROM sessions") == 0


A, B = "192.0.2.1", "198.51.100.7"


def test_failed_logins_count_per_account_and_address_any_case(db):
    for offset in (0, 10, 20):
        sessions.record_failed_login(db, username="Alice", client=A, now=T0 + offset)
    sessions.record_failed_login(db, username="alice", client=B, now=T0 + 30)
    sessions.record_failed_login(db, username="bob", client=A, now=T0 + 15)
    assert sessions.failed_login_streak(db, username="ALICE", client=A, since=T0) == (3, T0 + 20)
    assert sessions.failed_login_streak(db, username="alice", client=A, since=T0 + 5) == \
        (2, T0 + 20)
    assert sessions.failed_login_streak(db, username="alice", client=B, since=T0) == (1, T0 + 30)
    assert sessions.failed_login_streak(db, username="carol", client=A, since=T0) == (0, None)


def test_clear_failed_logins_resets_one_username_from_one_address(db):
    sessions.record_failed_login(db, username="alice", client=A, now=T0)
    sessions.record_failed_login(db, username="alice", client=B, now=T0)
    sessions.record_failed_login(db, username="bob", client=A, now=T0)
    sessions.clear_failed_logins(db, username="ALICE", client=A)
    assert sessions.failed_login_streak(db, username="alice", client=A, since=0)[0] == 0
    assert sessions.failed_login_streak(db, username="alice", client=B, since=0)[0] == 1
    assert sessions.failed_login_streak(db, username="bob", client=A, since=0)[0] == 1


def test_prune_failed_logins_drops_old_attempts(db):
    sessions.record_failed_login(db, username="alice", client=A, now=T0)
    sessions.record_failed_login(db, username="alice", client=A, now=T0 + 100)
    assert sessions.prune_failed_logins(db, before=T0 + 50) == 1
    assert sessions.failed_login_streak(db, username="alice", client=A, since=0)[0] == 1

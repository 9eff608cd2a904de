"""Database: pragmas, idempotent schema, transactions, time budget."""

import sqlite3

import pytest

from handlers.store import Database, errors, open_database, times


@pytest.fixture
def raw_db(tmp_path):
    database = open_database(tmp_path / "miniface.db")
    yield database
    database.close()


def _insert_user(db, username):
    return db.execute(
        "INSERT INTO users (username, name, password_hash, created_at)"
        " VALUES (:username, :username, 'x', 0)", {"username": username})


def test_database_sets_wal_and_foreign_keys(raw_db):
    assert raw_db.query_value("PRAGMA journal_mode") == "wal"
    assert raw_db.query_value("PRAGMA foreign_keys") == 1
    assert raw_db.query_value("PRAGMA busy_timeout") == 5000


def test_schema_applies_twice_without_error(tmp_path):
    path = tmp_path / "twice.db"
    open_database(path).close()
    db = open_database(path)
    tables = {row["name"] for row in db.query_all(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert {"users", "sessions", "failed_logins", "posts", "friend_requests",
            "friendships", "messages"} <= tables


def test_query_helpers_return_dicts(raw_db):
    user_id = _insert_user(raw_db, "ann")
    assert raw_db.query_one("SELECT id, username FROM users WHERE id = :id",
                            {"id": user_id}) == {"id": user_id, "username": "ann"}
    assert raw_db.query_one("SELECT id FROM users WHERE id = -1") is None
    assert raw_db.query_all("SELECT username FROM users") == [{"username": "ann"}]
    assert raw_db.query_value("SELECT count(*) FROM users") == 1
    assert raw_db.query_value("SELECT id FROM users WHERE id = -1") is None


def test_transaction_rolls_back_every_write_on_error(raw_db):
    with pytest.raises(RuntimeError), raw_db.transaction():
        _insert_user(raw_db, "ann")
        raise RuntimeError("boom")
    assert raw_db.query_value("SELECT count(*) FROM users") == 0
    assert not raw_db.in_transaction


def test_nested_transaction_failure_undoes_only_the_inner_block(raw_db):
    with raw_db.transaction():
        _insert_user(raw_db, "outer")
        with pytest.raises(sqlite3.IntegrityError), raw_db.transaction():
            _insert_user(raw_db, "inner")
            _insert_user(raw_db, "OUTER")  # same name, different case: unique violation
    names = [row["username"] for row in raw_db.query_all("SELECT username FROM users")]
    assert names == ["outer"]


def test_committed_transaction_is_visible_to_another_connection(raw_db):
    with raw_db.transaction():
        _insert_user(raw_db, "ann")
    other = Database(raw_db.path)
    try:
        assert other.query_value("SELECT count(*) FROM users") == 1
    finally:
        other.close()


def test_foreign_keys_cascade_on_user_delete(raw_db):
    user_id = _insert_user(raw_db, "ann")
    raw_db.execute("INSERT INTO posts (author_id, body, visibility, created_at)"
                   " VALUES (:id, 'hi', 'public', 0)", {"id": user_id})
    raw_db.execute("DELETE FROM users WHERE id = :id", {"id": user_id})
    assert raw_db.query_value("SELECT count(*) FROM posts") == 0


def test_posts_reject_unknown_visibility(raw_db):
    user_id = _insert_user(raw_db, "ann")
    with pytest.raises(sqlite3.IntegrityError):
        raw_db.execute("INSERT INTO posts (author_id, body, visibility, created_at)"
                       " VALUES (:id, 'hi', 'everyone', 0)", {"id": user_id})


def test_time_limit_interrupts_a_runaway_query(raw_db):
    endless = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
               " SELECT count(*) FROM n")
    with pytest.raises(errors.QueryTimeout), raw_db.time_limit(0.05):
        raw_db.query_value(endless)
    assert raw_db.query_value("SELECT 1") == 1  # the handler is gone afterwards


def test_iso_round_trips_unix_seconds():
    assert times.iso(1_795_694_400) == "2026-11-26T12:00:00Z"
    assert times.from_iso("2026-11-26T12:00:00Z") == 1_795_694_400
    assert times.iso(None) is None


def test_migrations_apply_in_order_once_and_record_the_version(tmp_path):
    from handlers.store.db import migrations
    db = Database(tmp_path / "m.db")
    db.apply_schema()
    latest = migrations()[-1][0]
    assert db.schema_version == latest
    db.apply_schema()  # a second start applies nothing again
    assert db.schema_version == latest


def test_a_failing_migration_leaves_the_previous_version(tmp_path):
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "001_a.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);")
    (directory / "002_b.sql").write_text("CREATE TABLE b (id INTEGER); INSERT INTO nope VALUES (1);")
    db = Database(tmp_path / "f.db")
    with pytest.raises(sqlite3.Error):
        db.apply_schema(directory)
    assert db.schema_version == 1
    assert db.query_value("SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0

"""Database, on both backends: idempotent schema, migrations and upgrades,
transactions, time budget; and sqlite's pragmas."""

import pytest
from store_fixtures import SQLITE_ONLY

from handlers.store import connect, errors, open_database, times
from handlers.store.db import migrations


@pytest.fixture
def raw_db(database_target):
    database = connect(database_target)
    yield database
    database.close()


@pytest.fixture
def empty_target(backend, tmp_path, request):
    """Factory: a new database without any table (a sqlite path or a PostgreSQL URL)."""
    made = []

    def make():
        if backend == "sqlite":
            return tmp_path / f"empty{len(made) + 1}.db"
        cluster = request.getfixturevalue("pg_cluster")
        made.append(f"empty_{id(made)}_{len(made) + 1}")
        return cluster.create_database(made[-1])

    yield make
    if made:
        cluster = request.getfixturevalue("pg_cluster")
        for name in made:
            cluster.drop_database(name)


def _tables(db) -> set:
    if db.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT table_name AS name FROM information_schema.tables" \
              " WHERE table_schema = current_schema()"
    return {row["name"] for row in db.query_all(sql)}


def _insert_user(db, username):
    return db.execute(
        "INSERT INTO users (username, name, password_hash, created_at)"
        " VALUES (:username, :username, 'x', 0)", {"username": username})


@SQLITE_ONLY
def test_database_sets_wal_and_foreign_keys(raw_db):
    assert raw_db.query_value("PRAGMA journal_mode") == "wal"
    assert raw_db.query_value("PRAGMA foreign_keys") == 1
    assert raw_db.query_value("PRAGMA busy_timeout") == 5000


def test_schema_applies_twice_without_error(empty_target):
    target = empty_target()
    open_database(target).close()
    db = open_database(target)
    tables = _tables(db)
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
        with pytest.raises(errors.IntegrityError), raw_db.transaction():
            _insert_user(raw_db, "inner")
            _insert_user(raw_db, "OUTER")  # same name, different case: unique violation
    names = [row["username"] for row in raw_db.query_all("SELECT username FROM users")]
    assert names == ["outer"]


def test_committed_transaction_is_visible_to_another_connection(raw_db):
    with raw_db.transaction():
        _insert_user(raw_db, "ann")
    other = connect(raw_db.path)
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
    with pytest.raises(errors.IntegrityError):
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


def test_migrations_apply_in_order_once_and_record_the_version(empty_target):
    db = connect(empty_target())
    assert db.schema_version == 0
    db.apply_schema()
    latest = migrations()[-1][0]
    assert db.schema_version == latest
    db.apply_schema()  # a second start applies nothing again
    assert db.schema_version == latest


def test_a_failing_migration_leaves_the_previous_version(empty_target, tmp_path):
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "001_a.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);")
    (directory / "002_b.sql").write_text("CREATE TABLE b (id INTEGER); INSERT INTO nope VALUES (1);")
    db = connect(empty_target())
    with pytest.raises(Exception, match="nope"):
        db.apply_schema(directory)
    assert db.schema_version == 1
    assert "b" not in _tables(db) and "a" in _tables(db)
    db.close()


def test_upgrade_from_the_previous_schema_version_keeps_the_data(empty_target):
    latest = migrations()[-1][0]
    db = connect(empty_target())
    db.apply_schema(upto=latest - 1)
    assert db.schema_version == latest - 1
    if latest > 1:  # users exist from 001 on
        _insert_user(db, "ann")
    db.apply_schema()
    assert db.schema_version == latest
    assert {"users", "posts", "messages"} <= _tables(db)
    if latest > 1:
        assert db.query_value("SELECT username FROM users") == "ann"
    db.close()


def test_a_postgresql_twin_file_replaces_the_translation(tmp_path):
    from handlers.store.migrations import postgres_script
    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY, n TEXT COLLATE NOCASE);")
    translated = postgres_script(tmp_path / "001_a.sql")
    assert "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" in translated
    assert "n CITEXT" in translated and "NOCASE" not in translated
    (tmp_path / "001_a.postgresql.sql").write_text("CREATE TABLE a (id serial);")
    assert postgres_script(tmp_path / "001_a.sql") == "CREATE TABLE a (id serial);"
    assert [n for n, _ in migrations(tmp_path)] == [1]  # the twin is not a migration of its own


def test_init_db_upgrades_a_database_with_data_from_the_previous_version(backend, tmp_path,
                                                                         empty_target):
    """`miniface init-db` on a database one migration behind: people, a friendship,
    a post with a photo and a message survive, and the newest schema works."""
    from handlers import cli
    from handlers.store import friends, messages, posts, users

    latest = migrations()[-1][0]
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    target = data_dir / "miniface.db" if backend == "sqlite" else empty_target()
    db = connect(target)
    db.apply_schema(upto=latest - 1)
    ann = users.create_user(db, username="ann", name="Ann", password_hash="x", now=1)
    bob = users.create_user(db, username="bob", name="Bob", password_hash="x", now=1)
    friends.request_or_accept(db, from_id=ann["id"], to_id=bob["id"], now=2)
    friends.request_or_accept(db, from_id=bob["id"], to_id=ann["id"], now=3)
    # Written as the previous version did: today's post query reads columns (the
    # author's bio and picture) that the upgrade is about to add.
    post = {"id": db.execute(
        "INSERT INTO posts (author_id, body, visibility, image_name, created_at)"
        " VALUES (:author_id, 'before the upgrade', 'friends', 'abcdefgh12345678.png', 4)",
        {"author_id": ann["id"]})}
    sent = messages.send_message(db, sender_id=bob["id"], recipient_id=ann["id"],
                                 body="still here?", now=5)
    db.close()

    where = ["--data-dir", str(data_dir)] if backend == "sqlite" else ["--database", target]
    assert cli.main(["init-db", *where]) == 0

    db = connect(target)
    try:
        assert db.schema_version == latest
        assert friends.friendship_state(db, viewer_id=ann["id"], other_id=bob["id"]) == "friends"
        seen = posts.get_post(db, post_id=post["id"], viewer_id=bob["id"])
        assert (seen["body"], seen["image_name"]) == ("before the upgrade", "abcdefgh12345678.png")
        assert [m["body"] for m in messages.conversation(db, user_id=ann["id"],
                                                         other_id=bob["id"])] == ["still here?"]
        assert messages.get_message(db, message_id=sent["id"])["body"] == "still here?"
        # New rows still get new ids after the upgrade (PostgreSQL identities intact).
        later = posts.create_post(db, author_id=bob["id"], body="after", visibility="public",
                                  image_name=None, now=6)
        assert later["id"] > post["id"]
    finally:
        db.close()

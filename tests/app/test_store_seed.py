"""seed.py: the demo world is complete, its photos are real, and seeding is idempotent."""

import pytest
from PIL import Image
from store_fixtures import (
    FAKE_HASH,
    db_fixture,  # noqa: F401  (the `db` fixture)
)

from handlers.profiles import AVATAR_SIZES
from handlers.store import errors, friends, messages, posts, seed, users
from handlers.uploads import avatar_file


def _counts(db):
    return {table: db.query_value(f"SELECT count(*) FROM {table}")  # table names are ours
            for table in ("users", "friendships", "friend_requests", "posts", "messages")}


def test_seed_demo_builds_people_friends_posts_photos_and_chats(db, tmp_path):
    uploads = tmp_path / "uploads"
    assert seed.seed_demo(db, uploads_dir=uploads, password_hash=FAKE_HASH) is True
    ids = {name: users.get_user_by_username(db, name)["id"] for name in seed.DEMO_USERNAMES}
    assert users.get_credentials(db, "alice")["password_hash"] == FAKE_HASH
    assert friends.friendship_state(db, viewer_id=ids["alice"], other_id=ids["bob"]) == "friends"
    assert friends.friendship_state(db, viewer_id=ids["alice"],
                                    other_id=ids["erin"]) == "request_received"
    all_posts = db.query_all("SELECT visibility, image_name FROM posts")
    assert {p["visibility"] for p in all_posts} == {"public", "friends", "private"}
    photos = [p["image_name"] for p in all_posts if p["image_name"]]
    pictures = {u["username"]: u["avatar_name"] for u in db.query_all(
        "SELECT username, avatar_name FROM users")}
    assert [u for u, name in sorted(pictures.items()) if name] == ["alice", "bob", "carol"]
    avatar_files = [avatar_file(name, size) for name in pictures.values() if name
                    for size in AVATAR_SIZES]
    assert len(photos) >= 3
    assert sorted(photos + avatar_files) == sorted(p.name for p in uploads.iterdir())
    for name in photos:
        with Image.open(uploads / name) as image:
            image.verify()
    for size in AVATAR_SIZES:
        with Image.open(uploads / avatar_file(pictures["alice"], size)) as image:
            assert image.size == (size, size)
    assert messages.unread_total(db, user_id=ids["alice"]) == 1
    assert messages.conversations_for(db, user_id=ids["alice"])[0]["with"]["username"] == "carol"
    # alice's private note is hers alone; bob sees her friends-only post.
    assert "private" not in {p["visibility"] for p in posts.feed_for(db, viewer_id=ids["bob"])}
    assert "friends" in {p["visibility"] for p in posts.posts_by(
        db, author_id=ids["alice"], viewer_id=ids["bob"])}


def test_seed_demo_twice_changes_nothing(db, tmp_path):
    uploads = tmp_path / "uploads"
    seed.seed_demo(db, uploads_dir=uploads, password_hash=FAKE_HASH)
    before, files = _counts(db), sorted(uploads.iterdir())
    assert seed.seed_demo(db, uploads_dir=uploads, password_hash=FAKE_HASH) is False
    assert _counts(db) == before and sorted(uploads.iterdir()) == files


def test_failed_seed_leaves_no_rows_and_no_photos(db, tmp_path):
    uploads = tmp_path / "uploads"
    # Chats are written last, after the photos: make them fail inside the database.
    if db.dialect == "sqlite":
        db.execute("CREATE TRIGGER refuse_chats BEFORE INSERT ON messages"
                   " BEGIN SELECT RAISE(ABORT, 'no chats today'); END")
    else:
        db.execute("ALTER TABLE messages ADD CONSTRAINT no_chats_today CHECK (false) NOT VALID")
    with pytest.raises(errors.IntegrityError, match="no.chats.today"):
        seed.seed_demo(db, uploads_dir=uploads, password_hash=FAKE_HASH)
    assert set(_counts(db).values()) == {0}
    assert list(uploads.iterdir()) == []

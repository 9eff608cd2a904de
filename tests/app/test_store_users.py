"""users.py: case-insensitive usernames, look-ups, search with LIKE wildcards."""

import pytest
from store_fixtures import (
    FAKE_HASH,
    T0,
    db_fixture,  # noqa: F401  (the `db` fixture)
    make_user,
)

from handlers.store import errors, users


def test_create_user_returns_the_user_dict(db):
    user = make_user(db, "alice", "Alice Liddell")
    assert user == {"id": user["id"], "username": "alice", "name": "Alice Liddell",
                    "created_at": T0, "bio": "", "avatar_name": None}
    assert users.get_user(db, user["id"]) == user


def test_usernames_are_unique_whatever_the_case(db):
    make_user(db, "alice")
    with pytest.raises(errors.UsernameTaken):
        make_user(db, "ALICE")
    assert db.query_value("SELECT count(*) FROM users") == 1


def test_username_lookup_ignores_case_and_keeps_the_spelling(db):
    make_user(db, "MixedCase")
    assert users.get_user_by_username(db, "mixedcase")["username"] == "MixedCase"
    assert users.get_user_by_username(db, "nobody") is None
    assert users.get_user(db, 999) is None


def test_credentials_hold_the_password_hash(db):
    user = make_user(db, "alice")
    assert users.get_credentials(db, "Alice") == {
        "id": user["id"], "username": "alice", "password_hash": FAKE_HASH}
    assert users.get_credentials(db, "bob") is None


def _usernames(rows):
    return [row["username"] for row in rows]


def test_search_matches_username_or_name_prefix_first(db):
    make_user(db, "zed_smith", "Zed")
    make_user(db, "smithers", "Waylon")
    make_user(db, "carol", "Carol Smith")
    make_user(db, "dave", "Dave")
    found = _usernames(users.search_users(db, q="SMITH", limit=10))
    assert found[0] == "smithers"  # the only prefix match
    assert sorted(found[1:]) == ["carol", "zed_smith"]


def test_search_treats_underscore_and_percent_literally(db):
    make_user(db, "a_b")
    make_user(db, "axb")
    make_user(db, "percent", "100% real")
    make_user(db, "plain", "100 real")
    assert _usernames(users.search_users(db, q="a_b", limit=10)) == ["a_b"]
    assert _usernames(users.search_users(db, q="100%", limit=10)) == ["percent"]
    assert _usernames(users.search_users(db, q="%", limit=10)) == ["percent"]
    assert users.search_users(db, q="\\", limit=10) == []


def test_search_with_a_blank_query_finds_nobody(db):
    make_user(db, "alice")
    assert users.search_users(db, q="  ", limit=10) == []


def test_search_caps_the_number_of_rows(db):
    db.execute_many(
        "INSERT INTO users (username, name, password_hash, created_at)"
        " VALUES (:username, 'Same', 'x', 0)",
        [{"username": f"user{i}"} for i in range(users.MAX_SEARCH_RESULTS + 20)])
    assert len(users.search_users(db, q="user", limit=10_000)) == users.MAX_SEARCH_RESULTS
    assert len(users.search_users(db, q="same", limit=3)) == 3


def test_touch_last_seen_writes_at_most_once_per_interval(db):
    user = make_user(db, "alice")

    def seen():
        return db.query_value("SELECT last_seen_at FROM users WHERE id = :id", {"id": user["id"]})

    users.touch_last_seen(db, user_id=user["id"], now=T0)
    assert seen() == T0
    users.touch_last_seen(db, user_id=user["id"], now=T0 + 1)
    assert seen() == T0
    later = T0 + users.LAST_SEEN_RESOLUTION_SECONDS
    users.touch_last_seen(db, user_id=user["id"], now=later)
    assert seen() == later


def test_search_past_its_time_budget_answers_prefix_matches(db, monkeypatch):
    db.execute_many(
        "INSERT INTO users (username, name, password_hash, created_at)"
        " VALUES (:username, :name, 'x', 0)",
        [{"username": f"filler{i}", "name": "Filler"} for i in range(300)]
        + [{"username": "smithers", "name": "W"}, {"username": "carol", "name": "Carol Smith"}])
    assert len(users.search_users(db, q="smith", limit=10)) == 2
    # No time at all: the full scan is interrupted and the index-only query answers.
    monkeypatch.setattr(users, "SEARCH_TIME_BUDGET_SECONDS", 0.0)
    assert _usernames(users.search_users(db, q="smith", limit=10)) == ["smithers"]


def test_missing_fields_are_not_reported_as_a_taken_username(db):
    with pytest.raises(errors.IntegrityError):
        users.create_user(db, username="alice", name=None, password_hash="x", now=T0)


def test_search_past_both_budgets_is_a_query_timeout(db, monkeypatch):
    from handlers.store.errors import QueryTimeout
    db.execute_many(
        "INSERT INTO users (username, name, password_hash, created_at)"
        " VALUES (:username, :name, 'x', 0)",
        [{"username": f"smith{i}", "name": "Smith"} for i in range(3000)])
    monkeypatch.setattr(users, "SEARCH_TIME_BUDGET_SECONDS", 0.0)
    monkeypatch.setattr(users, "SEARCH_PREFIX_TIME_BUDGET_SECONDS", 0.0)
    with pytest.raises(QueryTimeout):
        users.search_users(db, q="smith", limit=10)


def test_update_profile_sets_name_and_bio_and_leaves_none_alone(db):
    alice = make_user(db, "alice", "Alice")
    changed = users.update_profile(db, user_id=alice["id"], bio="Down the rabbit hole.")
    assert (changed["name"], changed["bio"]) == ("Alice", "Down the rabbit hole.")
    changed = users.update_profile(db, user_id=alice["id"], name="Alice L.")
    assert (changed["name"], changed["bio"]) == ("Alice L.", "Down the rabbit hole.")
    assert users.get_user(db, alice["id"]) == changed
    assert users.update_profile(db, user_id=999, name="Nobody") is None


def test_set_avatar_returns_the_previous_name_and_finds_the_owner(db):
    alice = make_user(db, "alice")
    bob = make_user(db, "bob")
    assert users.set_avatar(db, user_id=alice["id"], avatar_name="first0000.jpg") == (True, None)
    assert users.set_avatar(db, user_id=alice["id"], avatar_name="second000.png") == (
        True, "first0000.jpg")
    assert users.avatar_owner(db, avatar_name="second000.png") == alice["id"]
    assert users.avatar_owner(db, avatar_name="first0000.jpg") is None
    assert users.get_user(db, alice["id"])["avatar_name"] == "second000.png"
    assert users.get_user(db, bob["id"])["avatar_name"] is None
    assert users.set_avatar(db, user_id=alice["id"], avatar_name=None) == (True, "second000.png")
    assert users.avatar_owner(db, avatar_name="second000.png") is None
    assert users.set_avatar(db, user_id=999, avatar_name="x0000000.jpg") == (False, None)

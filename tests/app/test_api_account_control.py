"""Changing the password and deleting the account through the JSON API."""

import time

import pytest
from appclient import PASSWORD, image_bytes, login, signup, wait_for
from sse_reader import EventReader

NEW_PASSWORD = "a brand new secret"
# Other sessions' streams close within one live poll (0.25 s); generous for a busy VM.
STREAM_CLOSE_SECONDS = 3.0


@pytest.fixture
def ann(make_user):
    return make_user("ann", "Ann Lee")


def second_session(server, username="ann", password=PASSWORD):
    """Another device of the same person: a bearer session."""
    other = server.client()
    answer = login(other, username, password)
    assert answer.status == 200, answer
    return other.bearer(answer.json()["token"])


def change(client, current=PASSWORD, new=NEW_PASSWORD):
    return client.post_json("/api/me/password",
                            {"current_password": current, "new_password": new})


# -- password -------------------------------------------------------------------------


def test_changing_the_password_ends_only_the_other_sessions(server, ann):
    phone = second_session(server)
    assert change(ann).status == 204
    assert ann.get("/api/me").status == 200            # the session that asked stays
    assert phone.get("/api/me").status == 401           # the other one has ended
    assert login(server.client(), "ann", PASSWORD).status == 401
    assert login(server.client(), "ann", NEW_PASSWORD).status == 200


def test_a_wrong_current_password_is_403_and_changes_nothing(server, ann):
    phone = second_session(server)
    answer = change(ann, current="not my password")
    assert answer.status == 403 and answer.error_code == "forbidden"
    assert phone.get("/api/me").status == 200
    assert login(server.client(), "ann", PASSWORD).status == 200
    assert login(server.client(), "ann", NEW_PASSWORD).status == 401


def test_password_change_names_the_bad_field(ann):
    short = change(ann, new="short")
    assert short.status == 422
    assert list(short.json()["error"]["fields"]) == ["new_password"]
    missing = ann.post_json("/api/me/password", {"new_password": NEW_PASSWORD})
    assert missing.status == 422
    assert list(missing.json()["error"]["fields"]) == ["current_password"]
    assert change(ann, new=123456789).status == 422
    assert change(ann, current="x" * 5000).status == 403


def test_password_change_needs_a_session_and_json(server, ann):
    assert change(server.client()).status == 401
    form = ann.post_form("/api/me/password", {"current_password": PASSWORD,
                                              "new_password": NEW_PASSWORD})
    assert form.status == 403  # a cookie request must be JSON (or carry the CSRF token)
    assert login(server.client(), "ann", PASSWORD).status == 200


def test_the_other_sessions_event_streams_close_at_once(server, ann):
    phone = second_session(server)
    with EventReader(server.port, token=phone.token) as phone_events, \
            EventReader(server.port, cookies=ann.cookies) as own_events:
        wait_for(lambda: server.server.open_streams == 2)
        started = time.monotonic()
        assert change(ann).status == 204
        # No clock advance: this is not the 30-second session sweep.
        assert phone_events.ended.wait(timeout=STREAM_CLOSE_SECONDS)
        assert time.monotonic() - started < STREAM_CLOSE_SECONDS
        time.sleep(0.5)  # two polls: the asking session's stream must stay open
        assert not own_events.ended.is_set()


# -- deleting the account ----------------------------------------------------------------


def user_rows(server, user_id) -> dict:
    """How many rows of each table still mention the user."""
    checks = {
        "users": "SELECT count(*) FROM users WHERE id = :id",
        "sessions": "SELECT count(*) FROM sessions WHERE user_id = :id",
        "posts": "SELECT count(*) FROM posts WHERE author_id = :id",
        "messages": "SELECT count(*) FROM messages WHERE sender_id = :id OR recipient_id = :id",
        "friendships": "SELECT count(*) FROM friendships WHERE user_a = :id OR user_b = :id",
        "friend_requests": "SELECT count(*) FROM friend_requests"
                           " WHERE from_id = :id OR to_id = :id",
        "live_events": "SELECT count(*) FROM live_events WHERE user_id = :id OR actor_id = :id",
        "live_streams": "SELECT count(*) FROM live_streams WHERE user_id = :id",
    }
    return {table: server.db.query_value(sql, {"id": user_id}) for table, sql in checks.items()}


@pytest.fixture
def ann_with_everything(server, ann, make_user, befriend):
    """Ann with a friend, a pending request, a photo post, a text post and messages."""
    bob, cyd = make_user("bob", "Bob Stone"), make_user("cyd")
    befriend(ann, bob)
    assert cyd.post_json("/api/friends/ann").status == 201
    photo = ann.post_multipart("/api/posts", {"body": "sunset", "visibility": "public",
                                              "csrf_token": ann.csrf_token()},
                               {"image": ("s.png", image_bytes(), "image/png")})
    assert photo.status == 201, photo
    assert ann.post_json("/api/posts", {"body": "hello", "visibility": "friends"}).status == 201
    assert ann.post_json("/api/messages/bob", {"body": "hi bob"}).status == 201
    assert bob.post_json("/api/messages/ann", {"body": "hi ann"}).status == 201
    return bob, cyd, photo.json()["image_url"]


def test_deleting_the_account_removes_everything_it_made(server, ann, ann_with_everything):
    bob, cyd, photo_url = ann_with_everything
    user_id = ann.user["id"]
    assert len(list(server.uploads_dir.iterdir())) == 1
    phone = second_session(server)
    answer = ann.send_json("DELETE", "/api/me", {"password": PASSWORD})
    assert answer.status == 204, answer
    assert "mf_session" not in ann.cookies          # the cookie is cleared
    assert user_rows(server, user_id) == dict.fromkeys(user_rows(server, user_id), 0)
    assert list(server.uploads_dir.iterdir()) == []
    assert bob.get(photo_url).status == 404
    assert ann.get("/api/me").status == 401 and phone.get("/api/me").status == 401
    assert bob.get("/api/users/ann").status == 404
    assert bob.get("/api/friends").json()["friends"] == []
    assert bob.get("/api/messages").json()["conversations"] == []
    assert cyd.get("/api/friends/requests").json()["outgoing"] == []
    assert [p["body"] for p in bob.get("/api/feed").json()["posts"]] == []


def test_the_username_is_free_again_after_deletion(server, ann):
    assert ann.send_json("DELETE", "/api/me", {"password": PASSWORD}).status == 204
    assert login(server.client(), "ann", PASSWORD).status == 401
    again = signup(server.client(), "ANN", "Another Ann")
    assert again.status == 201


def test_a_wrong_password_deletes_nothing(server, ann, ann_with_everything):
    before = user_rows(server, ann.user["id"])
    answer = ann.send_json("DELETE", "/api/me", {"password": "wrong password"})
    assert answer.status == 403 and answer.error_code == "forbidden"
    assert user_rows(server, ann.user["id"]) == before
    assert len(list(server.uploads_dir.iterdir())) == 1
    missing = ann.send_json("DELETE", "/api/me", {})
    assert missing.status == 422 and list(missing.json()["error"]["fields"]) == ["password"]


def test_deleting_closes_the_accounts_event_streams(server, ann, make_user, befriend):
    bob = make_user("bob")
    befriend(ann, bob)
    with EventReader(server.port, cookies=ann.cookies) as events, \
            EventReader(server.port, cookies=bob.cookies) as bob_events:
        wait_for(lambda: server.server.open_streams == 2)
        assert ann.send_json("DELETE", "/api/me", {"password": PASSWORD}).status == 204
        assert events.ended.wait(timeout=STREAM_CLOSE_SECONDS)
        assert not bob_events.ended.is_set()


def test_deletion_works_with_a_bearer_token(server, ann):
    phone = second_session(server)
    assert phone.send_json("DELETE", "/api/me", {"password": PASSWORD}).status == 204
    assert ann.get("/api/me").status == 401

"""Accounts through the JSON API: signup, login, logout, me, expiry and throttling."""

import re

from appclient import PASSWORD, login, signup

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def test_signup_answers_201_with_the_new_user(client):
    created = signup(client, "ada_l", "Ada Lovelace")
    assert created.status == 201
    user = created.json()
    assert set(user) == {"id", "username", "name", "created_at", "bio", "avatar_url"}
    assert user["bio"] == "" and user["avatar_url"] is None
    assert (user["username"], user["name"]) == ("ada_l", "Ada Lovelace")
    assert isinstance(user["id"], int) and ISO_UTC.match(user["created_at"])


def test_signup_created_at_comes_from_the_app_clock(server, client):
    assert signup(client, "clocked").json()["created_at"] == "2027-01-15T08:00:00Z"


def test_signup_refuses_a_taken_username_in_any_letter_case(client):
    assert signup(client, "grace").status == 201
    again = signup(client, "GRACE")
    assert again.status == 409
    assert again.error_code == "conflict"


def test_signup_names_every_invalid_field(client):
    answer = client.post_json("/api/signup", {"username": "a-b", "name": "",
                                              "password": "short"})
    assert answer.status == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"username", "name", "password"}


def test_signup_limits_are_those_of_the_api(client):
    cases = [
        ({"username": "ab"}, "username"), ({"username": "x" * 31}, "username"),
        ({"username": "héllo"}, "username"), ({"name": "n" * 81}, "name"),
        ({"name": "line\nbreak"}, "name"), ({"password": "p" * 7}, "password"),
        ({"password": "p" * 257}, "password"), ({"username": 12345}, "username"),
    ]
    for change, field in cases:
        body = {"username": "valid_name", "name": "Valid", "password": "long enough", **change}
        answer = client.post_json("/api/signup", body)
        assert answer.status == 422, change
        assert list(answer.json()["error"]["fields"]) == [field], change
    edge = {"username": "x" * 30, "name": "n" * 80, "password": "p" * 256}
    assert client.post_json("/api/signup", edge).status == 201


def test_signup_wants_a_json_object(client):
    not_json = client.request("POST", "/api/signup", body=b"username=a",
                              headers={"Content-Type": "text/plain"})
    assert not_json.status == 415 and not_json.error_code == "unsupported_media_type"
    broken = client.request("POST", "/api/signup", body=b"{nope",
                            headers={"Content-Type": "application/json"})
    assert broken.status == 400 and broken.error_code == "bad_request"
    a_list = client.post_json("/api/signup", ["alice"])
    assert a_list.status == 400


def test_login_returns_a_token_and_sets_a_strict_session_cookie(client):
    signup(client, "alice")
    answer = login(client, "ALICE")
    assert answer.status == 200
    body = answer.json()
    assert body["user"]["username"] == "alice" and body["user"]["friendship"] == "self"
    assert len(body["token"]) >= 40
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"mf_session={body['token']};")
    attributes = {a.strip().split("=")[0] for a in cookie.split(";")[1:]}
    assert {"HttpOnly", "SameSite", "Path", "Max-Age"} <= attributes
    assert "SameSite=Lax" in cookie and "Path=/" in cookie


def test_the_login_token_works_as_a_bearer_token(server, client):
    signup(client, "alice")
    token = login(client, "alice").json()["token"]
    other = server.client().bearer(token)
    me = other.get("/api/me")
    assert me.status == 200 and me.json()["username"] == "alice"
    assert "csrf_token" not in me.json()


def test_me_gives_cookie_sessions_their_csrf_token(make_user):
    alice = make_user("alice")
    me = alice.get("/api/me").json()
    assert me["username"] == "alice" and len(me["csrf_token"]) >= 40


def test_login_refuses_wrong_passwords_and_unknown_people_alike(client):
    signup(client, "alice")
    wrong = login(client, "alice", "not the password")
    unknown = login(client, "nobody", PASSWORD)
    assert wrong.status == unknown.status == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers


def test_login_without_fields_is_invalid(client):
    assert client.post_json("/api/login", {}).status == 422
    assert client.post_json("/api/login", {"username": "a", "password": 5}).status == 422


def test_endpoints_need_a_session(client):
    for path in ("/api/me", "/api/feed", "/api/posts/1", "/api/users?q=a", "/api/users/a",
                 "/api/users/a/posts", "/api/friends", "/api/friends/requests"):
        answer = client.get(path)
        assert answer.status == 401, path
        assert answer.error_code == "unauthorized"
    assert client.post_json("/api/posts", {"body": "x"}).status == 401
    assert client.post_json("/api/logout").status == 401


def test_a_bad_bearer_token_is_not_rescued_by_the_cookie(make_user):
    alice = make_user("alice")
    assert alice.get("/api/me", headers={"Authorization": "Bearer forged"}).status == 401


def test_logout_ends_the_session_for_cookie_and_token(server, make_user):
    alice = make_user("alice")
    token_user = server.client().bearer(alice.login_token)
    out = alice.post_json("/api/logout")
    assert out.status == 204
    assert "mf_session" not in alice.cookies
    assert token_user.get("/api/me").status == 401


def test_logout_by_bearer_leaves_other_sessions_alone(server, make_user):
    alice = make_user("alice")
    second = server.client()
    token = login(second, "alice").json()["token"]
    assert second.bearer(token).post_json("/api/logout").status == 204
    assert second.get("/api/me").status == 401
    assert alice.get("/api/me").status == 200


def test_sessions_expire_after_their_ttl(server, clock, make_user):
    alice = make_user("alice")
    clock.advance(server.config.session_ttl - 5)
    assert alice.get("/api/me").status == 200
    clock.advance(10)
    assert alice.get("/api/me").status == 401


def test_presence_is_recorded_at_most_every_30_seconds(server, clock, make_user):
    alice = make_user("alice")
    seen = "SELECT last_seen_at FROM users WHERE username = 'alice'"
    alice.get("/api/me")
    first = server.db.query_value(seen)
    assert first == int(clock.now)
    clock.advance(20)
    alice.get("/api/me")
    assert server.db.query_value(seen) == first
    clock.advance(15)
    alice.get("/api/me")
    assert server.db.query_value(seen) == int(clock.now)


def test_login_backs_off_after_five_failures(server, clock, client):
    signup(client, "alice")
    for _ in range(5):
        assert login(client, "alice", "wrong password").status == 401
        clock.advance(10)
    blocked = login(client, "Alice")  # the right password, any letter case
    assert blocked.status == 429
    assert blocked.error_code == "rate_limited"
    # The fifth failure was 10 s ago; the sixth attempt waits 30 s after it.
    assert int(blocked.headers["retry-after"]) == 20
    clock.advance(20)
    assert login(client, "alice", "wrong again").status == 401
    # Each further failure doubles the wait: 60 s now.
    assert int(login(client, "alice").headers["retry-after"]) == 60
    clock.advance(60)
    assert login(client, "alice").status == 200


def test_a_successful_login_clears_earlier_failures(client):
    signup(client, "alice")
    for _ in range(4):
        assert login(client, "alice", "wrong password").status == 401
    assert login(client, "alice").status == 200
    for _ in range(4):
        assert login(client, "alice", "wrong password").status == 401
    assert login(client, "alice").status == 200


def test_the_backoff_doubles_up_to_its_ceiling(server):
    from handlers.auth import login_backoff_seconds
    config = server.config
    waits = [login_backoff_seconds(config, failures, 1000, 1000) for failures in range(4, 12)]
    assert waits == [0, 30, 60, 120, 240, 480, 900, 900]
    assert login_backoff_seconds(config, 7, 1000, 1100) == 20


def test_throttling_one_account_leaves_others_alone(client):
    signup(client, "alice")
    signup(client, "bob")
    for _ in range(6):
        login(client, "alice", "wrong password")
    assert login(client, "alice").status == 429
    assert login(client, "bob").status == 200

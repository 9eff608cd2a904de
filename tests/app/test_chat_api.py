"""Chat over the JSON API: friends only, paging, unread counts, read marks, limits."""

import pytest

from handlers.store import messages as message_store


@pytest.fixture
def pair(make_user, befriend):
    ann, bob = make_user("ann", "Ann Lee"), make_user("bob", "Bob Stone")
    befriend(ann, bob)
    return ann, bob


def send(client, to, body):
    return client.post_json(f"/api/messages/{to}", {"body": body})


def test_two_friends_exchange_messages(pair):
    ann, bob = pair
    sent = send(ann, "bob", "hi Bob")
    assert sent.status == 201
    message = sent.json()
    assert message["from"] == "ann" and message["to"] == "bob"
    assert message["body"] == "hi Bob" and message["read"] is False
    assert message["created_at"].endswith("Z")
    assert send(bob, "ann", "hello <Ann> & co").status == 201

    page = bob.get("/api/messages/ann").json()
    assert [(m["from"], m["body"]) for m in page["messages"]] == \
        [("bob", "hello <Ann> & co"), ("ann", "hi Bob")]
    assert page["next_before"] is None
    # The usernames are case-insensitive in URLs, as everywhere else.
    assert ann.get("/api/messages/BOB").status == 200


def test_strangers_cannot_read_or_write(pair, make_user, server):
    ann, _ = pair
    make_user("cyd")
    for answer in (send(ann, "cyd", "hi"), ann.get("/api/messages/cyd")):
        assert answer.status == 403
        assert answer.error_code == "forbidden"
    assert send(ann, "ann", "me, myself").status == 403
    assert message_store.max_message_id(server.db) == 0


def test_unknown_user_is_404_and_no_session_is_401(pair, client):
    ann, _ = pair
    assert send(ann, "nobody", "hi").status == 404
    assert ann.get("/api/messages/nobody").error_code == "not_found"
    for path in ("/api/messages", "/api/messages/ann", "/api/friends/online", "/api/events"):
        assert client.get(path).status == 401, path
    assert client.post_json("/api/messages/ann", {"body": "x"}).status == 401


@pytest.mark.parametrize("body, problem", [
    ("", "write something"), ("   \n ", "write something"), ("x" * 2001, "2,000"),
    (42, "text"), (None, "text"), ("bell\x07", "control"),
])
def test_bad_bodies_are_422_naming_the_field(pair, body, problem):
    ann, _ = pair
    answer = send(ann, "bob", body)
    assert answer.status == 422
    assert problem in answer.json()["error"]["fields"]["body"]


def test_body_limits_are_inclusive_and_not_json_is_refused(pair, server):
    ann, _ = pair
    assert send(ann, "bob", "x" * 2000).status == 201
    assert send(ann, "bob", "é").status == 201
    answer = ann.request("POST", "/api/messages/bob", body=b"body=hi",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status in (403, 415)  # a cookie session must send JSON (CSRF rule)
    bearer = server.client().bearer(ann.login_token)
    assert bearer.request("POST", "/api/messages/bob", body=b"{",
                          headers={"Content-Type": "application/json"}).status == 400
    assert bearer.post_json("/api/messages/bob", {"body": "by token"}).status == 201


def test_cross_origin_post_is_refused(pair):
    ann, _ = pair
    answer = ann.post_json("/api/messages/bob", {"body": "hi"},
                           headers={"Origin": "http://evil.example"})
    assert answer.status == 403


def test_unread_counts_and_reading_marks_them_read(pair, make_user, befriend):
    ann, bob = pair
    cyd = make_user("cyd")
    befriend(cyd, bob)
    send(ann, "bob", "one")
    send(ann, "bob", "two")
    send(cyd, "bob", "from cyd")
    send(bob, "ann", "my reply")

    conversations = bob.get("/api/messages").json()["conversations"]
    assert [(c["with"]["username"], c["last"]["body"], c["unread"]) for c in conversations] == \
        [("ann", "my reply", 2), ("cyd", "from cyd", 1)]
    assert conversations[0]["with"]["friendship"] == "friends"

    page = bob.get("/api/messages/ann").json()["messages"]
    assert all(m["read"] for m in page if m["from"] == "ann")
    assert [c["unread"] for c in bob.get("/api/messages").json()["conversations"]] == [0, 1]
    # Ann sees that Bob read hers; his reply stays unread until she opens it.
    last = ann.get("/api/messages").json()["conversations"][0]
    assert (last["last"]["body"], last["last"]["read"], last["unread"]) == ("my reply", False, 1)
    assert {m["body"]: m["read"] for m in ann.get("/api/messages/bob").json()["messages"]} == \
        {"one": True, "two": True, "my reply": True}


def test_conversation_pages_with_limit_and_before(pair):
    ann, bob = pair
    ids = [send(ann if i % 2 else bob, "bob" if i % 2 else "ann", f"m{i}").json()["id"]
           for i in range(5)]
    first = ann.get("/api/messages/bob?limit=2").json()
    assert [m["body"] for m in first["messages"]] == ["m4", "m3"]
    assert first["next_before"] == ids[3]
    second = ann.get(f"/api/messages/bob?limit=2&before={first['next_before']}").json()
    assert [m["body"] for m in second["messages"]] == ["m2", "m1"]
    last = ann.get(f"/api/messages/bob?limit=2&before={second['next_before']}").json()
    assert [m["body"] for m in last["messages"]] == ["m0"] and last["next_before"] is None
    assert ann.get("/api/messages/bob?limit=0").status == 400
    assert ann.get("/api/messages/bob?before=x").status == 400


def test_friends_no_more_cannot_chat_but_the_conversation_stays_listed(pair):
    ann, bob = pair
    send(ann, "bob", "bye?")
    assert ann.delete("/api/friends/bob").status == 204
    assert send(ann, "bob", "hello?").status == 403
    listed = bob.get("/api/messages").json()["conversations"]
    assert listed[0]["with"]["friendship"] == "none" and listed[0]["unread"] == 1


def test_online_friends_are_friends_active_in_the_last_two_minutes(pair, make_user, clock):
    ann, bob = pair
    make_user("cyd")  # active, but not a friend
    assert [u["username"] for u in ann.get("/api/friends/online").json()["online"]] == ["bob"]
    clock.advance(121)
    assert ann.get("/api/friends/online").json()["online"] == []
    bob.get("/api/me")
    online = ann.get("/api/friends/online").json()["online"]
    assert [(u["username"], u["friendship"]) for u in online] == [("bob", "friends")]

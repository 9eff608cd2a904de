"""A cap on friendships (`max_friends`): a request or an acceptance that would give
either side more friends than the cap is refused with 409 naming whose list is full,
in the JSON API and from the pages' buttons, and nothing is written."""

from __future__ import annotations

import pytest
from appclient import login, signup
from pages_helpers import flash_of, submit


def user(server, username, name=None):
    client = server.client()
    assert signup(client, username, name).status == 201
    logged_in = login(client, username)
    assert logged_in.status == 200
    client.user = logged_in.json()["user"]
    return client


def make_friends(a, b):
    assert a.post_json(f"/api/friends/{b.user['username']}").status == 201
    assert b.post_json(f"/api/friends/{a.user['username']}").status == 200


def rows(server, table, user_id):
    """Rows of `table` (friend_requests or friendships) that involve `user_id`."""
    sides = ("from_id", "to_id") if table == "friend_requests" else ("user_a", "user_b")
    return server.db.query_value(
        f"SELECT count(*) FROM {table} WHERE {sides[0]} = :id OR {sides[1]} = :id",
        {"id": user_id})


@pytest.fixture
def full(app_server):
    """alice, at the cap of 2 friends (bob and carol), and dave, a stranger."""
    server = app_server(max_friends=2)
    alice = user(server, "alice", "Alice Liddell")
    bob, carol = user(server, "bob"), user(server, "carol")
    dave = user(server, "dave", "Dave Jones")
    make_friends(alice, bob)
    make_friends(carol, alice)
    return server, alice, bob, carol, dave


def test_a_full_list_can_neither_send_nor_receive_a_request(full):
    server, alice, _, _, dave = full
    sent = alice.post_json("/api/friends/dave")
    assert sent.status == 409 and sent.error_code == "conflict", sent
    assert sent.json()["error"]["message"] == (
        "You have 2 friends, the most anyone can have here; unfriend someone before adding more.")
    received = dave.post_json("/api/friends/alice")
    assert received.status == 409 and received.error_code == "conflict", received
    assert "Alice Liddell has 2 friends, the most anyone can have" in \
        received.json()["error"]["message"]
    # Nothing half-written: no request, no friendship, no notification.
    assert rows(server, "friend_requests", dave.user["id"]) == 0
    assert rows(server, "friendships", dave.user["id"]) == 0
    assert dave.get("/api/users/alice").json()["friendship"] == "none"
    assert server.db.query_value("SELECT count(*) FROM notifications WHERE actor_id = :d"
                                 " OR recipient_id = :d", {"d": dave.user["id"]}) == 0


def test_accepting_is_refused_when_either_list_is_full(app_server):
    server = app_server(max_friends=2)
    alice = user(server, "alice", "Alice Liddell")
    bob, carol, dave, erin = (user(server, n) for n in ("bob", "carol", "dave", "erin"))
    # Asked before alice was full: dave asks alice, alice asks erin.
    assert dave.post_json("/api/friends/alice").status == 201
    assert alice.post_json("/api/friends/erin").status == 201
    make_friends(alice, bob)
    make_friends(alice, carol)
    refused = alice.post_json("/api/friends/dave")       # the acceptor is full
    assert refused.status == 409
    assert refused.json()["error"]["message"].startswith("You have 2 friends")
    refused = erin.post_json("/api/friends/alice")       # the one who asked is full
    assert refused.status == 409
    assert refused.json()["error"]["message"].startswith("Alice Liddell has 2 friends")
    # The requests still wait, and no friendship was written.
    assert rows(server, "friend_requests", alice.user["id"]) == 2
    assert rows(server, "friendships", alice.user["id"]) == 2
    assert alice.get("/api/users/dave").json()["friendship"] == "request_received"
    # Room again once alice unfriends someone.
    assert alice.delete("/api/friends/bob").status == 204
    accepted = alice.post_json("/api/friends/dave")
    assert accepted.status == 200 and accepted.json()["friendship"] == "friends"
    assert erin.post_json("/api/friends/alice").status == 409


@pytest.mark.parametrize("page", ["/friends", "/u/alice"])
def test_the_pages_buttons_say_whose_list_is_full(full, page):
    server, alice, _, _, dave = full
    answer = submit(dave, "/friends/alice/add", {"next": page}, from_page=page)
    assert answer.status == 303 and answer.headers["location"] == page
    shown = dave.get(page)
    assert shown.status == 200
    assert "Alice Liddell has 2 friends, the most anyone can have here" in flash_of(shown)
    answer = submit(alice, "/friends/dave/add", {"next": page}, from_page=page)
    assert answer.status == 303
    assert flash_of(alice.get(page)).startswith("You have 2 friends")
    assert rows(server, "friend_requests", dave.user["id"]) == 0
    assert rows(server, "friendships", dave.user["id"]) == 0

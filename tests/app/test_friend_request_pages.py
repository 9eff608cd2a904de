"""Pending friend requests are listed a page at a time (keyset, newest first) on the
home page, /friends and /api/friends/requests, and capped per sender and recipient."""

from __future__ import annotations

import re

import pytest


def pile_up(server, victim_id: int, count: int, *, direction: str = "incoming") -> list[str]:
    """`count` strangers with a request to (or from) the victim, written straight into
    sqlite; their usernames, oldest request first."""
    db = server.db
    names = [f"asker{i:04d}" for i in range(count)]
    db.execute_many("INSERT INTO users (username, name, password_hash, created_at)"
                    " VALUES (:name, :name, 'x', 0)", [{"name": n} for n in names])
    for name in names:
        other = db.query_value("SELECT id FROM users WHERE username = :n", {"n": name})
        pair = (other, victim_id) if direction == "incoming" else (victim_id, other)
        db.execute("INSERT INTO friend_requests (from_id, to_id, created_at)"
                   " VALUES (:a, :b, 0)", {"a": pair[0], "b": pair[1]})
    return names


@pytest.mark.parametrize("side", ["incoming", "outgoing"])
def test_the_api_pages_through_every_request_once(server, make_user, side):
    alice = make_user("alice")
    names = pile_up(server, alice.user["id"], 45, direction=side)
    seen, before, pages = [], None, 0
    while True:
        query = f"?limit=20&{side}_before={before}" if before else "?limit=20"
        body = alice.get("/api/friends/requests" + query).json()
        seen += [u["username"] for u in body[side]]
        before = body[f"{side}_next_before"]
        pages += 1
        if before is None:
            break
    assert seen == names[::-1] and pages == 3


def test_the_api_default_page_is_twenty_and_the_other_list_is_unaffected(server, make_user):
    alice = make_user("alice")
    make_user("bob")
    assert alice.post_json("/api/friends/bob").status == 201
    pile_up(server, alice.user["id"], 25)
    body = alice.get("/api/friends/requests").json()
    assert len(body["incoming"]) == 20 and body["incoming_next_before"] is not None
    assert [u["username"] for u in body["outgoing"]] == ["bob"]
    assert body["outgoing_next_before"] is None
    assert alice.get("/api/friends/requests?incoming_before=x").status == 400


def test_the_home_page_shows_the_newest_five_and_links_to_all(server, make_user):
    alice = make_user("alice")
    names = pile_up(server, alice.user["id"], 30)
    page = alice.get("/").text
    shown = [n for n in names if f"/u/{n}" in page]
    assert shown == names[-5:]
    assert "See all 30 requests" in page


def test_the_friends_page_pages_each_list(server, make_user):
    alice = make_user("alice")
    names = pile_up(server, alice.user["id"], 25)
    first = alice.get("/friends").text
    assert sum(f"/u/{n}\"" in first for n in names) == 20
    link = re.search(r'href="(/friends\?incoming_before=\d+#incoming)"', first).group(1)
    second = alice.get(link.split("#")[0]).text  # a browser keeps the fragment to itself
    assert [n for n in names if f"/u/{n}\"" in second] == names[:5]
    assert "More requests" not in second


def test_a_sender_with_too_many_pending_requests_is_told_to_cancel_some(app_server):
    server = app_server(max_pending_sent=2)
    alice = _user(server, "alice")
    for name in ("bob", "carol", "dave"):
        _user(server, name)
    assert alice.post_json("/api/friends/bob").status == 201
    assert alice.post_json("/api/friends/carol").status == 201
    refused = alice.post_json("/api/friends/dave")
    assert refused.status == 409 and refused.error_code == "conflict", refused
    assert "2 friend requests waiting" in refused.json()["error"]["message"]
    assert alice.delete("/api/friends/bob").status == 204
    assert alice.post_json("/api/friends/dave").status == 201


def test_a_recipient_with_too_many_pending_requests_gets_no_more(app_server):
    server = app_server(max_pending_received=2)
    dave = _user(server, "dave", "Dave Jones")
    askers = [_user(server, name) for name in ("bob", "carol", "erin")]
    assert [a.post_json("/api/friends/dave").status for a in askers] == [201, 201, 409]
    refused = askers[2].post_json("/api/friends/dave")
    assert "Dave Jones has too many friend requests waiting" in refused.json()["error"]["message"]
    # Accepting a pending request is never refused.
    assert dave.post_json("/api/friends/bob").status == 200
    assert askers[2].post_json("/api/friends/dave").status == 201


def _user(server, username, name=None):
    from appclient import login, signup
    client = server.client()
    assert signup(client, username, name).status == 201
    assert login(client, username).status == 200
    return client

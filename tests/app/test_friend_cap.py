"""A cap on friendships (`max_friends`): a request or an acceptance that would give
either side more friends than the cap is refused with 409 naming whose list is full,
in the JSON API and from the pages' buttons, and nothing is written."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from appclient import login, signup
from pages_helpers import flash_of, submit, visible_text


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


def add_friends(server, user_id: int, count: int) -> list[str]:
    """`count` friends of `user_id`, written straight into the database; their
    usernames in the order /friends lists them (by name)."""
    db = server.db
    names = [f"pal{i:03d}" for i in range(count)]
    db.execute_many("INSERT INTO users (username, name, password_hash, created_at)"
                    " VALUES (:u, :n, 'x', 0)",
                    [{"u": name, "n": f"Pal {name[3:]}"} for name in names])
    ids = [db.query_value("SELECT id FROM users WHERE username = :u", {"u": n}) for n in names]
    db.execute_many("INSERT INTO friendships (user_a, user_b, created_at) VALUES (:a, :b, 0)",
                    [{"a": min(user_id, i), "b": max(user_id, i)} for i in ids])
    return names


def friends_listed(page, names) -> list[str]:
    section = re.search(r'<section[^>]*id="friends-list".*?</section>', page.text, re.S)
    assert section, "no friends section"
    return [n for n in names if f'href="/u/{n}"' in section.group(0)]


def test_the_friends_page_lists_sixty_at_a_time(server, make_user):
    alice = make_user("alice")
    names = add_friends(server, alice.user["id"], 130)
    first = alice.get("/friends")
    assert friends_listed(first, names) == names[:60]
    assert 'Your friends <span class="count">130</span>' in first.text
    assert "1–60 of 130" in first.text
    link = re.search(r'href="(/friends\?friends_page=2)#friends-list" rel="next">More friends',
                     first.text).group(1)
    second = alice.get(link)
    assert friends_listed(second, names) == names[60:120]
    third = alice.get(re.search(r'href="(/friends\?friends_page=3)#friends-list" rel="next"',
                                second.text).group(1))
    assert friends_listed(third, names) == names[120:]
    assert "More friends" not in third.text and "No more friends." in third.text
    past = alice.get("/friends?friends_page=4")
    assert past.status == 200 and friends_listed(past, names) == []
    assert "No more friends." in visible_text(past)
    assert alice.get("/friends?friends_page=0").status == 400
    # The other people on the site are not a friend's page: with 60 or fewer, one page.
    bob = make_user("bob")
    alone = bob.get("/friends")
    assert "More friends" not in alone.text and "No more friends" not in alone.text
    assert "You have no friends here yet." in visible_text(alone)


def test_the_api_lists_all_friends_or_pages_them(server, make_user):
    alice = make_user("alice")
    names = add_friends(server, alice.user["id"], 130)
    whole = alice.get("/api/friends").json()
    assert [u["username"] for u in whole["friends"]] == names and whole["next_offset"] is None
    seen, offset, pages = [], 0, 0
    while offset is not None:
        body = alice.get(f"/api/friends?limit=50&offset={offset}").json()
        assert len(body["friends"]) <= 50
        seen += [u["username"] for u in body["friends"]]
        offset, pages = body["next_offset"], pages + 1
    assert seen == names and pages == 3
    assert [u["username"] for u in alice.get("/api/friends?offset=125").json()["friends"]] \
        == names[125:]
    assert alice.get("/api/friends?limit=101").status == 422
    assert alice.get("/api/friends?offset=-1").status == 400
    assert alice.get("/api/friends?offset=99999999999999999999999&limit=5").json() == {
        "friends": [], "next_offset": None}


def test_the_home_page_chat_and_profile_stay_bounded(server, make_user):
    alice = make_user("alice")
    names = add_friends(server, alice.user["id"], 130)
    server.db.execute("UPDATE users SET last_seen_at = :now WHERE id <> :me",
                      {"now": int(server.clock()), "me": alice.user["id"]})
    home = alice.get("/")
    box = re.search(r'<section[^>]*id="online-friends".*?</section>', home.text, re.S).group(0)
    assert [n for n in names if f'href="/chat/{n}"' in box] == names[:20]
    assert "More friends are online." in box
    online = alice.get("/api/friends/online?limit=20").json()["online"]
    assert [u["username"] for u in online] == names[:20]
    assert len(alice.get("/api/friends/online").json()["online"]) == 130
    chat = alice.get("/chat")
    assert [n for n in names if f'href="/chat/{n}"' in chat.text] == names[:60]
    assert 'href="/friends#friends-list">All your friends' in chat.text
    assert "130 friends" in visible_text(alice.get("/u/alice"))


def test_acceptances_at_once_never_pass_the_cap(app_server):
    """With PostgreSQL, requests run on several database threads at once; the check
    and the write are one serialised transaction, so only three of eight get through."""
    server = app_server(max_friends=3)
    alice = user(server, "alice")
    token = login(alice, "alice").json()["token"]
    askers = [user(server, f"asker{i}") for i in range(8)]
    for asker in askers:
        assert asker.post_json("/api/friends/alice").status == 201
    clients = [server.client().bearer(token) for _ in askers]
    with ThreadPoolExecutor(len(askers)) as pool:
        answers = list(pool.map(lambda i: clients[i].post_json(f"/api/friends/asker{i}"),
                                range(len(askers))))
    assert sorted(a.status for a in answers) == [200] * 3 + [409] * 5, answers
    assert rows(server, "friendships", alice.user["id"]) == 3
    assert rows(server, "friend_requests", alice.user["id"]) == 5

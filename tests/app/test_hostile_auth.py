"""Hostile logins and redirects: answers that give nothing away, targets that
cannot break a response or leave the site."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

import pytest
from appclient import PASSWORD, login

# passlib refuses to hash or verify more than 4096 bytes.
OVERLONG = "x" * 5000


def test_an_overlong_password_is_a_plain_401_for_known_and_unknown_people(make_user, client,
                                                                           caplog):
    make_user("alice")
    with caplog.at_level(logging.INFO):
        known = login(client, "alice", OVERLONG)
        unknown = login(client, "nobody", OVERLONG)
    assert (known.status, unknown.status) == (401, 401), (known, unknown)
    assert known.json() == unknown.json()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert login(client, "alice").status == 200


def test_overlong_passwords_count_towards_the_throttle(server, client, make_user):
    make_user("alice")
    for _ in range(server.config.login_failure_limit):
        assert login(client, "alice", OVERLONG).status == 401
    assert login(client, "alice").status == 429


def test_the_login_form_answers_an_overlong_password_like_a_wrong_one(make_user, client):
    make_user("alice")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post_form("/login", {"csrf_token": token, "username": "alice",
                                         "password": OVERLONG})
    assert answer.status == 422 and "Wrong username or password" in answer.text


def test_old_failed_logins_are_forgotten(server, client, clock):
    for name in ("ghost1", "ghost2"):
        assert login(client, name, "wrong password").status == 401
    clock.advance(server.config.login_failure_window + 1)
    assert login(client, "ghost3", "wrong password").status == 401
    names = {r["username"] for r in server.db.query_all("SELECT username FROM failed_logins")}
    assert names == {"ghost3"}


NEXT_TARGETS = [
    ("/%E2%82%AC", "/%E2%82%AC"),           # € is not latin-1: it cannot go in a header raw
    ("/caf%C3%A9?x=%C3%A9", "/caf%C3%A9?x=%C3%A9"),
    ("/%E2%80%A8x", "/%E2%80%A8x"),         # LINE SEPARATOR
    ("/%C2%85x", "/%C2%85x"),               # NEXT LINE
    ("/u/bob%3Fx%3D1", "/u/bob?x=1"),
    ("/a%2520b", "/a%20b"),                 # a literal "%20" stays as it was sent
]


@pytest.mark.parametrize("sent, location", NEXT_TARGETS)
def test_next_targets_become_ascii_locations(make_user, sent, location):
    alice = make_user("alice")
    answer = alice.get(f"/login?next={sent}")
    assert answer.status == 303, answer
    assert answer.headers["location"] == location


@pytest.mark.parametrize("sent, location", NEXT_TARGETS[:3])
def test_the_login_form_redirects_to_an_ascii_next(make_user, client, sent, location):
    make_user("alice")
    page = client.get(f"/login?next={sent}")
    assert page.status == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post_form("/login", {"csrf_token": token, "username": "alice",
                                         "password": PASSWORD, "next": unquote(sent)})
    assert answer.status == 303 and answer.headers["location"] == location


@pytest.mark.parametrize("username", ["x" * 10_000, "no spaces allowed", "ab", "名前"])
def test_a_name_no_account_can_have_is_401_and_not_stored(server, client, username):
    answer = login(client, username, "wrong password")
    assert answer.status == 401 and answer.error_code == "unauthorized"
    assert server.db.query_value("SELECT count(*) FROM failed_logins") == 0


FORGED = "x%0a2027-01-15%2008:00:00,000%20ERROR%20forged"


@pytest.mark.parametrize("method, path, headers", [
    ("POST", f"/api/friends/{FORGED}", {"Origin": "http://evil.example"}),
    ("POST", f"/friends/{FORGED}/add", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("GET", f"/api/users/{FORGED}", {}),
])
def test_a_path_cannot_forge_log_lines(make_user, caplog, method, path, headers):
    alice = make_user("alice")
    with caplog.at_level(logging.DEBUG):
        answer = alice.request(method, path, body=b"", headers={
            "Content-Type": "application/json", **headers})
    assert 400 <= answer.status < 500
    assert not [r for r in caplog.records if "\n" in r.getMessage()]

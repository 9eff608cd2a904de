"""Unbounded lists: a person with 5,000 friends (the cap), all online, made a 5.1 MB
/friends page, a 1 MB home page and a 2.1 MB chat page. Friends are capped per person
and every page lists a bounded number of them."""

from __future__ import annotations

import json
import sqlite3
import time

from hostile_support import assert_pages_small_and_fast, scaled, slowest_page_loads

PAGES = ("/", "/friends", "/friends?friends_page=50", "/chat", "/u/victim",
         "/api/friends?limit=100", "/api/friends/online?limit=20")


def _befriend_many(db_path, victim_id: int, count: int, now: int) -> None:
    """`count` friends of the victim, all seen just now, written straight into sqlite."""
    with sqlite3.connect(db_path) as db:
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
        db.executemany(
            "INSERT INTO users (id, username, name, password_hash, created_at, last_seen_at)"
            " VALUES (?, ?, ?, 'x', 1800000000, ?)",
            [(first + i, f"pal{i}", f"Pal {i:05d}", now) for i in range(count)])
        db.executemany(
            "INSERT INTO friendships (user_a, user_b, created_at) VALUES (?, ?, 1800000000)",
            [(min(victim_id, first + i), max(victim_id, first + i)) for i in range(count)])
        db.execute("INSERT INTO users (username, name, password_hash, created_at)"
                   " VALUES ('outsider', 'Outsider', 'x', 1800000000)")


def test_a_person_at_the_friend_cap_gets_small_fast_pages(hostile_server, prober, real_user):
    server = hostile_server(fast_hashing=True)
    victim = real_user(server, "victim")
    status, took, token = victim.login()
    me = json.loads(server.request("GET", "/api/me",
                                   headers={"Authorization": f"Bearer {token}"})[2])
    friends = server.app_config.max_friends            # 5,000: the cap, as `serve` has it
    _befriend_many(server.app_config.db_path, me["id"], friends, int(time.time()))
    cookie = {"Cookie": f"mf_session={token}"}
    with prober(server) as probe:
        seen = slowest_page_loads(server, PAGES, cookie, scaled(1.5, 10))
    # At the cap, one more is refused, and says why.
    refused = server.request("POST", "/api/friends/outsider",
                             headers={"Authorization": f"Bearer {token}"})
    assert refused[0] == 409, refused
    assert f"You have {friends:,} friends" in json.loads(refused[2])["error"]["message"]
    assert_pages_small_and_fast(f"{friends} friends, all online", seen, probe.report)

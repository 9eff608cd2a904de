"""Unbounded lists: 50,000 pending friend requests made a 49 MB home page and 2.2 s
of loop time per view. Every list of requests is now a page (keyset, newest first),
and pending requests are capped per sender and per recipient."""

from __future__ import annotations

import json
import sqlite3

from hostile_support import assert_pages_small_and_fast, scaled, slowest_page_loads

PAGES = ("/", "/friends", "/api/friends/requests", "/api/friends/requests?limit=100")


def _pile_up_requests(db_path, victim_id: int, count: int) -> None:
    """`count` strangers who each asked the victim, and as many the victim asked,
    written straight into sqlite (far faster than the API, and past the caps)."""
    with sqlite3.connect(db_path) as db:
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
        db.executemany(
            "INSERT INTO users (id, username, name, password_hash, created_at)"
            " VALUES (?, ?, ?, 'x', 1800000000)",
            [(first + i, f"stranger{i}", f"Stranger {i}") for i in range(2 * count)])
        db.executemany(
            "INSERT INTO friend_requests (from_id, to_id, created_at) VALUES (?, ?, 1800000000)",
            [(first + i, victim_id) for i in range(count)]
            + [(victim_id, first + count + i) for i in range(count)])


def test_thousands_of_pending_requests_keep_pages_small_and_fast(hostile_server, prober,
                                                                 real_user):
    server = hostile_server(fast_hashing=True)
    victim = real_user(server, "victim")
    status, took, token = victim.login()
    me = json.loads(server.request("GET", "/api/me",
                                   headers={"Authorization": f"Bearer {token}"})[2])
    pending = scaled(5000, 50_000)
    _pile_up_requests(server.app_config.db_path, me["id"], pending)
    cookie = {"Cookie": f"mf_session={token}"}
    with prober(server) as probe:
        # Keep loading the pages for a while (each once took seconds; now milliseconds).
        seen = slowest_page_loads(server, PAGES, cookie, scaled(1.5, 10))
    assert_pages_small_and_fast(f"{pending} pending each way", seen, probe.report)

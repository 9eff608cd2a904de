"""Pages reuse read results until the database changes, in this process or another."""

import pytest

from handlers.store import friends as friend_store
from handlers.store import posts as post_store
from handlers.store import sessions as session_store
from handlers.store.db import Database

# The read cache is sqlite's (PRAGMA data_version says cheaply that nothing
# changed); with PostgreSQL it is off and every read runs (handlers/readcache.py).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_home_page_reuses_its_queries_while_nothing_changes(server, make_user):
    alice = make_user("alice")
    alice.post_json("/api/posts", {"body": "first post", "visibility": "public"})
    assert "first post" in alice.get("/").text
    db = server.app.ctx.db
    statements = []
    db._conn.set_trace_callback(statements.append)
    try:
        page = alice.get("/")
    finally:
        db._conn.set_trace_callback(None)
    assert "first post" in page.text
    # Only the check for other processes' commits reaches sqlite.
    assert statements == ["PRAGMA data_version"], statements


def test_a_write_in_this_process_shows_on_the_next_page(server, make_user, befriend):
    alice, bob = make_user("alice"), make_user("bob")
    assert "Your feed is empty" in alice.get("/").text
    bob.post_json("/api/posts", {"body": "hello from bob", "visibility": "public"})
    assert "hello from bob" in alice.get("/").text
    befriend(bob, alice)
    assert "None of your friends is online" not in alice.get("/").text


def test_a_commit_by_another_process_shows_on_the_next_page(server, make_user):
    """Another connection to the same file stands for another worker process."""
    alice, bob = make_user("alice"), make_user("bob")
    assert "carol's post" not in alice.get("/").text
    other = Database(server.config.db_path)
    try:
        post_store.create_post(other, author_id=bob.user["id"], body="carol's post",
                               visibility="public", now=int(server.clock()))
        assert "carol's post" in alice.get("/").text
        friend_store.request_or_accept(other, from_id=bob.user["id"], to_id=alice.user["id"],
                                       now=int(server.clock()))
        assert 'data-badge="requests">' in alice.get("/").text
        # A session ended elsewhere (logout in another worker) ends here too.
        session_store.delete_user_sessions(other, user_id=alice.user["id"])
        assert alice.get("/api/me").status == 401
    finally:
        other.close()


def test_an_expired_session_is_not_served_from_the_cache(server, make_user, clock):
    alice = make_user("alice")
    assert alice.get("/api/me").status == 200
    clock.advance(server.config.session_ttl + 1)
    assert alice.get("/api/me").status == 401

"""`notification` events on /api/events: within a second of the action, from any
process sharing the database, and never about a post the recipient cannot see."""

import time

import pytest
from appclient import FAST_ARGON2, wait_for
from sse_reader import EventReader
from test_events_workers import same_session_on

import reactor
from handlers.app import create_app
from handlers.config import AppConfig

DELIVERY_SECONDS = 1.0


@pytest.fixture
def sibling(server):
    """A second app and server on the same data directory (its own connection and hub)."""
    config = AppConfig(data_dir=server.config.data_dir, database=server.config.database,
                       clock=server.clock, **FAST_ARGON2)
    app = create_app(config)
    other = reactor.Server(app, host="127.0.0.1", port=0, access_log=False,
                           shutdown_grace=1.0).start()
    yield other
    other.stop(timeout=2)
    app.close()


def test_a_like_through_another_process_reaches_the_author_live(server, sibling, make_user,
                                                                befriend):
    alice, bob = make_user("alice"), make_user("bob")
    befriend(alice, bob)
    post_id = alice.post_json("/api/posts", {"body": "rug", "visibility": "friends"}).json()["id"]
    with EventReader(server.port, cookies=alice.cookies) as events:
        wait_for(lambda: server.app.ctx.live.stream_count == 1)
        bob_there = same_session_on(sibling.port, bob)
        sent_at = time.monotonic()
        assert bob_there.post_json(f"/api/posts/{post_id}/like").status == 200
        event = events.next("notification", timeout=DELIVERY_SECONDS)
        note = event.json()
        assert (note["kind"], note["actor"]["username"], note["post_id"], note["read"]) == \
            ("like", "bob", post_id, False)
        assert note["id"] == alice.get("/api/notifications").json()["notifications"][0]["id"]
        assert event.received_at - sent_at < DELIVERY_SECONDS
        bob_there.close()


def test_a_notification_about_a_hidden_post_is_not_sent(server, make_user, befriend):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    befriend(alice, carol)
    hidden = alice.post_json("/api/posts", {"body": "h", "visibility": "public"}).json()["id"]
    shown = alice.post_json("/api/posts", {"body": "s", "visibility": "public"}).json()["id"]
    for post_id in (hidden, shown):
        bob.post_json(f"/api/posts/{post_id}/comments", {"body": "bob was here"})
    alice.patch_json(f"/api/posts/{hidden}", {"visibility": "private"})
    with EventReader(server.port, cookies=bob.cookies) as events:
        wait_for(lambda: server.app.ctx.live.stream_count == 1)
        alice.post_json(f"/api/posts/{hidden}/comments", {"body": "secret"})
        carol.post_json(f"/api/posts/{shown}/comments", {"body": "open"})
        note = events.next("notification", timeout=DELIVERY_SECONDS * 3).json()
        assert (note["kind"], note["actor"]["username"], note["post_id"]) == \
            ("reply", "carol", shown)
        time.sleep(0.5)
        assert [e for e in events.drain() if e.event == "notification"] == []

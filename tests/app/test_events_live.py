"""GET /api/events over real HTTP: messages, friend events and presence arrive live;
closed streams are cleaned up; heartbeats flow."""

import time

import pytest
from appclient import login, wait_for
from sse_reader import EventReader

from handlers.live import PRESENCE_INTERVAL_SECONDS
from handlers.store.live import STREAM_RENEW_SECONDS

# Live delivery promises well under a second; this is the bound the tests hold it to.
DELIVERY_SECONDS = 1.0


@pytest.fixture
def pair(make_user, befriend):
    ann, bob = make_user("ann", "Ann Lee"), make_user("bob", "Bob Stone")
    befriend(ann, bob)
    return ann, bob


def stream_of(server, client) -> EventReader:
    reader = EventReader(server.port, cookies=client.cookies)
    assert reader.status == 200
    return reader


def live_rows(server) -> list:
    return server.db.query_all("SELECT user_id FROM live_streams ORDER BY user_id")


def test_the_stream_is_an_uncached_event_stream(server, pair):
    ann, _ = pair
    with stream_of(server, ann) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        assert events.headers["cache-control"] == "no-store"


def test_a_message_reaches_the_friend_and_the_senders_other_tabs_within_a_second(server, pair,
                                                                                  make_user):
    ann, bob = pair
    cyd = make_user("cyd")
    with stream_of(server, bob) as bob_events, stream_of(server, ann) as ann_events, \
            stream_of(server, cyd) as cyd_events:
        sent_at = time.monotonic()
        message = ann.post_json("/api/messages/bob", {"body": "live hello"}).json()
        received = bob_events.next("message", timeout=DELIVERY_SECONDS)
        assert received.received_at - sent_at < DELIVERY_SECONDS
        assert received.json() == message
        assert ann_events.next("message", timeout=DELIVERY_SECONDS).json()["id"] == message["id"]
        # Delivered once, though both the immediate push and the poll saw it.
        time.sleep(0.6)  # two poll intervals: a duplicate would have arrived by now
        assert [e for e in bob_events.drain() if e.event == "message"] == []
        assert [e for e in cyd_events.drain() if e.event == "message"] == []


def test_friend_request_and_acceptance_are_events(server, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    with stream_of(server, bob) as bob_events, stream_of(server, ann) as ann_events:
        assert ann.post_json("/api/friends/bob").status == 201
        request = bob_events.next("friend_request", timeout=DELIVERY_SECONDS).json()
        assert (request["user"]["username"], request["user"]["friendship"]) == \
            ("ann", "request_received")
        assert bob.post_json("/api/friends/ann").status == 200
        accepted = ann_events.next("friend_accepted", timeout=DELIVERY_SECONDS).json()
        assert (accepted["user"]["username"], accepted["user"]["friendship"]) == \
            ("bob", "friends")


def test_closing_the_stream_frees_it_at_once(server, pair):
    ann, bob = pair
    events = stream_of(server, ann)
    wait_for(lambda: server.server.open_streams == 1)
    assert [r["user_id"] for r in live_rows(server)] == [ann.user["id"]]
    events.close()
    wait_for(lambda: server.server.open_streams == 0, timeout=2)
    wait_for(lambda: server.app.ctx.live.stream_count == 0, timeout=2)
    wait_for(lambda: live_rows(server) == [], timeout=2)
    # Messages still work with nobody connected (and the hub has no timer left).
    assert bob.post_json("/api/messages/ann", {"body": "later"}).status == 201


def test_logging_out_ends_that_sessions_streams(server, pair, clock):
    ann, _ = pair
    phone = server.client()                  # a second session of Ann's
    assert login(phone, "ann").status == 200
    with stream_of(server, ann) as events, stream_of(server, phone) as phone_events:
        assert ann.post_json("/api/logout").status == 204
        clock.advance(STREAM_RENEW_SECONDS)  # sessions are checked at each renewal
        assert events.ended.wait(timeout=2 * PRESENCE_INTERVAL_SECONDS + 1)
        wait_for(lambda: server.server.open_streams == 1)
        assert not phone_events.ended.is_set()


def test_heartbeat_comments_flow_on_a_quiet_stream(app_server, make_user):
    server = app_server(server_overrides={"stream_heartbeat": 0.1})
    client = server.client()
    client.post_json("/api/signup", {"username": "quiet", "name": "Q",
                                     "password": "correct horse battery"})
    client.post_json("/api/login", {"username": "quiet", "password": "correct horse battery"})
    with stream_of(server, client) as events:
        wait_for(lambda: events.comments >= 2, timeout=2)


def test_presence_follows_streams_and_activity(server, pair, make_user, befriend, clock):
    ann, bob = pair
    cyd = make_user("cyd")
    befriend(ann, cyd)
    clock.advance(300)  # everyone's last request is now old: all offline
    with stream_of(server, ann) as ann_events:
        # Bob connects: online. His stream keeps him online however long he is quiet.
        bob_events = stream_of(server, bob)
        online = ann_events.next("presence", timeout=2 * PRESENCE_INTERVAL_SECONDS).json()
        assert (online["user"]["username"], online["online"]) == ("bob", True)
        clock.advance(300)
        time.sleep(PRESENCE_INTERVAL_SECONDS + 0.3)
        assert [e for e in ann_events.drain() if e.event == "presence"] == []
        # Bob's last stream closes long after his last request: offline at once.
        bob_events.close()
        offline = ann_events.next("presence", timeout=2 * PRESENCE_INTERVAL_SECONDS).json()
        assert (offline["user"]["username"], offline["online"]) == ("bob", False)
        # Cyd makes a request without a stream: online for two minutes, then not.
        cyd.get("/api/me")
        event = ann_events.next("presence", timeout=2 * PRESENCE_INTERVAL_SECONDS).json()
        assert (event["user"]["username"], event["online"]) == ("cyd", True)
        clock.advance(121)
        event = ann_events.next("presence", timeout=2 * PRESENCE_INTERVAL_SECONDS).json()
        assert (event["user"]["username"], event["online"]) == ("cyd", False)


def test_online_friends_counts_a_live_stream(server, pair, clock):
    ann, bob = pair
    clock.advance(300)
    with stream_of(server, bob):
        clock.advance(300)  # Bob's stream is his only sign of life
        wait_for(lambda: [u["username"] for u in
                          ann.get("/api/friends/online").json()["online"]] == ["bob"])

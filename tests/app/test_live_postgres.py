"""Live delivery across machines: two MiniFace servers (separate data directories,
as two machines would have) on one PostgreSQL database. Rows are announced with
NOTIFY and each node's hub reads exactly those rows (handlers/live.py), so a chat
message sent through one node reaches a stream held by the other at once, with
no table polled for it."""

import time

import pytest
from appclient import login, signup, wait_for
from sse_reader import EventReader

from handlers.live import PRESENCE_INTERVAL_SECONDS

DELIVERY_SECONDS = 1.0
# These tests are about PostgreSQL itself: they run once, not per backend.
pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def two_nodes(fresh_pg_database, app_server):
    url = fresh_pg_database()
    return app_server(database=url), app_server(database=url)


def person(node, username):
    client = node.client()
    assert signup(client, username).status == 201
    answer = login(client, username)
    assert answer.status == 200
    client.user = answer.json()["user"]
    return client


def on_node(node, client):
    """`client`'s session, talking to another node (sessions live in the database)."""
    other = node.client()
    other.cookies = dict(client.cookies)
    other.user = client.user
    return other


def test_a_message_sent_through_one_node_reaches_a_stream_on_the_other(two_nodes, befriend):
    first, second = two_nodes
    ann, bob = person(first, "ann"), person(first, "bob")
    befriend(ann, bob)
    bob_there = on_node(second, bob)
    with EventReader(first.port, cookies=ann.cookies) as ann_events:
        wait_for(lambda: first.app.ctx.live.stream_count == 1)
        for body in ("first across", "second across"):
            sent_at = time.monotonic()
            sent = bob_there.post_json("/api/messages/ann", {"body": body})
            assert sent.status == 201, sent
            event = ann_events.next("message", timeout=DELIVERY_SECONDS)
            assert event.json()["id"] == sent.json()["id"] and event.json()["body"] == body
            assert event.received_at - sent_at < DELIVERY_SECONDS
        # Once each, although the stream's node also sees its own NOTIFYs.
        time.sleep(0.3)
        assert [e for e in ann_events.drain() if e.event == "message"] == []


def test_the_hub_reads_on_announcements_not_on_a_poll(two_nodes, befriend):
    first, _ = two_nodes
    hub = first.app.ctx.live
    assert hub.networked
    ann = person(first, "ann")
    with EventReader(first.port, cookies=ann.cookies):
        wait_for(lambda: hub.stream_count == 1)
        # The only timer is the presence check (a matter of the clock), once a
        # second, not the quarter-second poll sqlite uses.
        assert hub._timer is not None
        assert hub._timer.when - time.monotonic() <= PRESENCE_INTERVAL_SECONDS + 0.05
        assert hub._message_cursor == 0  # never read by cursor


def test_friend_requests_and_presence_cross_nodes(two_nodes, befriend):
    first, second = two_nodes
    ann, bob = person(first, "ann"), person(first, "bob")
    cyd = person(second, "cyd")
    befriend(ann, bob)
    first.clock.advance(300)
    second.clock.advance(300)  # both quiet: offline
    with EventReader(first.port, cookies=ann.cookies) as ann_events:
        wait_for(lambda: first.app.ctx.live.stream_count == 1)
        assert cyd.post_json("/api/friends/ann").status == 201  # through the other node
        request = ann_events.next("friend_request", timeout=DELIVERY_SECONDS * 2).json()
        assert request["user"]["username"] == "cyd"
        # Bob opens a stream on the other node: ann hears he is online.
        bob_events = EventReader(second.port, cookies=bob.cookies)
        online = ann_events.next("presence", timeout=3).json()
        assert (online["user"]["username"], online["online"]) == ("bob", True)
        bob_events.close()  # his only stream; and opening it was his last request:
        for node in two_nodes:  # two minutes later he is offline everywhere
            node.clock.advance(150)
        offline = ann_events.next("presence", timeout=3).json()
        assert (offline["user"]["username"], offline["online"]) == ("bob", False)


def test_the_loop_answers_while_requests_wait_on_the_database(server, make_user):
    """A request stuck on PostgreSQL (a lock held elsewhere) waits on its database
    thread; the loop keeps answering everyone else."""
    import threading

    import psycopg

    ann = make_user("ann")
    waiting = server.client()
    waiting.cookies = dict(ann.cookies)
    answers = []
    with psycopg.connect(server.config.database, autocommit=True) as blocker:
        with blocker.transaction():
            blocker.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
            stuck = threading.Thread(target=lambda: answers.append(waiting.get("/")))
            stuck.start()
            time.sleep(0.3)
            assert answers == []  # the home page waits for the lock
            started = time.monotonic()
            css = server.client().get("/assets/style.css")
            assert css.status == 200 and time.monotonic() - started < 2.0
        stuck.join(timeout=10)  # the lock is gone: the page finishes
    assert answers and answers[0].status == 200


def _events_until(reader, kinds: set, timeout: float) -> list:
    """Events in order until one of each of `kinds` has come (others kept too)."""
    got, deadline = [], time.monotonic() + timeout
    while not kinds <= {event.event for event in got}:
        got.append(reader.next(timeout=max(0.0, deadline - time.monotonic())))
    return got


def test_after_the_listener_reconnects_streams_get_what_they_missed_once(two_nodes, befriend):
    """NOTIFYs sent while a node's listening connection is down are lost; once it
    listens again, its hub replays from the tables what its streams missed (a
    message, a friend request and its notification), nothing twice, and later
    messages arrive as before."""
    import psycopg

    first, second = two_nodes
    ann, bob = person(first, "ann"), person(first, "bob")
    cyd = person(second, "cyd")
    befriend(ann, bob)
    bob_there = on_node(second, bob)
    listener, hub = first.app._listener, first.app.ctx.live
    with EventReader(first.port, cookies=ann.cookies) as ann_events:
        wait_for(lambda: hub.stream_count == 1)
        before = bob_there.post_json("/api/messages/ann", {"body": "before the gap"}).json()
        assert ann_events.next("message", timeout=DELIVERY_SECONDS * 3).json()["id"] == \
            before["id"]

        # Terminate the listening backend, and keep the listener away for a while.
        listener.reconnect_seconds = 4.0
        old_pid = listener.backend_pid
        with psycopg.connect(first.config.database, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,)).fetchone()[0]
        wait_for(lambda: not listener.listening.is_set(), timeout=5)
        missed = bob_there.post_json("/api/messages/ann", {"body": "sent in the gap"})
        assert missed.status == 201, missed
        assert cyd.post_json("/api/friends/ann").status == 201
        assert not listener.listening.is_set()  # committed while this node was not listening

        wait_for(lambda: listener.listening.is_set(), timeout=15)
        assert listener.backend_pid != old_pid
        got = _events_until(ann_events, {"message", "friend_request", "notification"},
                            timeout=5)
        messages = [event.json() for event in got if event.event == "message"]
        assert [m["id"] for m in messages] == [missed.json()["id"]]  # not "before" again
        assert [e.json()["user"]["username"] for e in got if e.event == "friend_request"] \
            == ["cyd"]
        note = next(e.json() for e in got if e.event == "notification")
        assert (note["kind"], note["actor"]["username"]) == ("friend_request", "cyd")

        after = bob_there.post_json("/api/messages/ann", {"body": "after the gap"}).json()
        assert ann_events.next("message", timeout=DELIVERY_SECONDS * 3).json()["id"] == \
            after["id"]
        time.sleep(0.5)
        assert [e for e in ann_events.drain() if e.event in ("message", "friend_request")] == []

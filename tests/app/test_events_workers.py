"""Live delivery between workers that share one data directory.

With `--workers N` the two people in a chat are usually connected to different
processes. Here a second MiniFace serves the same sqlite file: first a second
app in this process (its own database connection, hub and loop), then a real
`miniface serve` process. Events written through one must reach streams held
by the other within about a second.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from appclient import FAST_ARGON2, Client, login, signup, wait_for
from sse_reader import EventReader

import reactor
from handlers.app import create_app
from handlers.config import AppConfig

REPO = Path(__file__).resolve().parents[2]
DELIVERY_SECONDS = 1.0
STARTUP_SECONDS = 15
_LISTENING_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


@pytest.fixture
def server(app_server):
    # Real time: the second process below has no way to share a test clock.
    return app_server(clock=time.time)


@pytest.fixture
def first(server):
    """The first worker (`make_user` signs people up through it)."""
    return server


@pytest.fixture
def make_sibling():
    """`make_sibling(live)`: a second app and server on `live`'s data directory and
    clock, in this process (its own database connection, hub and loop)."""
    started = []

    def start(live):
        config = AppConfig(data_dir=live.config.data_dir, database=live.config.database,
                           clock=live.clock, **FAST_ARGON2)
        app = create_app(config)
        server = reactor.Server(app, host="127.0.0.1", port=0, access_log=False,
                                shutdown_grace=1.0).start()
        started.append((server, app))
        return server

    yield start
    for server, app in started:
        server.stop(timeout=2)
        app.close()


@pytest.fixture
def sibling(first, make_sibling):
    return make_sibling(first)


@pytest.fixture
def worker_process(first):
    """`miniface serve` in a child process on the same data directory; yields its port."""
    command = [sys.executable, "-m", "handlers.cli", "serve", "--host", "127.0.0.1",
               "--port", "0", "--data-dir", str(first.config.data_dir), "--no-access-log",
               *(["--database", first.config.database] if first.config.database else []),
               *[f"--{name.replace('_', '-')}={value}" for name, value in FAST_ARGON2.items()]]
    child = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        yield _port_from_log(child)
    finally:
        child.terminate()
        child.wait(timeout=10)
        child.stderr.close()


def _port_from_log(child) -> int:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        line = child.stderr.readline()
        if not line:
            break
        found = _LISTENING_RE.search(line)
        if found:
            return int(found.group(1))
    raise AssertionError("the worker process did not start listening")


@pytest.fixture
def pair(make_user, befriend, first):
    ann, bob = make_user("ann"), make_user("bob")
    befriend(ann, bob)
    return ann, bob


def same_session_on(port: int, client: Client) -> Client:
    """`client`'s session, talking to another worker (sessions live in the database)."""
    other = Client(port)
    other.cookies = dict(client.cookies)
    return other


def assert_message_crosses(sender: Client, reader: EventReader, body: str) -> None:
    sent_at = time.monotonic()
    sent = sender.post_json("/api/messages/ann", {"body": body})
    assert sent.status == 201
    event = reader.next("message", timeout=DELIVERY_SECONDS)
    assert event.json()["id"] == sent.json()["id"] and event.json()["body"] == body
    assert event.received_at - sent_at < DELIVERY_SECONDS


def test_message_sent_through_another_app_reaches_a_stream_held_here(first, sibling, pair):
    ann, bob = pair
    with EventReader(first.port, cookies=ann.cookies) as ann_events:
        wait_for(lambda: first.app.ctx.live.stream_count == 1)
        bob_elsewhere = same_session_on(sibling.port, bob)
        assert_message_crosses(bob_elsewhere, ann_events, "from the other worker")
        # Friend events cross too: Cyd's request, handled by the sibling.
        cyd = Client(sibling.port)
        cyd.post_json("/api/signup", {"username": "cyd", "name": "Cyd",
                                      "password": "correct horse battery"})
        cyd.post_json("/api/login", {"username": "cyd", "password": "correct horse battery"})
        assert cyd.post_json("/api/friends/ann").status == 201
        request = ann_events.next("friend_request", timeout=DELIVERY_SECONDS).json()
        assert request["user"]["username"] == "cyd"
        bob_elsewhere.close()
        cyd.close()


def test_presence_crosses_workers(app_server, make_sibling, befriend):
    here = app_server()                      # a test clock, shared with the sibling
    there = make_sibling(here)
    ann, bob = (person(here, name) for name in ("ann", "bob"))
    befriend(ann, bob)
    here.clock.advance(300)                  # both quiet: offline
    with EventReader(here.port, cookies=ann.cookies) as ann_events:
        bob_events = EventReader(there.port, cookies=bob.cookies)
        online = ann_events.next("presence", timeout=2).json()
        assert (online["user"]["username"], online["online"]) == ("bob", True)
        # Bob stays quiet for three minutes; the sibling renews his stream row.
        for _ in range(3):
            here.clock.advance(60)
            wait_for(lambda: here.db.query_value(
                "SELECT renewed_at FROM live_streams WHERE user_id = :id",
                {"id": bob.user["id"]}) >= here.clock.now - 1, timeout=3)
        assert [u["username"] for u in ann.get("/api/friends/online").json()["online"]] == \
            ["bob"]
        assert [e for e in ann_events.drain() if e.event == "presence"] == []
        bob_events.close()                   # his last stream, in the other worker
        offline = ann_events.next("presence", timeout=2).json()
        assert (offline["user"]["username"], offline["online"]) == ("bob", False)


def person(live, username: str) -> Client:
    client = live.client()
    assert signup(client, username).status == 201
    answer = login(client, username)
    client.user = answer.json()["user"]
    return client


def test_a_real_second_process_delivers_both_ways(first, worker_process, pair):
    ann, bob = pair
    bob_there = same_session_on(worker_process, bob)
    # A stream held by this process, a message sent through the child process...
    with EventReader(first.port, cookies=ann.cookies) as ann_events:
        assert_message_crosses(bob_there, ann_events, "from the child process")
    # ...and a stream held by the child process, a message sent through this one.
    with EventReader(worker_process, cookies=bob.cookies) as bob_events:
        wait_for(lambda: first.db.query_value(
            "SELECT count(*) FROM live_streams WHERE user_id = :id",
            {"id": bob.user["id"]}) == 1, timeout=2)
        sent_at = time.monotonic()
        sent = ann.post_json("/api/messages/bob", {"body": "to the child"}).json()
        event = bob_events.next("message", timeout=DELIVERY_SECONDS)
        assert event.json()["id"] == sent["id"]
        assert event.received_at - sent_at < DELIVERY_SECONDS
    bob_there.close()

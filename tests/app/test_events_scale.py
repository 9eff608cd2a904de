"""A thousand open event streams do not slow anyone else down.

The streams are real sockets holding `GET /api/events` open (one person with a
thousand tabs: one session, so the test spends its time on streams, not on
sign-ups; the per-session and per-user stream caps are raised for it, as the
test is about a process holding many streams). While they are open, the live hub polls, the reactor sweeps them for
heartbeats, and a plain request must still be answered promptly; a message
must still reach every one of them within a second.
"""

from __future__ import annotations

import http.client
import selectors
import socket
import statistics
import time

import pytest
from appclient import wait_for

STREAMS = 1000
# Generous bounds for a loaded 2-core CI machine; a quiet laptop answers in ~1 ms.
MAX_MEDIAN_SECONDS = 0.05
MAX_SINGLE_SECONDS = 0.5
DELIVERY_SECONDS = 1.0


def open_streams(port: int, cookie: str, count: int) -> list[socket.socket]:
    request = (f"GET /api/events HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(request)
        socks.append(sock)
    return socks


def latencies(port: int, path: str, count: int = 30) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    out = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            out.append(time.perf_counter() - started)
    finally:
        conn.close()
    return out


def readers_that_saw(socks: list[socket.socket], marker: bytes, timeout: float) -> int:
    """How many sockets received `marker` within `timeout` (reading everything)."""
    seen = 0
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:   # select() cannot watch fds over 1024
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ, bytearray())
        while seen < len(socks) and time.monotonic() < deadline:
            for key, _ in selector.select(max(0.0, deadline - time.monotonic())):
                key.data.extend(key.fileobj.recv(65536))
                if marker in key.data:
                    seen += 1
                    selector.unregister(key.fileobj)
    return seen


@pytest.fixture
def server(app_server):
    return app_server(max_streams_per_session=STREAMS, max_streams_per_user=STREAMS)


@pytest.fixture
def person(make_user):
    return make_user("many", "Many Tabs")


def test_a_thousand_streams_leave_requests_fast_and_all_get_the_message(server, person,
                                                                         make_user, befriend):
    friend = make_user("friend")
    befriend(person, friend)
    cookie = "; ".join(f"{k}={v}" for k, v in person.cookies.items())
    baseline = statistics.median(latencies(server.port, "/healthz"))
    socks = open_streams(server.port, cookie, STREAMS)
    try:
        wait_for(lambda: server.server.open_streams == STREAMS, timeout=20)
        assert server.app.ctx.live.stream_count == STREAMS
        times = latencies(server.port, "/healthz") + latencies(server.port, "/api/openapi.json", 10)
        assert statistics.median(times) < max(MAX_MEDIAN_SECONDS, 10 * baseline)
        assert max(times) < MAX_SINGLE_SECONDS

        friend.post_json("/api/messages/many", {"body": "to every tab"})
        assert readers_that_saw(socks, b"to every tab", DELIVERY_SECONDS) == STREAMS
    finally:
        for sock in socks:
            sock.close()
    wait_for(lambda: server.server.open_streams == 0, timeout=10)
    wait_for(lambda: server.app.ctx.live.stream_count == 0, timeout=5)

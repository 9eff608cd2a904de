"""Event streams per session and per user (issue #9, item 7).

One account holding thousands of `GET /api/events` streams used to make every
message to it cost loop time per stream. A session may hold at most
MAX_STREAMS_PER_SESSION streams and a user MAX_STREAMS_PER_USER: when a new one
opens past a cap, the oldest of that session (or user) is closed, so the newest
tab always works and streams left behind by a sleeping laptop cannot lock anyone
out. Logging out closes that session's streams in this process at once.
"""

from __future__ import annotations

import json
import time

from attacks import ConnectionHerd, head
from hostile_support import bearer_token, scaled

from handlers.config import MAX_STREAMS_PER_SESSION, MAX_STREAMS_PER_USER


def events_head(token: str) -> bytes:
    return head("GET", "/api/events", {"Authorization": f"Bearer {token}",
                                       "Accept": "text/event-stream"})


def befriend(server, a_token: str, b_token: str, b_name: str, a_name: str) -> None:
    asked = server.post_json(f"/api/friends/{b_name}", None,
                             {"Authorization": f"Bearer {a_token}"})
    assert asked[0] == 201, asked
    accepted = server.post_json(f"/api/friends/{a_name}", None,
                                {"Authorization": f"Bearer {b_token}"})
    assert accepted[0] == 200, accepted


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_one_session_holding_many_streams_keeps_only_its_newest(hostile_server, prober,
                                                                real_user):
    server = hostile_server(fast_hashing=True)
    user = real_user(server)
    hoarder = bearer_token(server, "hoarder")
    friend = bearer_token(server, "friend")
    befriend(server, hoarder, friend, "friend", "hoarder")
    count = scaled(1000, 3000)
    live = server.app.ctx.live
    with ConnectionHerd(server.port, count) as herd, prober(server) as probe:
        herd.send_all(events_head(hoarder))
        wait_until(lambda: server.server.connection_count <= MAX_STREAMS_PER_SESSION + 2
                   or live.stream_count >= count, timeout=20)
        for i in range(20):
            sent = server.post_json("/api/messages/hoarder", {"body": f"note {i}"},
                                    {"Authorization": f"Bearer {friend}"})
            assert sent[0] == 201, sent
        user.timed_login()
        open_now = live.stream_count
        answers = herd.answers(timeout=1.0)
    print(f"{count} streams of one session ({open_now} kept):", probe.report, "login", user.last_login)
    assert open_now <= MAX_STREAMS_PER_SESSION
    assert b"note 19" in answers[-1], answers[-1][-300:]  # the newest stream works
    assert b"note 19" not in answers[0]                  # the oldest was closed
    probe.report.assert_fast()
    user.check_last_login()


def test_a_user_with_many_sessions_keeps_only_their_newest_streams(hostile_server):
    server = hostile_server(fast_hashing=True)
    tokens = [bearer_token(server, "many")]
    for _ in range(MAX_STREAMS_PER_USER // MAX_STREAMS_PER_SESSION + 1):
        status, _, body = server.post_json("/api/login", {
            "username": "many", "password": "a real user's passphrase"})
        tokens.append(json.loads(body)["token"])
    live = server.app.ctx.live
    per_session = MAX_STREAMS_PER_SESSION
    with ConnectionHerd(server.port, per_session * len(tokens)) as herd:
        for i, sock in enumerate(herd.socks):
            sock.sendall(events_head(tokens[i // per_session]))
        assert wait_until(lambda: live.stream_count == MAX_STREAMS_PER_USER, timeout=10), \
            live.stream_count
        time.sleep(0.3)
        assert live.stream_count == MAX_STREAMS_PER_USER


def test_logging_out_closes_that_sessions_streams_at_once(hostile_server):
    server = hostile_server(fast_hashing=True)
    leaving = bearer_token(server, "leaving")
    status, _, body = server.post_json("/api/login", {
        "username": "leaving", "password": "a real user's passphrase"})
    staying = json.loads(body)["token"]
    live = server.app.ctx.live
    with ConnectionHerd(server.port, 3) as herd:
        herd.socks[0].sendall(events_head(leaving))
        herd.socks[1].sendall(events_head(leaving))
        herd.socks[2].sendall(events_head(staying))
        assert wait_until(lambda: live.stream_count == 3, timeout=5)
        out = server.request("POST", "/api/logout", headers={
            "Authorization": f"Bearer {leaving}", "Content-Type": "application/json"})
        assert out[0] == 204, out
        assert wait_until(lambda: live.stream_count == 1, timeout=1.0), live.stream_count
        answers = herd.answers(timeout=0.5)
    assert answers[0].endswith(b"0\r\n\r\n") and answers[1].endswith(b"0\r\n\r\n")
    assert not answers[2].endswith(b"0\r\n\r\n")

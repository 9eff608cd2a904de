"""Slow and large request bodies (issue #9, item 4).

A body must keep arriving: each `body_timeout` window must bring at least
`body_timeout * body_min_rate` bytes, so a client trickling a byte every few
seconds is cut off with 408 (the deadline is not restarted by every byte). What a
route may receive is decided from the head, before `100 Continue`; and the bytes
of all bodies being received at once have a global budget, past which new bodies
are refused with 503 and Retry-After.
"""

from __future__ import annotations

import time

from attacks import ConnectionHerd, Trickler, connect, head, read_answer, rss_bytes, status_of
from hostile_support import bearer_token, scaled

MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}


def test_bodies_trickled_a_byte_at_a_time_are_cut_off_at_their_deadline(
        hostile_server, prober, real_user):
    body_timeout = 2.0
    server = hostile_server(server={"body_timeout": body_timeout})
    user = real_user(server)
    count = scaled(100, 1000)
    with ConnectionHerd(server.port, count) as herd, prober(server) as probe:
        herd.send_all(head("POST", "/api/login", {**JSON, "Content-Length": "4000"}))
        with Trickler(herd.socks, interval=0.25) as trickle:
            deadline = time.monotonic() + body_timeout + 6
            while not trickle.all_answered() and time.monotonic() < deadline:
                time.sleep(0.1)
            user.timed_login()
    print("trickled bodies:", probe.report, "login", user.last_login)
    assert trickle.all_answered(), f"{len(trickle.answered_at)} of {count} were cut off"
    statuses = {status_of(answer) for answer in trickle.answers.values()}
    assert statuses == {408}, statuses
    assert max(trickle.answered_at.values()) < body_timeout + 3
    probe.report.assert_fast()
    user.check_last_login()


def test_held_bodies_have_a_global_budget_and_the_rest_get_503(hostile_server, prober,
                                                               real_user):
    server = hostile_server()
    user = real_user(server)
    token = bearer_token(server, "uploader")
    count = scaled(150, 400)
    fields = {"Authorization": f"Bearer {token}", "Content-Length": str(5 * MIB),
              "Content-Type": "multipart/form-data; boundary=x"}
    before = rss_bytes()
    with ConnectionHerd(server.port, count) as herd, prober(server) as probe:
        chunk = b"x" * (1000 * 1024)   # under the 1 MiB spill: held in memory
        for sock in herd.socks:
            sock.sendall(head("POST", "/api/posts", fields))
            try:
                sock.sendall(chunk)
            except OSError:
                pass  # refused and closed already
        time.sleep(0.5)
        grown = rss_bytes() - before
        user.timed_login()
        answers = herd.answers(timeout=1.0)
    print(f"held bodies: RSS grew {grown / MIB:.0f} MiB;", probe.report, "login", user.last_login)
    refused = [a for a in answers if status_of(a) == 503]
    assert refused and all(b"retry-after:" in a.lower() for a in refused)
    assert grown < 96 * MIB, f"RSS grew {grown / MIB:.0f} MiB"
    probe.report.assert_fast()
    user.check_last_login()


def test_a_login_body_is_refused_before_100_continue(hostile_server):
    server = hostile_server(fast_hashing=True)
    with connect(server.port) as sock:
        sock.sendall(head("POST", "/api/login", {**JSON, "Content-Length": str(MIB),
                                                 "Expect": "100-continue"}))
        answer = read_answer(sock, timeout=3)
    assert not answer.startswith(b"HTTP/1.1 100"), answer[:200]
    assert status_of(answer) == 413, answer[:200]

"""Admission limits (handlers/admission.py): hashing in flight per client and in
total, signups per address; refusals are immediate and say when to retry."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from appclient import signup, wait_for

import reactor
from handlers.admission import HashingGate
from handlers.errors import RateLimited, Unavailable


@pytest.fixture
def loop_server():
    server = reactor.Server(lambda request: reactor.Response.text("ok"), host="127.0.0.1",
                            port=0, access_log=False).start()
    yield server
    server.stop(timeout=2)


def on_loop(server, fn, *args):
    """Run `fn(*args)` on the server's loop thread (where the gate's counts live)."""
    done = threading.Event()
    result = {}

    def run():
        try:
            result["value"] = fn(*args)
        except Exception as exc:  # handed back to the test thread
            result["error"] = exc
        done.set()

    server.call_soon_threadsafe(run)
    assert done.wait(5)
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_the_gate_refuses_past_its_limits_and_frees_slots_when_work_ends(loop_server):
    gate = HashingGate(per_client=1, in_flight=2)
    release = threading.Event()
    first = on_loop(loop_server, gate.defer, loop_server, "a", release.wait, 5)
    with pytest.raises(RateLimited) as too_many:
        on_loop(loop_server, gate.defer, loop_server, "a", release.wait, 5)
    assert too_many.value.status == 429 and too_many.value.retry_after >= 1
    second = on_loop(loop_server, gate.defer, loop_server, "b", release.wait, 5)
    with pytest.raises(Unavailable) as full:
        on_loop(loop_server, gate.defer, loop_server, "c", release.wait, 5)
    assert full.value.status == 503 and ("Retry-After", "1") in full.value.headers
    release.set()
    assert first.result(5) and second.result(5)
    wait_for(lambda: on_loop(loop_server, gate.busy, "a") == 0)
    assert on_loop(loop_server, gate.defer, loop_server, "c", len, "x").result(5) == 1


def test_a_cancelled_job_frees_its_slot(loop_server):
    blocker = threading.Event()
    # Every pool thread busy, so the gated job waits in the queue and can be cancelled.
    blockers = [loop_server.defer(blocker.wait, 5)
                for _ in range(loop_server.config.pool_workers)]
    gate = HashingGate(per_client=1, in_flight=1)
    queued = on_loop(loop_server, gate.defer, loop_server, "b", len, "x")
    assert on_loop(loop_server, queued.cancel)
    wait_for(lambda: on_loop(loop_server, gate.busy, "b") == 0)
    blocker.set()
    for future in blockers:
        future.result(5)


def signup_from(address: str, port: int, username: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                      source_address=(address, 0))
    body = json.dumps({"username": username, "name": "N", "password": "long enough 1"})
    conn.request("POST", "/api/signup", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    answer = (response.status, response.getheader("Retry-After"), response.read())
    conn.close()
    return answer


def test_signups_are_throttled_per_address(app_server):
    server = app_server(signups_per_address=3, signup_window=3600)
    client = server.client()
    for name in ("one", "two", "three"):
        assert signup(client, name).status == 201
    refused = signup(client, "four")
    assert refused.status == 429 and refused.error_code == "rate_limited", refused
    assert int(refused.headers["retry-after"]) == 3600
    assert "Too many new accounts" in refused.json()["error"]["message"]
    assert signup_from("127.0.0.2", server.port, "five")[0] == 201
    server.clock.advance(3600)
    assert signup(client, "four").status == 201


def test_the_signup_form_says_when_to_come_back(app_server):
    from pages_helpers import submit, visible_text
    server = app_server(signups_per_address=1, signup_window=600)
    assert signup(server.client(), "first").status == 201
    result = submit(server.client(), "/signup", {"username": "second", "name": "Second",
                                                 "password": "long enough 1"},
                    from_page="/signup")
    assert result.status == 429 and result.headers["retry-after"] == "600"
    assert "Too many new accounts from here. Try again in 10 minutes." in \
        visible_text(result)
    assert 'value="second"' in result.text

"""The Connection state machine without sockets: bytes and `now` in, bytes out.

No server is involved: a connection needs only its config, an application and an
"output ready" callback. The tests play the channel's part by taking
`conn.output` as if it had been sent.
"""

from __future__ import annotations

import http.client
import os
import re
import time
from concurrent.futures import Future

import pytest
from rawclient import parse_responses
from sampleapp import build_app

import reactor
from reactor import Connection, ConnState, FileBody
from reactor.budgets import BodyBudget

GET_HELLO = b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"


class FunctionApp:
    """A function of the request as an application."""

    def __init__(self, fn):
        self.handle = fn


def new_conn(app=None, now=None, body_budget=None, **overrides):
    config = reactor.ServerConfig(**{"access_log": False, **overrides})
    conn = Connection(config, app if app is not None else build_app(), ("192.0.2.1", 40000),
                      now=now, on_output=lambda: conn.outputs_ready.append(1),
                      body_budget=body_budget)
    conn.outputs_ready = []  # one entry per "output ready" call, for the tests
    return conn


@pytest.fixture
def make_conn():
    return new_conn


def take_output(conn, now=None) -> bytes:
    """Everything queued, as the server would write it, then report it sent."""
    out = bytearray()
    while conn.output:
        segment = conn.output.popleft()
        if isinstance(segment, FileBody):
            out += os.pread(segment.fd, segment.count, segment.offset)
            segment.close()
        else:
            out += segment
    conn.output_size = 0
    conn.on_sent(time.monotonic() if now is None else now, len(out))
    return bytes(out)


def responses(conn, *methods):
    return parse_responses(take_output(conn), methods)


def feed(conn, data, now=None):
    conn.on_data(data, time.monotonic() if now is None else now)


# -- persistence ------------------------------------------------------------------


CLOSE_HELLO = b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"


def test_a_request_that_asks_to_close_with_nothing_after_it_closes_without_lingering(make_conn):
    conn = make_conn()
    feed(conn, CLOSE_HELLO)
    [response] = responses(conn, "GET")
    assert response.status == 200 and conn.should_close()
    assert not conn.needs_linger


@pytest.mark.parametrize("raw, closing", [
    (CLOSE_HELLO + b"GET /hello HTTP/1.1\r\n", True),        # bytes after it: drain them first
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9999999999\r\n\r\n", True),  # refused body
    (GET_HELLO, False),                                          # kept alive, then closed by us
])
def test_a_connection_lingers_when_the_peer_may_still_send(make_conn, raw, closing):
    conn = make_conn()
    feed(conn, raw)
    take_output(conn)
    assert conn.should_close() is closing
    assert conn.needs_linger


def test_connection_stays_open_after_a_response_by_default(make_conn):
    conn = make_conn()
    feed(conn, GET_HELLO)
    [response] = responses(conn)
    assert (response.status, response.body) == (200, b"Hello, World!")
    assert response.header("connection") == "keep-alive"
    assert response.header("content-length") == "13"
    assert response.header("date").endswith(" GMT")
    assert conn.state is ConnState.READING_HEAD and conn.wants_read()


def test_connection_close_from_the_client_is_honoured(make_conn):
    conn = make_conn()
    feed(conn, b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert conn.state is ConnState.CLOSING and not conn.should_close()
    [response] = responses(conn)
    assert response.header("connection") == "close"
    assert conn.should_close() and not conn.wants_read()


@pytest.mark.parametrize("extra, connection", [(b"", "close"),
                                               (b"Connection: keep-alive\r\n", "keep-alive")])
def test_http10_closes_unless_asked_to_keep_alive(make_conn, extra, connection):
    conn = make_conn()
    feed(conn, b"GET /hello HTTP/1.0\r\n" + extra + b"\r\n")
    [response] = responses(conn)
    assert response.header("connection") == connection
    assert (conn.state is ConnState.READING_HEAD) == (connection == "keep-alive")


def test_pipelined_requests_are_answered_in_order(make_conn):
    conn = make_conn()
    feed(conn, GET_HELLO
         + b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
         + b"HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"
         + b"GET /info?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")
    got = responses(conn, "GET", "POST", "HEAD", "GET")
    assert [r.status for r in got] == [200] * 4
    assert got[0].body == b"Hello, World!"
    assert got[1].body == b"abc"
    assert got[2].body == b"" and got[2].header("content-length") == "13"
    assert b'"query":"x=1"' in got[3].body
    assert conn.requests_served == 4


def test_half_closed_client_gets_its_answer_then_the_connection_closes(make_conn):
    conn = make_conn()
    feed(conn, GET_HELLO)
    feed(conn, b"")
    assert conn.state is ConnState.CLOSING
    [response] = responses(conn)
    assert response.status == 200 and conn.should_close()


def test_eof_in_the_middle_of_a_head_is_a_bad_request(make_conn):
    conn = make_conn()
    feed(conn, b"GET /hello HTTP/1.1\r\nHo")
    feed(conn, b"")
    [response] = responses(conn)
    assert response.status == 400 and conn.should_close()


# -- 100-continue -----------------------------------------------------------------

POST_EXPECT = b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"


def test_expect_continue_is_answered_before_the_body_arrives(make_conn):
    conn = make_conn()
    feed(conn, POST_EXPECT)
    assert take_output(conn) == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert conn.state is ConnState.READING_BODY
    feed(conn, b"body")
    [response] = responses(conn, "POST")
    assert (response.status, response.body) == (200, b"body")


def test_no_100_when_the_body_came_with_the_head(make_conn):
    conn = make_conn()
    feed(conn, POST_EXPECT + b"body")
    [response] = responses(conn, "POST")
    assert response.status == 200


def test_no_100_for_http10_clients(make_conn):
    conn = make_conn()
    feed(conn, POST_EXPECT.replace(b"HTTP/1.1", b"HTTP/1.0"))
    assert take_output(conn) == b""
    feed(conn, b"body")
    assert responses(conn, "POST")[0].body == b"body"


def test_body_over_the_limit_gets_413_instead_of_100(make_conn):
    conn = make_conn(max_body_bytes=3)
    feed(conn, POST_EXPECT)
    [response] = responses(conn, "POST")
    assert response.status == 413 and response.header("connection") == "close"
    assert conn.should_close()


# -- errors -------------------------------------------------------------------------


@pytest.mark.parametrize("data, status", [
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    (b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br\r\n\r\n", 501),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n", 414),
])
def test_protocol_error_is_answered_with_date_and_framing_then_closed(make_conn, data, status):
    conn = make_conn()
    feed(conn, data)
    assert conn.state is ConnState.CLOSING and not conn.wants_read()
    [response] = responses(conn)
    assert response.status == status
    assert response.header("date") and response.header("connection") == "close"
    assert int(response.header("content-length")) == len(response.body) > 0
    assert conn.should_close()


def test_nothing_after_a_bad_request_is_answered(make_conn):
    conn = make_conn()
    feed(conn, b"GET / HTTP/1.1\r\nHost : t\r\n\r\n" + GET_HELLO)
    assert [r.status for r in responses(conn)] == [400]


def test_handler_exception_is_500_and_the_connection_goes_on(make_conn, caplog):
    conn = make_conn()
    feed(conn, b"GET /boom HTTP/1.1\r\nHost: t\r\n\r\n" + GET_HELLO)
    first, second = responses(conn)
    assert first.status == 500 and first.header("connection") == "keep-alive"
    assert second.body == b"Hello, World!"
    assert "handler bug on purpose" in caplog.text


def test_http_error_becomes_its_status_and_headers(make_conn):
    conn = make_conn()
    feed(conn, b"GET /teapot HTTP/1.1\r\nHost: t\r\n\r\n")
    [response] = responses(conn)
    assert response.status == 418 and response.header("x-pot") == "1"
    assert response.body == b"short and stout\n"


def test_handler_returning_something_else_is_500():
    conn = new_conn(FunctionApp(lambda request: "not a response"))
    feed(conn, GET_HELLO)
    assert responses(conn)[0].status == 500


@pytest.mark.parametrize("bad", [
    ("X-Bad", "a\r\nSet-Cookie: evil=1"), ("X-Bad", "a\nSet-Cookie: evil=1"),
    ("X-Bad", "a\rSet-Cookie: evil=1"), ("X-Bad", "snow \u2603"), ("X Bad", "a"),
])
def test_header_that_cannot_be_sent_as_is_is_500_not_a_split_response(bad):
    headers = [("X-Fine", "1"), bad, ("X-Fine-Too", "2")]
    app = lambda request: reactor.Response(b"x", headers=headers)  # noqa: E731
    conn = new_conn(FunctionApp(app))
    for _ in range(2):  # a refused field list is not kept for next time
        feed(conn, GET_HELLO)
        [response] = responses(conn)
        assert response.status == 500 and response.header("set-cookie") is None
        conn = new_conn(FunctionApp(app))


def test_a_repeated_field_list_is_sent_from_the_encoded_cache_and_a_changed_one_is_not():
    headers = [("X-Kind", "first"), ("Cache-Control", "no-store")]
    app = lambda request: reactor.Response(b"x", headers=headers)  # noqa: E731
    conn = new_conn(FunctionApp(app))
    without_date = lambda raw: re.sub(rb"Date: [^\r]*\r\n", b"", raw)  # noqa: E731
    feed(conn, GET_HELLO)
    first = without_date(take_output(conn))
    feed(conn, GET_HELLO)
    assert without_date(take_output(conn)) == first and b"X-Kind: first\r\n" in first
    headers[0] = ("X-Kind", "second")
    feed(conn, GET_HELLO)
    [response] = parse_responses(take_output(conn))
    assert response.header("x-kind") == "second" and response.header("cache-control") == "no-store"
    headers[0] = ("X-Kind", "a\r\nSet-Cookie: evil=1")
    feed(conn, GET_HELLO)
    [response] = responses(conn)
    assert response.status == 500 and response.header("set-cookie") is None


def test_framing_headers_from_the_application_are_replaced_by_ours():
    headers = [("Content-Length", "999"), ("X-Kept", "1"), ("connection", "close"),
               ("Date", "yesterday"), ("Transfer-Encoding", "chunked")]
    app = lambda request: reactor.Response(b"body", headers=headers)  # noqa: E731
    conn = new_conn(FunctionApp(app))
    for _ in range(2):  # the second time the field names are known
        feed(conn, GET_HELLO)
        raw = take_output(conn)
        [response] = parse_responses(raw)
        assert response.status == 200 and response.body == b"body"
        assert response.header("x-kept") == "1" and response.header("content-length") == "4"
        assert raw.count(b"Date:") == 1 and b"yesterday" not in raw
        assert b"chunked" not in raw and b"Connection: keep-alive" in raw


# -- bodies without a body ----------------------------------------------------------------


@pytest.mark.parametrize("code", [204, 304])
def test_no_body_and_no_length_for_204_and_304(make_conn, code):
    conn = make_conn()
    feed(conn, b"GET /status/%d HTTP/1.1\r\nHost: t\r\n\r\n" % code + GET_HELLO)
    raw = take_output(conn)
    assert b"should never be sent" not in raw
    first, second = parse_responses(raw)
    assert first.status == code and first.header("content-length") is None
    assert second.body == b"Hello, World!"


def test_head_gets_the_get_length_and_no_body(make_conn):
    conn = make_conn()
    feed(conn, b"HEAD /big?n=5000 HTTP/1.1\r\nHost: t\r\n\r\n")
    raw = take_output(conn)
    assert raw.endswith(b"\r\n\r\n") and b"xxxx" not in raw
    assert parse_responses(raw, ["HEAD"])[0].header("content-length") == "5000"


def test_body_over_the_spill_size_reaches_the_handler_as_a_file(make_conn):
    conn = make_conn(body_spill_bytes=1024)
    body = bytes(range(256)) * 20
    feed(conn, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body))
    for i in range(0, len(body), 700):
        feed(conn, body[i:i + 700])
    [response] = responses(conn, "POST")
    assert response.header("x-spilled") == "yes" and response.body == body


def test_body_at_the_spill_size_stays_in_memory(make_conn):
    conn = make_conn(body_spill_bytes=1024)
    feed(conn, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" + b"b" * 1024)
    [response] = responses(conn, "POST")
    assert response.header("x-spilled") == "no" and response.body == b"b" * 1024


# -- timeouts, by passing a later `now` ---------------------------------------------------


def test_head_deadline_is_not_pushed_back_by_trickled_bytes(make_conn):
    t0 = time.monotonic()
    conn = make_conn(now=t0, head_timeout=10.0)
    feed(conn, b"G", now=t0)
    for i, byte in enumerate(b"ET /hello HTTP/1.1\r\n"):
        feed(conn, bytes([byte]), now=t0 + 0.4 * i)  # a byte every 0.4 s: slowloris
        conn.on_timeout(t0 + 0.4 * i)
    assert conn.deadline == t0 + 10.0
    conn.on_timeout(t0 + 9.99)
    assert conn.state is ConnState.READING_HEAD
    conn.on_timeout(t0 + 10.0)
    [response] = responses(conn)
    assert response.status == 408 and conn.should_close()


def test_a_stalled_body_times_out_one_window_after_its_head(make_conn):
    t0 = time.monotonic()
    conn = make_conn(now=t0, body_timeout=2.0)
    feed(conn, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab", now=t0)
    conn.on_timeout(t0 + 1.99)
    assert conn.state is ConnState.READING_BODY
    conn.on_timeout(t0 + 2.0)
    [response] = responses(conn, "POST")
    assert response.status == 408 and conn.should_close()


def trickle(conn, t0, chunk: bytes, every: float, times: int) -> None:
    """Feed `chunk` every `every` seconds, checking deadlines just before each."""
    for i in range(1, times + 1):
        conn.on_timeout(t0 + every * i - 0.001)
        if conn.state is not ConnState.READING_BODY:
            return
        feed(conn, chunk, now=t0 + every * i)


def test_a_byte_at_a_time_does_not_restart_the_body_deadline(make_conn):
    # Each 2 s window must bring body_timeout * body_min_rate = 200 bytes.
    t0 = time.monotonic()
    conn = make_conn(now=t0, body_timeout=2.0, body_min_rate=100)
    feed(conn, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n", now=t0)
    trickle(conn, t0, b"x", every=0.5, times=3)
    assert conn.deadline == t0 + 2.0
    conn.on_timeout(t0 + 2.0)
    [response] = responses(conn, "POST")
    assert response.status == 408


def test_a_body_at_the_minimum_rate_is_served_and_just_under_it_is_not(make_conn):
    head = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n"
    t0 = time.monotonic()
    at_rate = make_conn(now=t0, body_timeout=2.0, body_min_rate=100)
    feed(at_rate, head, now=t0)
    trickle(at_rate, t0, b"y" * 200, every=1.99, times=5)
    [response] = responses(at_rate, "POST")
    assert response.status == 200 and response.body == b"y" * 1000
    under = make_conn(now=t0, body_timeout=2.0, body_min_rate=100)
    feed(under, head, now=t0)
    trickle(under, t0, b"y" * 199, every=1.99, times=5)
    under.on_timeout(t0 + 2.0)
    [response] = responses(under, "POST")
    assert response.status == 408


def drain(conn, nbytes: int, now: float) -> None:
    """The peer read `nbytes` of the queued output (a bytes segment)."""
    conn.output[0] = conn.output[0][nbytes:]
    conn.output_size -= nbytes
    conn.on_sent(now, nbytes)


@pytest.mark.parametrize("per_window, dropped", [(300, False), (299, True)])
def test_a_reader_below_the_minimum_send_rate_is_dropped(make_conn, per_window, dropped):
    # Every 3 s window must drain write_timeout * send_min_rate = 300 bytes; a peer
    # that reads a little every few seconds no longer restarts the deadline.
    conn = make_conn(write_timeout=3.0, send_min_rate=100)
    t0 = time.monotonic()
    feed(conn, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"
         + b"z" * 5000, now=t0)
    for i in range(1, 6):
        conn.on_timeout(t0 + 2.99 * i)
        if conn.is_closed:
            break
        drain(conn, per_window, t0 + 2.99 * i)
    assert conn.is_closed is dropped


def post_head(length: int) -> bytes:
    return b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % length


def test_bodies_in_flight_share_one_budget_just_under_and_just_over(make_conn):
    budget = BodyBudget(1000)
    holding = make_conn(body_budget=budget)
    feed(holding, post_head(1000) + b"a" * 999)
    assert budget.held == 999
    fits = make_conn(body_budget=budget)
    feed(fits, post_head(1) + b"")                  # 999 + 1: just fits
    assert fits.state is ConnState.READING_BODY and not fits.output
    over = make_conn(body_budget=budget)
    feed(over, post_head(2) + b"\r\n")              # 999 + 2: refused before reading
    [refused] = responses(over, "POST")
    assert refused.status == 503 and refused.header("retry-after") == "5"
    chunked = make_conn(body_budget=budget)
    feed(chunked, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"2\r\nzz\r\n")                             # grows past the budget mid-body
    [refused] = responses(chunked, "POST")
    assert refused.status == 503
    feed(fits, b"b")
    feed(holding, b"a")
    assert [r.status for r in responses(fits, "POST") + responses(holding, "POST")] == [200, 200]
    assert budget.held == 0                          # answered bodies give their bytes back


def test_a_closed_connection_gives_its_body_bytes_back(make_conn):
    budget = BodyBudget(1000)
    conn = make_conn(body_budget=budget)
    feed(conn, post_head(1000) + b"a" * 700)
    assert budget.held == 700
    conn.close()
    assert budget.held == 0


class LimitedApp:
    """The sample app, with a body limit of 10 bytes for /small (the app hook)."""

    def __init__(self):
        self.inner = build_app()

    def handle(self, request):
        return self.inner.handle(request)

    def body_limit(self, request):
        return 10 if request.path == "/small" else None


@pytest.mark.parametrize("length, status", [(10, 404), (11, 413)])
def test_the_app_limits_a_body_from_its_head_before_100_continue(make_conn, length, status):
    conn = make_conn(app=LimitedApp())
    feed(conn, b"POST /small HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
               b"Content-Length: %d\r\n\r\n" % length)
    out = take_output(conn)
    assert out.startswith(b"HTTP/1.1 100 Continue") is (status != 413)
    if status == 413:
        assert out.startswith(b"HTTP/1.1 413 ") and conn.should_close()
        return
    feed(conn, b"x" * length)
    [response] = responses(conn, "POST")
    assert response.status == status


def test_the_app_limit_cuts_a_chunked_body_off_when_it_passes(make_conn):
    conn = make_conn(app=LimitedApp())
    feed(conn, b"POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"a\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n")
    [response] = responses(conn, "POST")
    assert response.status == 413


def test_idle_keep_alive_connection_closes_silently_after_the_timeout(make_conn):
    conn = make_conn(keepalive_timeout=5.0)
    feed(conn, GET_HELLO)
    sent_at = time.monotonic()
    take_output(conn, now=sent_at)
    conn.on_timeout(sent_at + 4.9)
    assert conn.state is ConnState.READING_HEAD
    conn.on_timeout(sent_at + 5.0)
    assert conn.is_closed and not conn.output


def test_new_connection_that_sends_nothing_closes_after_the_keep_alive_timeout(make_conn):
    t0 = time.monotonic()
    conn = make_conn(now=t0, keepalive_timeout=5.0, head_timeout=60.0)
    assert conn.deadline == t0 + 5.0
    conn.on_timeout(t0 + 5.0)
    assert conn.is_closed


def test_peer_that_reads_nothing_is_dropped_after_the_write_timeout(make_conn):
    conn = make_conn(write_timeout=3.0)
    feed(conn, GET_HELLO)
    queued_at = time.monotonic()
    assert conn.deadline <= queued_at + 3.0
    conn.on_timeout(queued_at + 3.0)
    assert conn.is_closed


# -- backpressure -----------------------------------------------------------------------------


def test_reading_stops_while_output_is_over_the_high_water_mark(make_conn):
    conn = make_conn(output_high_water=4096)
    feed(conn, b"GET /big?n=10000 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert conn.output_size > 4096 and not conn.wants_read()
    take_output(conn)
    assert conn.wants_read()


def test_pipelined_requests_wait_while_output_is_over_the_high_water_mark(make_conn):
    conn = make_conn(output_high_water=4096)
    feed(conn, b"GET /big?n=10000 HTTP/1.1\r\nHost: t\r\n\r\n" * 20)
    assert conn.requests_served == 1 and conn.output_size < 2 * 10000
    raw = take_output(conn)  # the peer reads the first answer: the second is made
    assert conn.requests_served == 2 and conn.output_size < 2 * 10000
    while conn.output:
        raw += take_output(conn)
    assert [r.status for r in parse_responses(raw)] == [200] * 20
    assert conn.requests_served == 20 and conn.state is ConnState.READING_HEAD


# -- deferred work ------------------------------------------------------------------------------


class FutureApp:
    """Every request is answered when the test completes its future."""

    def __init__(self):
        self.futures = []

    def handle(self, request):
        future = Future()
        self.futures.append(future)
        return future


def test_connection_waits_for_a_future_then_answers(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    assert conn.state is ConnState.WAITING
    # It reads on only to notice the client leaving; no deadline, nothing to send.
    assert conn.wants_read() and conn.deadline is None and not conn.output
    app.futures[0].set_result(reactor.Response.text("later"))
    assert conn.outputs_ready == [1]  # the driver is told to write
    [response] = responses(conn)
    assert response.body == b"later" and conn.state is ConnState.READING_HEAD


def test_a_client_that_leaves_while_waiting_cancels_the_future(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    feed(conn, b"")
    assert conn.state is ConnState.CLOSED and conn.should_close()
    assert app.futures[0].cancelled()


def test_pipelined_bytes_that_arrive_while_waiting_are_answered_next(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    feed(conn, GET_HELLO)  # the second request, sent before the first is answered
    assert conn.state is ConnState.WAITING and not app.futures[0].cancelled()
    app.futures[0].set_result(reactor.Response.text("one"))
    assert [r.body for r in responses(conn)] == [b"one"]
    assert len(app.futures) == 2  # once the first answer is out, the second is parsed
    app.futures[1].set_result(reactor.Response.text("two"))
    assert [r.body for r in responses(conn)] == [b"two"]


def test_waiting_stops_reading_after_a_heads_worth_of_pipelined_bytes(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    feed(conn, b"x" * conn.config.max_head_bytes)
    assert conn.state is ConnState.WAITING and not conn.wants_read()


def test_future_that_fails_becomes_a_500(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    app.futures[0].set_exception(ValueError("pool job failed"))
    assert responses(conn)[0].status == 500


def test_a_future_finished_before_it_is_returned_is_answered_at_once(make_conn):
    def app(request):
        future = Future()
        future.set_result(reactor.Response.text("already"))
        return future

    conn = make_conn(FunctionApp(app))
    feed(conn, GET_HELLO)
    assert responses(conn)[0].body == b"already" and conn.outputs_ready == []


def test_a_future_that_ends_after_the_client_left_is_dropped(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    conn.close()  # a reset, say: the future is cancelled, nothing is sent
    assert app.futures[0].cancelled()
    assert conn.is_closed and not conn.output and conn.outputs_ready == []


def test_a_future_already_running_when_the_client_left_ends_unanswered(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    app.futures[0].set_running_or_notify_cancel()  # as a pool thread starts the work
    feed(conn, b"")
    app.futures[0].set_result(reactor.Response.text("too late"))
    assert conn.is_closed and not conn.output and conn.outputs_ready == []


class Deferred(reactor.Handler):
    """Work on the pool, finished on the loop: the server reaches handlers."""

    def get(self):
        return self.server.then(self.server.defer(lambda: 6 * 7),
                                lambda n: reactor.Response.text(f"{n}"))


def test_then_runs_its_continuation_and_answers(serve):
    router = reactor.Router()
    router.add("/", Deferred)
    server = serve(router)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"42")
    conn.close()


# -- shutdown ---------------------------------------------------------------------------------


def test_shutdown_closes_an_idle_connection(make_conn):
    conn = make_conn()
    feed(conn, GET_HELLO)
    take_output(conn)
    conn.on_shutdown()
    assert conn.is_closed


def test_shutdown_lets_an_in_flight_request_finish_and_then_closes(make_conn):
    app = FutureApp()
    conn = make_conn(app)
    feed(conn, GET_HELLO)
    conn.on_shutdown()
    assert conn.state is ConnState.WAITING
    app.futures[0].set_result(reactor.Response.text("done"))
    [response] = responses(conn)
    assert response.body == b"done" and response.header("connection") == "close"
    assert conn.should_close()


# -- event streams ----------------------------------------------------------------------------


def open_stream(make_conn, version="1.1", method="GET", **overrides):
    registry = []
    conn = make_conn(build_app(registry), **overrides)
    feed(conn, f"{method} /stream HTTP/{version}\r\nHost: t\r\n\r\n".encode())
    return conn, registry


def test_stream_over_http11_is_chunked_and_delivers_events(make_conn):
    conn, [stream] = open_stream(make_conn)
    assert conn.state is ConnState.STREAMING and conn.is_streaming
    raw = take_output(conn)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head and b"text/event-stream" in head
    assert b"Content-Length" not in head
    event = b'event: greeting\nid: 1\ndata: {"hello":1}\n\n'
    assert body == b"%x\r\n%s\r\n" % (len(event), event)
    assert stream.send("two\nlines")
    assert take_output(conn) == b"17\r\ndata: two\ndata: lines\n\n\r\n"


def test_stream_over_http10_is_raw_and_ends_with_the_connection(make_conn):
    conn, [stream] = open_stream(make_conn, version="1.0")
    head, _, body = take_output(conn).partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head
    assert b"Connection: close" in head
    assert body == b'event: greeting\nid: 1\ndata: {"hello":1}\n\n'
    stream.close()
    assert take_output(conn) == b"" and conn.should_close()


def test_stream_close_sends_the_last_chunk_and_runs_callbacks(make_conn):
    conn, [stream] = open_stream(make_conn)
    closed = []
    stream.on_close(closed.append)
    take_output(conn)
    stream.close()
    assert take_output(conn) == b"0\r\n\r\n"
    assert closed == [stream] and not conn.is_streaming and conn.should_close()
    assert stream.send("late") is False


def test_stream_heartbeat_is_a_comment_after_silence(make_conn):
    conn, [stream] = open_stream(make_conn, stream_heartbeat=1.0)
    take_output(conn)
    now = time.monotonic()
    conn.heartbeat(now + 0.5)
    assert not conn.output
    conn.heartbeat(now + 1.1)
    assert take_output(conn) == b"3\r\n:\n\n\r\n"


def test_client_disconnect_closes_the_stream_and_runs_callbacks(make_conn):
    conn, [stream] = open_stream(make_conn)
    closed = []
    stream.on_close(closed.append)
    feed(conn, b"")
    assert conn.is_closed and closed == [stream] and not conn.is_streaming


def test_stream_reader_that_falls_behind_is_dropped(make_conn):
    conn, [stream] = open_stream(make_conn, output_high_water=1000)
    closed = []
    stream.on_close(closed.append)
    sent = 0
    while stream.send("x" * 100):
        sent += 1
        assert sent < 20
    assert conn.is_closed and closed == [stream] and not conn.is_streaming


def test_head_request_to_a_stream_gets_headers_only(make_conn):
    conn, [stream] = open_stream(make_conn, method="HEAD")
    raw = take_output(conn)
    assert raw.startswith(b"HTTP/1.1 200 ") and raw.endswith(b"\r\n\r\n")
    assert b"data:" not in raw and not conn.is_streaming
    assert stream.closed and conn.state is ConnState.READING_HEAD


def test_bytes_a_stream_client_sends_are_not_kept(make_conn):
    conn, _ = open_stream(make_conn)
    for _ in range(100):
        feed(conn, b"x" * 10000)
    assert conn.parser.buffered == 0 and conn.state is ConnState.STREAMING


def test_connection_finishing_a_response_during_shutdown_closes_once_sent(make_conn):
    conn = make_conn()
    feed(conn, b"GET /big?n=100000 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert conn.output  # the response went out with keep-alive, before shutdown
    conn.on_shutdown()
    assert not conn.is_closed
    take_output(conn)
    assert conn.is_closed


def test_then_gives_fn_result_and_carries_its_errors(serve):
    server = serve(lambda request: reactor.Response.text("unused"))
    ok = server.then(server.defer(lambda: 6), lambda n: n * 7)
    assert ok.result(timeout=3) == 42
    failed = server.then(server.defer(lambda: 1), lambda n: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failed.result(timeout=3)


def test_an_http_error_raised_in_a_then_continuation_is_its_response(serve):
    class Refuse(reactor.Handler):
        def get(self):
            def refuse(_):
                raise reactor.HTTPError(409, "taken")
            return self.server.then(self.server.defer(lambda: None), refuse)

    router = reactor.Router()
    router.add("/", Refuse)
    server = serve(router)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert (response.status, response.read()) == (409, b"taken\n")
    conn.close()

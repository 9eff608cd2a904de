"""HTTP/1.1 over real sockets: persistence, pipelining, 100-continue, rejections,
bodies, deferred work and many connections, against a server on port 0."""

from __future__ import annotations

import select
import socket
import threading
import time

import pytest
from rawclient import RawClient, get, wait_for

GET_HELLO = get()


def test_server_keeps_the_connection_open_between_requests(server):
    with RawClient(server.port) as client:
        for _ in range(3):
            response = client.request(GET_HELLO)
            assert (response.status, response.body) == (200, b"Hello, World!")
            assert response.header("connection") == "keep-alive"
        assert server.connection_count == 1


def test_server_closes_after_connection_close(server):
    with RawClient(server.port) as client:
        response = client.request(get(extra=b"Connection: close\r\n"))
        assert response.header("connection") == "close"
        assert client.is_closed_by_server()


def test_http10_closes_by_default(server):
    with RawClient(server.port) as client:
        response = client.request(b"GET /hello HTTP/1.0\r\n\r\n")
        assert response.body == b"Hello, World!" and response.header("connection") == "close"
        assert client.is_closed_by_server()


def test_http10_keep_alive_is_honoured(server):
    with RawClient(server.port) as client:
        for _ in range(2):
            response = client.request(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            assert response.header("connection") == "keep-alive"
        assert not client.is_closed_by_server(timeout=0.1)


def test_pipelined_requests_are_answered_in_order(server):
    with RawClient(server.port) as client:
        client.send(get(path="/info?n=1") + get(path="/slow?ms=50") + get(path="/info?n=3")
                    + b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nlast")
        bodies = [client.read_response().body for _ in range(4)]
    assert b'"query":"n=1"' in bodies[0]
    assert bodies[1] == b"slept 0.05"
    assert b'"query":"n=3"' in bodies[2]
    assert bodies[3] == b"last"


def test_expect_continue_gets_100_before_the_body_is_sent(server):
    with RawClient(server.port) as client:
        client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                    b"Content-Length: 5\r\n\r\n")
        interim = client.read_response()
        assert interim.status == 100
        client.send(b"hello")
        assert client.read_response("POST").body == b"hello"


def test_413_is_answered_before_the_body_is_sent(serve):
    server = serve(max_body_bytes=1000)
    with RawClient(server.port) as client:
        response = client.request(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n")
        assert response.status == 413 and response.header("connection") == "close"
        assert client.is_closed_by_server()


def test_413_for_a_huge_declared_body_with_expect_continue(server):
    with RawClient(server.port) as client:
        response = client.request(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                                  b"Content-Length: 100000000000\r\n\r\n")
        assert response.status == 413


def test_error_answer_survives_a_client_still_sending_its_body(serve):
    # Lingering close: the server drains what the client still sends, so the
    # kernel does not reset the connection and destroy the 413 before it is read.
    server = serve(max_body_bytes=1000)
    with RawClient(server.port) as client:
        client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3000000\r\n\r\n")
        sender = threading.Thread(target=_send_quietly, args=(client.sock, b"x" * 3000000))
        sender.start()
        response = client.read_response()
        sender.join(5)
    assert response.status == 413


def _send_quietly(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server may close once it has drained for a while


@pytest.mark.parametrize("raw, status", [
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: bad host\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: compress2\r\n\r\n", 501),
    (b"GET /" + b"a" * 8200 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 33000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: y\r\n" * 100 + b"\r\n", 431),
    (b"GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505),
])
def test_malformed_request_gets_its_status_with_date_and_the_connection_closes(server, raw, status):
    with RawClient(server.port) as client:
        response = client.request(raw)
        assert response.status == status
        assert response.header("date") and response.header("connection") == "close"
        assert int(response.header("content-length")) == len(response.body)
        assert client.is_closed_by_server()


def test_handler_exception_is_500_and_the_server_keeps_serving(server):
    with RawClient(server.port) as client:
        assert client.request(get(path="/boom")).status == 500
        assert client.request(GET_HELLO).body == b"Hello, World!"
    with RawClient(server.port) as client:
        assert client.request(GET_HELLO).status == 200


def test_half_closed_client_still_gets_its_response(server):
    with RawClient(server.port) as client:
        client.send(GET_HELLO)
        client.sock.shutdown(socket.SHUT_WR)
        assert client.read_response().body == b"Hello, World!"
        assert client.is_closed_by_server()
    wait_for(lambda: server.connection_count == 0)


def test_client_sending_one_byte_at_a_time_is_served(server):
    with RawClient(server.port) as client:
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc":
            client.send(bytes([byte]))
            time.sleep(0.001)
        assert client.read_response().body == b"abc"


def test_head_has_no_body_and_the_connection_stays_in_step(server):
    with RawClient(server.port) as client:
        response = client.request(get(path="/hello").replace(b"GET", b"HEAD"), "HEAD")
        assert response.header("content-length") == "13"
        assert client.request(GET_HELLO).body == b"Hello, World!"


@pytest.mark.parametrize("code", [204, 304])
def test_bodiless_statuses_keep_the_connection_in_step(server, code):
    with RawClient(server.port) as client:
        response = client.request(get(path=f"/status/{code}"))
        assert response.status == code and response.header("content-length") is None
        assert client.request(GET_HELLO).body == b"Hello, World!"


def test_every_response_carries_date(server):
    with RawClient(server.port) as client:
        for path in ("/hello", "/nowhere", "/boom", "/teapot", "/status/204"):
            assert client.request(get(path=path)).header("date"), path


def test_absolute_form_target_is_routed_by_its_path(server):
    with RawClient(server.port) as client:
        response = client.request(b"GET http://example.com/info?q=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b'"path":"/info"' in response.body and b'"query":"q=1"' in response.body


def test_options_asterisk_is_served(server):
    with RawClient(server.port) as client:
        response = client.request(b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n")
        assert response.status == 200 and b'"target":"*"' in response.body


def test_transfer_encoding_on_http10_closes_after_the_response(server):
    with RawClient(server.port) as client:
        response = client.request(b"POST /echo HTTP/1.0\r\nConnection: keep-alive\r\n"
                                  b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        assert response.body == b"abc" and response.header("connection") == "close"
        assert client.is_closed_by_server()


def test_chunked_upload_with_extensions_and_trailers(server):
    with RawClient(server.port) as client:
        response = client.request(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
                                  b"\r\n\r\n4;a=b\r\nwiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n")
        assert response.body == b"wikipedia"


def test_body_over_one_mib_spills_to_a_file(server):
    body = bytes(range(256)) * (5 * 1024)  # 1.25 MiB
    with RawClient(server.port) as client:
        response = client.request(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n"
                                  % len(body) + body)
        assert response.header("x-spilled") == "yes" and response.body == body
        small = client.request(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
        assert small.header("x-spilled") == "no"


# -- timeouts ----------------------------------------------------------------------------


def test_slowloris_head_times_out_although_bytes_keep_trickling(serve):
    server = serve(head_timeout=0.3)
    with RawClient(server.port) as client:
        started = time.monotonic()
        for byte in b"GET /hello HTTP/1.1\r\nX-Slow: " + b"a" * 200:
            client.send(bytes([byte]))
            if select.select([client.sock], [], [], 0.02)[0]:
                break  # the server answered
        assert client.read_response().status == 408
        assert time.monotonic() - started < 1.5


def test_stalled_body_gets_408(serve):
    server = serve(body_timeout=0.3)
    with RawClient(server.port) as client:
        client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        started = time.monotonic()
        assert client.read_response().status == 408
        assert 0.25 < time.monotonic() - started < 1.5


def test_idle_keep_alive_connection_is_closed(serve):
    server = serve(keepalive_timeout=0.3)
    with RawClient(server.port) as client:
        assert client.request(GET_HELLO).status == 200
        started = time.monotonic()
        assert client.is_closed_by_server(timeout=2)
        assert 0.25 < time.monotonic() - started < 1.5
    wait_for(lambda: server.connection_count == 0)


def test_reading_stops_while_the_client_does_not_read(serve):
    server = serve(output_high_water=64 * 1024)
    count, size = 300, 100_000
    with RawClient(server.port) as client:
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        client.send(get(path=f"/big?n={size}") * count)
        wait_for(lambda: server.connection_count == 1)
        [channel] = server._channels.values()
        wait_for(lambda: channel.mask and not channel.mask & 1)  # write interest only
        assert channel.conn.output_size <= 64 * 1024 + size + 1024
        assert channel.conn.requests_served < count
        for _ in range(count):
            assert len(client.read_response().body) == size


# -- deferred work and many connections ------------------------------------------------------


def test_deferred_job_does_not_delay_a_concurrent_request(server):
    with RawClient(server.port) as slow, RawClient(server.port) as quick:
        started = time.monotonic()
        slow.send(get(path="/slow?ms=200"))
        assert quick.request(GET_HELLO).status == 200
        assert time.monotonic() - started < 0.1
        assert slow.read_response().body == b"slept 0.2"
        assert time.monotonic() - started >= 0.2


def test_a_thousand_idle_connections_do_not_slow_another_client(server):
    idle = []
    try:
        for i in range(1000):
            sock = socket.create_connection(("127.0.0.1", server.port))
            if i % 2:
                sock.sendall(b"GET /hello HTTP/1.1\r\nHo")  # a partial head
            idle.append(sock)
        wait_for(lambda: server.connection_count >= 1000, timeout=10)
        started = time.monotonic()
        with RawClient(server.port) as client:
            assert client.request(GET_HELLO).status == 200
        assert time.monotonic() - started < 0.25
    finally:
        for sock in idle:
            sock.close()
    wait_for(lambda: server.connection_count == 0, timeout=10)


# -- default limits over a socket, just under and just over -------------------------------------

LINE_LIMIT, HEAD_LIMIT, FIELD_LIMIT = 8 * 1024, 32 * 1024, 100


def line_of(n):
    return b"GET /info/" + b"a" * (n - len(b"GET /info/ HTTP/1.1")) + b" HTTP/1.1"


def head_of(n):
    base = b"GET /info HTTP/1.1\r\nHost: t\r\nX-Pad: \r\n\r\n"
    return base.replace(b"X-Pad: ", b"X-Pad: " + b"p" * (n - len(base)))


def fields(n):
    return b"GET /info HTTP/1.1\r\nHost: t\r\n" + b"X: y\r\n" * (n - 1) + b"\r\n"


@pytest.mark.parametrize("raw, status", [
    (line_of(LINE_LIMIT) + b"\r\nHost: t\r\n\r\n", 200),
    (line_of(LINE_LIMIT + 1) + b"\r\nHost: t\r\n\r\n", 414),
    (head_of(HEAD_LIMIT), 200),
    (head_of(HEAD_LIMIT + 1), 431),
    (fields(FIELD_LIMIT), 200),
    (fields(FIELD_LIMIT + 1), 431),
], ids=["line-at", "line-over", "head-at", "head-over", "fields-at", "fields-over"])
def test_default_limits_just_under_and_just_over(server, raw, status):
    with RawClient(server.port) as client:
        response = client.request(raw)
        assert response.status == status
        if status == 200:
            assert client.request(GET_HELLO).status == 200  # and the connection goes on


@pytest.mark.parametrize("length, status", [(1000, 200), (1001, 413)])
def test_body_limit_just_under_and_just_over(serve, length, status):
    server = serve(max_body_bytes=1000)
    with RawClient(server.port) as client:
        client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % length)
        if status == 200:
            client.send(b"b" * length)
        response = client.read_response()
        assert response.status == status
        assert response.body == b"b" * length or status == 413

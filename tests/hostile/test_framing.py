"""Framing a peer could read another way (issue #9, item 9, the reactor's part):
chunk extensions with a bare CR or an unterminated quote, a chunk size with
trailing spaces, and an unknown `Expect` are refused at once, in the app's
JSON error shape, and the connection is closed."""

from __future__ import annotations

import json

import pytest
from attacks import connect, read_answer, status_of

CHUNKED = (b"POST /api/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n")


@pytest.mark.parametrize("request_bytes, status", [
    (CHUNKED + b"2;a\rb\r\n{}\r\n0\r\n\r\n", 400),           # bare CR in an extension
    (CHUNKED + b'2;q="open\r\n{}\r\n0\r\n\r\n', 400),        # unterminated quoted value
    (CHUNKED + b"2  \r\n{}\r\n0\r\n\r\n", 400),              # size with trailing spaces
    (b"POST /api/login HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\n"
     b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 417),
])
def test_ambiguous_framing_is_refused_and_the_connection_closed(hostile_server,
                                                                 request_bytes, status):
    server = hostile_server(fast_hashing=True)
    with connect(server.port) as sock:
        sock.sendall(request_bytes)
        answer = read_answer(sock, timeout=3)
        sock.settimeout(3)
        assert sock.recv(1) == b""                      # closed after the answer
    assert status_of(answer) == status, answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["message"]

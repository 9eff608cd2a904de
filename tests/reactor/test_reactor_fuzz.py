"""Seeded fuzzing: random and mutated requests never crash the parser, the
connection or the loop, and the server answers a good request afterwards."""

from __future__ import annotations

import logging
import random
import socket

import pytest
from parsing import events_from
from rawclient import RawClient, get

SEEDS = [
    b"GET /hello HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;x=y\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
    b"GET /info?a=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
    b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /info HTTP/1.1\r\nHost: t\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
]
TOKENS = [b"\r", b"\n", b"\r\n", b"\x00", b" ", b"\t", b":", b";", b",", b"\xff", b"\x7f",
          b"0", b"9", b"f", b"-1", b"99999999999999999999", b"chunked", b"Content-Length: 3\r\n",
          b"Transfer-Encoding: chunked\r\n", b"Host: x\r\n", b"%", b"%00", b"/..", b"HTTP/1.1"]
ALLOWED_STATUSES = {400, 413, 414, 417, 431, 501, 505}


def mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(data))
        kind = rng.randrange(6)
        if kind == 0 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:
            data[pos:pos] = rng.choice(TOKENS)
        elif kind == 2:
            del data[pos:pos + rng.randint(1, 8)]
        elif kind == 3:
            data[pos:pos] = data[pos:pos + rng.randint(1, 40)] * rng.randint(1, 3)
        elif kind == 4:
            del data[pos:]
        else:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
    return bytes(data)


def fuzz_case(rng: random.Random) -> bytes:
    if rng.random() < 0.1:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    return mutate(rng, rng.choice(SEEDS))


def random_pieces(rng: random.Random, data: bytes):
    if len(data) < 2:
        return [data] if data else []
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 8))))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@pytest.mark.parametrize("seed", range(4))
def test_parser_survives_mutated_input_the_same_way_however_it_is_split(seed):
    rng = random.Random(seed)
    for _ in range(4000):
        data = fuzz_case(rng)
        whole = events_from(data, eof=True)  # only ProtocolError may escape: anything else fails
        if whole and whole[-1][0] == "error":
            assert whole[-1][1] in ALLOWED_STATUSES, (data, whole)
        assert events_from(*random_pieces(rng, data), eof=True) == whole, data


def exchange(port: int, data: bytes) -> bytes:
    """Send `data`, half-close, and read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may have answered and closed already
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_server_survives_mutated_requests_and_still_answers(serve, caplog):
    caplog.set_level(logging.ERROR, logger="reactor")
    server = serve(head_timeout=0.5, body_timeout=0.5, keepalive_timeout=0.5)
    rng = random.Random(20240601)
    statuses = set()
    for _ in range(800):
        reply = exchange(server.port, fuzz_case(rng))
        assert reply == b"" or reply.startswith(b"HTTP/1.1 "), reply[:80]
        statuses.add(reply[9:12])
    assert {b"200", b"400"} <= statuses  # the cases reach both handlers and the parser's checks
    assert server._thread.is_alive()
    with RawClient(server.port) as client:
        assert client.request(get()).body == b"Hello, World!"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR
              and "handler bug on purpose" not in r.getMessage()]
    assert errors == []

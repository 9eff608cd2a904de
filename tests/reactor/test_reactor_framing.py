"""The framing choice is a pure function of method, version, status and body."""

from __future__ import annotations

import os

import pytest

from reactor import EventStream, FileBody
from reactor.framing import BYTES, FILE, STREAM, STREAM_HEAD, choose_framing


@pytest.mark.parametrize("method, status, expected", [
    ("GET", 200, (BYTES, 5, True, False)),
    ("HEAD", 200, (BYTES, 5, False, False)),      # HEAD: the GET's length, no body
    ("GET", 204, (BYTES, None, False, False)),    # no body and no length
    ("GET", 304, (BYTES, None, False, False)),
    ("GET", 101, (BYTES, None, False, False)),
    ("POST", 404, (BYTES, 5, True, False)),
])
def test_bytes_get_a_content_length_unless_the_status_has_no_body(method, status, expected):
    assert choose_framing(method, "1.1", status, b"hello") == expected


def test_a_file_is_announced_with_its_byte_count(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    body = FileBody(os.open(path, os.O_RDONLY), 2, 7)
    try:
        assert choose_framing("GET", "1.1", 200, body) == (FILE, 7, True, False)
        assert choose_framing("HEAD", "1.0", 200, body) == (FILE, 7, False, False)
    finally:
        body.close()


@pytest.mark.parametrize("method, version, expected", [
    ("GET", "1.1", (STREAM, None, True, True)),
    ("GET", "1.0", (STREAM, None, True, False)),   # raw bytes; the close ends it
    ("HEAD", "1.1", (STREAM_HEAD, None, False, True)),
])
def test_a_stream_is_chunked_for_http11_and_raw_for_http10(method, version, expected):
    assert choose_framing(method, version, 200, EventStream()) == expected


def test_a_stream_with_an_error_status_is_an_empty_body():
    assert choose_framing("GET", "1.1", 503, EventStream()) == (BYTES, 0, True, False)

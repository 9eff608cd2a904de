"""Body readers on their own: bytes in, Data and END_OF_MESSAGE out."""

from __future__ import annotations

import pytest

from reactor import END_OF_MESSAGE, NEED_DATA, FieldsTooLarge, MalformedRequest, config
from reactor.readers import ChunkedReader, ContentLengthReader

CHUNKED = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n"


def read_all(reader, *pieces) -> bytes:
    """Feed `pieces` one at a time; the body, checking it ends exactly once."""
    buf, body = bytearray(), bytearray()
    for piece in pieces:
        buf += piece
        while (event := reader.read(buf, False)) is not NEED_DATA:
            if event is END_OF_MESSAGE:
                assert piece is pieces[-1] and not buf
                return bytes(body)
            body += event.data
    raise AssertionError("no END_OF_MESSAGE")


def test_content_length_reader_takes_exactly_its_length():
    reader = ContentLengthReader(5)
    buf = bytearray(b"helloGET")
    assert reader.read(buf, False).data == b"hello"
    assert reader.read(buf, False) is END_OF_MESSAGE and buf == b"GET"


@pytest.mark.parametrize("cut", range(1, len(CHUNKED)))
def test_chunked_body_is_the_same_wherever_the_bytes_split(cut):
    assert read_all(ChunkedReader(1000), CHUNKED[:cut], CHUNKED[cut:]) == b"hello world"


def test_unfinished_trailers_over_their_limit_are_431_by_type():
    buf = bytearray(b"0\r\n" + b"X" * (config.MAX_TRAILER_BYTES + 1))
    with pytest.raises(FieldsTooLarge) as excinfo:
        ChunkedReader(1000).read(buf, False)
    assert excinfo.value.status == 431


def test_a_trailer_line_over_the_limit_is_431_whole_or_trickled():
    line = b"X-Long: " + b"v" * config.MAX_TRAILER_BYTES + b"\r\n\r\n"
    whole = bytearray(b"0\r\n" + line)
    with pytest.raises(FieldsTooLarge):
        ChunkedReader(1000).read(whole, False)
    reader, buf = ChunkedReader(1000), bytearray()
    with pytest.raises(FieldsTooLarge):
        for byte in b"0\r\n" + line:
            buf.append(byte)
            assert reader.read(buf, False) is NEED_DATA


def test_a_chunk_size_line_over_its_limit_is_400_whole_or_trickled():
    line = b"1" + b" " * (config.MAX_CHUNK_LINE_BYTES + 1) + b"\r\n"
    with pytest.raises(MalformedRequest) as excinfo:
        ChunkedReader(1000).read(bytearray(line), False)
    assert excinfo.value.status == 400


def test_unfinished_chunk_size_line_over_its_limit_is_400():
    buf = bytearray(b"1" + b" " * (config.MAX_CHUNK_LINE_BYTES + 1))
    with pytest.raises(MalformedRequest) as excinfo:
        ChunkedReader(1000).read(buf, False)
    assert excinfo.value.status == 400


def test_body_cut_short_by_eof_is_malformed():
    chunked = ChunkedReader(1000)
    buf = bytearray(b"5\r\nhel")
    assert chunked.read(buf, False).data == b"hel"
    with pytest.raises(MalformedRequest):
        chunked.read(buf, True)
    with pytest.raises(MalformedRequest):
        ContentLengthReader(5).read(bytearray(), True)

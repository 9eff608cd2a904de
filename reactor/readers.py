"""Body readers: one per framing, and for chunked bodies one small step per part.

As in h11's `_readers.py`, the parser picks a reader by the request's framing
(RFC 9112 §6.3) and asks it for events with `read(buf, eof)`: a `Data`, then
`END_OF_MESSAGE`, or `NEED_DATA`. A reader consumes what it uses from `buf` and
raises a `ProtocolError` when the framing is broken.

A chunked body is a sequence of parts, each with its own step:

    size line --size > 0--> data --all of it--> CRLF --> size line ...
    size line --size 0--> trailer lines --blank line--> end of message

`ChunkedReader._step` is the step for the part that comes next (the plain
function, so the reader holds no reference cycle); each step either returns an
event or moves to the next step and returns None.
"""

from __future__ import annotations

import re

from . import config as _limits
from .errors import FieldsTooLarge, MalformedRequest, ProtocolError
from .events import END_OF_MESSAGE, NEED_DATA, Data
from .grammar import FIELD, TOKEN

__all__ = ["ContentLengthReader", "ChunkedReader"]

# chunk-size *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ), as in
# RFC 9112 §7.1.1. Whitespace only before a ";" (a size with trailing spaces is
# refused), and a quoted value must close, with no control character in it (a
# bare CR inside an extension is refused): peers that parse these lines another
# way must not be able to read a different body out of the same bytes.
_TOKEN = TOKEN.encode("ascii")
_QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_CHUNK_EXT = (rb"(?:[ \t]*;[ \t]*" + _TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + _TOKEN + rb"|"
              + _QUOTED + rb"))?)*")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})" + _CHUNK_EXT + rb"\Z")

_TRUNCATED = "Connection closed before the body was complete"


class ContentLengthReader:
    """A body of exactly `remaining` bytes."""

    __slots__ = ("remaining",)

    def __init__(self, length: int):
        self.remaining = length

    def read(self, buf: bytearray, eof: bool):
        if not self.remaining:
            return END_OF_MESSAGE
        if not buf:
            if eof:
                raise MalformedRequest(_TRUNCATED)
            return NEED_DATA
        take = min(self.remaining, len(buf))
        data = bytes(buf[:take])
        del buf[:take]
        self.remaining -= take
        return Data(data)


class ChunkedReader:
    """A chunked body (RFC 9112 §7.1); trailers are checked, then dropped."""

    __slots__ = ("max_body_bytes", "remaining", "_body_seen", "_trailer_bytes", "_step")

    def __init__(self, max_body_bytes: int):
        self.max_body_bytes = max_body_bytes
        self.remaining = 0        # bytes left in the current chunk
        self._body_seen = 0       # body bytes announced so far, for the size limit
        self._trailer_bytes = 0
        self._step = ChunkedReader._size_line

    def read(self, buf: bytearray, eof: bool):
        while True:
            event = self._step(self, buf, eof)
            if event is not None:
                return event

    def _size_line(self, buf, eof):
        line = _take_line(buf, eof, _limits.MAX_CHUNK_LINE_BYTES,
                          MalformedRequest, "Chunk size line too long")
        if line is None:
            return NEED_DATA
        m = _CHUNK_SIZE.match(line)
        if m is None:
            raise MalformedRequest("Invalid chunk size")
        size = int(m.group(1), 16)
        self._body_seen += size
        if self._body_seen > self.max_body_bytes:
            raise ProtocolError(413, "Request body too large")
        if size:
            self.remaining = size
            self._step = ChunkedReader._data
        else:
            self._step = ChunkedReader._trailer_line
        return None

    def _data(self, buf, eof):
        if not buf:
            return _need_more(eof)
        take = min(self.remaining, len(buf))
        data = bytes(buf[:take])
        del buf[:take]
        self.remaining -= take
        if not self.remaining:
            self._step = ChunkedReader._data_end
        return Data(data)

    def _data_end(self, buf, eof):
        if len(buf) < 2:
            if buf[:1] not in (b"", b"\r"):
                raise MalformedRequest("Chunk data not followed by CRLF")
            return _need_more(eof)
        if buf[:2] != b"\r\n":
            raise MalformedRequest("Chunk data not followed by CRLF")
        del buf[:2]
        self._step = ChunkedReader._size_line
        return None

    def _trailer_line(self, buf, eof):
        line = _take_line(buf, eof, _limits.MAX_TRAILER_BYTES,
                          FieldsTooLarge, "Trailers too large")
        if line is None:
            return NEED_DATA
        if not line:
            return END_OF_MESSAGE
        self._trailer_bytes += len(line) + 2
        if self._trailer_bytes > _limits.MAX_TRAILER_BYTES:
            raise FieldsTooLarge("Trailers too large")
        if FIELD.fullmatch(line.decode("latin-1")) is None:
            raise MalformedRequest("Malformed trailer field")
        return None


def _take_line(buf: bytearray, eof: bool, limit: int, too_long: type[ProtocolError],
               message: str):
    """The next CRLF-terminated line without its CRLF, or None for "need more".

    `too_long(message)` is raised when a line runs past `limit` bytes, whether
    its end has arrived yet or not: its type carries the status (a chunk line is
    a 400, trailers a 431), so the answer does not depend on how the client cut
    its bytes into packets.
    """
    end = buf.find(b"\r\n")
    if end < 0:
        if len(buf) > limit:
            raise too_long(message)
        if b"\n" in buf:
            raise MalformedRequest("Bare LF in chunked framing")
        _need_more(eof)
        return None
    if end > limit:
        raise too_long(message)
    line = bytes(buf[:end])
    del buf[:end + 2]
    return line


def _need_more(eof: bool):
    if eof:
        raise MalformedRequest(_TRUNCATED)
    return NEED_DATA

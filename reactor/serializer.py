"""Turn a `Response` into bytes on the wire (sans-I/O).

The serializer owns framing: it adds `Date`, `Content-Length` (or chunked
transfer coding for streams), `Connection`, and `Server`, and drops the body of
responses to HEAD and of 1xx, 204 and 304 responses (RFC 9110 §6.4.1).
"""

from __future__ import annotations

import time
from email.utils import formatdate
from http import HTTPStatus

from .grammar import TOKEN_RE

__all__ = ["serialize_head", "http_date", "CONTINUE_RESPONSE", "encode_chunk", "LAST_CHUNK",
           "simple_response", "status_has_body"]

CONTINUE_RESPONSE = b"HTTP/1.1 100 Continue\r\n\r\n"
LAST_CHUNK = b"0\r\n\r\n"

_STATUS_LINES = {s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode("latin-1")
                 for s in HTTPStatus}
# Header names the serializer sets itself; an application's copies are dropped.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "date"})
# "Name: " per header name seen that an application may send; framing and invalid
# names are never in it, so a miss sends the whole list the careful way.
_NAME_PREFIXES: dict[str, str] = {}
# Encoded field blocks by the exact fields they encode: most responses repeat a
# handful of field lists (a page's type and security fields, a static file's
# validators), which then cost one tuple hash instead of joining, checking and
# encoding. Only lists that passed every check are kept; full, it starts over.
_BLOCKS: dict[tuple, bytes] = {}
MAX_CACHED_BLOCKS = 512


class _DateCache:
    """The `Date` value changes once a second; format it once a second."""

    __slots__ = ("second", "value", "line")

    def __init__(self):
        self.second = -1
        self.value = b""
        self.line = b""

    def get(self) -> bytes:
        now = time.time()
        second = int(now)
        if second != self.second:
            self.second = second
            self.value = formatdate(now, usegmt=True).encode("ascii")
            self.line = b"Date: " + self.value + b"\r\n"
        return self.value


_date_cache = _DateCache()


def http_date() -> bytes:
    """The current time as an IMF-fixdate (RFC 9110 §5.6.7), cached per second."""
    return _date_cache.get()


def status_has_body(status: int) -> bool:
    return not (status < 200 or status == 204 or status == 304)


def _status_line(status: int, reason: str | None) -> bytes:
    if reason is None:
        line = _STATUS_LINES.get(status)
        if line is not None:
            return line
        reason = "Unknown"
    return f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1")


def _field_lines(headers) -> list[str]:
    """"Name: value" per field, without framing fields; raises ValueError for an
    invalid name. Remembers the names it accepted."""
    lines = []
    for name, value in headers:
        if name.lower() in _FRAMING:
            continue
        if not TOKEN_RE.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if len(_NAME_PREFIXES) < 1024:  # names come from code, but bound it anyway
            _NAME_PREFIXES[name] = name + ": "
        lines.append(name + ": " + value)
    return lines


def serialize_head(status: int, headers, *, length: int | None, keep_alive: bool,
                   server: bytes = b"", reason: str | None = None,
                   chunked: bool = False) -> bytes:
    """The status line and header block (`headers`: a list of pairs), ending
    with the blank line.

    `length` is the body length for `Content-Length` (None for none: 1xx, 204,
    and 304 carry none). `chunked` marks a stream sent with chunked coding.
    """
    status_line = _STATUS_LINES.get(status) if reason is None else None
    if status_line is None:
        status_line = _status_line(status, reason)
    try:
        key = tuple(headers)
        block = _BLOCKS[key]
    except KeyError:
        block = _encode_fields(headers)
        if len(_BLOCKS) >= MAX_CACHED_BLOCKS:
            _BLOCKS.clear()
        _BLOCKS[key] = block
    except TypeError:  # fields that cannot be a key (lists, not pairs): encode each time
        block = _encode_fields(headers)
    if chunked:
        framing = b"Transfer-Encoding: chunked\r\n"
    elif length is not None:
        framing = b"Content-Length: %d\r\n" % length
    else:
        framing = b""
    _date_cache.get()
    return b"".join((status_line, _date_cache.line, b"Server: %b\r\n" % server if server else b"",
                     block, framing,
                     b"Connection: keep-alive\r\n\r\n" if keep_alive else b"Connection: close\r\n\r\n"))


def _encode_fields(headers) -> bytes:
    """The application's fields as "Name: value\\r\\n" lines, joined as text and
    encoded once; raises ValueError for a bad name, a line break in a value or a
    value that is not latin-1."""
    try:
        lines = [_NAME_PREFIXES[name] + value for name, value in headers]
    except KeyError:
        lines = _field_lines(headers)
    lines.append("")
    block = "\r\n".join(lines)
    # Each field brought one CR and one LF; any other came from a value, and an
    # application bug would otherwise let that value split the response.
    breaks = len(lines) - 1
    if block.count("\n") != breaks or block.count("\r") != breaks:
        _reject_line_break(headers)
    return block.encode("latin-1")


def _reject_line_break(headers):
    name = next(n for n, v in headers
                if n.lower() not in _FRAMING and ("\n" in v or "\r" in v))
    raise ValueError(f"line break in the value of header {name!r}")


def encode_chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


def simple_response(status: int, message: str, *, keep_alive: bool = False,
                    headers=(), server: bytes = b"") -> bytes:
    """A complete plain-text response, as used for protocol errors."""
    body = (message + "\n").encode("utf-8")
    hdrs = [("Content-Type", "text/plain; charset=utf-8"), *headers]
    return serialize_head(status, hdrs, length=len(body), keep_alive=keep_alive,
                          server=server) + body

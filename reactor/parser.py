"""A sans-I/O HTTP/1.1 request parser: bytes in with `feed()`, events out.

`next_event()` returns, in order for each request: a `Request` (the head), zero
or more `Data` events, then `END_OF_MESSAGE`; it returns `NEED_DATA` when it
needs more bytes and raises `ProtocolError` (carrying the status to answer) when
the peer broke the protocol. After an error the parser is dead: the connection
answers and closes, so nothing after a bad request is ever interpreted (this is
what makes request smuggling impossible).

The head is parsed in one go once its blank line has arrived, never byte by
byte: one `find`, one latin-1 decode of the whole head (every byte maps to one
character, so nothing is lost), one regex for the request line and one `findall`
for all the fields. Until then each call checks
only the bytes that are new (limits, bare LF, NUL), so a trickled head costs
linear time; a complete head gets the same checks in the same order, so the
answer never depends on how the bytes were split. Framing follows RFC 9112 §6.3:
Transfer-Encoding wins over nothing, both together are an error, several
Content-Lengths must agree, and chunked must be the final coding. The body is
read by the reader that framing picks (`reactor.readers`); the head's parts are
parsed and remembered by `reactor.request_head`.

The parser is in one of a few states, each a method that `next_event` calls
(kept as the plain function, so the parser holds no reference cycle):
`_read_head` between requests, `_read_body` inside one, `_paused` after
`END_OF_MESSAGE` until `start_next()`, and `_broken` after an error.
"""

from __future__ import annotations

from . import config as _defaults
from .errors import FieldsTooLarge, MalformedRequest, ProtocolError
from .events import END_OF_MESSAGE, NEED_DATA, Data, EndOfMessage
from .messages import Headers, Request
from .readers import ChunkedReader, ContentLengthReader
from .request_head import (
    FIELD_BLOCKS,
    GOOD_HOSTS,
    MAX_REQUEST_LINES,
    REQUEST_LINES,
    chunked_reader,
    content_length,
    framing_fields,
    parse_field_block,
    parse_new_request_line,
    valid_host,
)

__all__ = ["RequestParser", "Data", "EndOfMessage", "END_OF_MESSAGE", "NEED_DATA"]

class RequestParser:
    """Parse a stream of pipelined HTTP/1.x requests.

    After `END_OF_MESSAGE` the parser pauses (returns `NEED_DATA`) until
    `start_next()` is called, so the connection answers requests in order and
    the bytes of the next request wait in the buffer meanwhile.
    """

    def __init__(self, *, max_request_line_bytes=_defaults.MAX_REQUEST_LINE_BYTES,
                 max_head_bytes=_defaults.MAX_HEAD_BYTES,
                 max_header_count=_defaults.MAX_HEADER_COUNT,
                 max_body_bytes=_defaults.MAX_BODY_BYTES):
        self.max_request_line_bytes = max_request_line_bytes
        self.max_head_bytes = max_head_bytes
        self.max_header_count = max_header_count
        self.max_body_bytes = max_body_bytes
        self._buf = bytearray()
        self._next = _AT_HEAD     # the state: what `next_event` calls (see above)
        self._body = None         # the body reader framing picked
        # How far an incomplete head has been checked, and where its request line
        # ends (-1: not seen yet). Each call scans only bytes that are new, so a
        # head trickled in byte by byte costs O(n), not O(n^2).
        self._head_scanned = 0
        self._head_line_end = -1
        self.eof = False

    @classmethod
    def for_config(cls, config) -> RequestParser:
        """A parser with the limits of a `ServerConfig`."""
        return cls(max_request_line_bytes=config.max_request_line_bytes,
                   max_head_bytes=config.max_head_bytes,
                   max_header_count=config.max_header_count,
                   max_body_bytes=config.max_body_bytes)

    # -- input ---------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Add received bytes; `b""` means the peer closed its sending side."""
        if data:
            self._buf += data
        else:
            self.eof = True

    @property
    def buffered(self) -> int:
        """Bytes received but not yet consumed."""
        return len(self._buf)

    @property
    def in_message(self) -> bool:
        """True once any byte of a request has arrived and until it ends."""
        return self._next is not _AT_HEAD or bool(self._buf)

    @property
    def paused(self) -> bool:
        return self._next is _AT_PAUSE

    @property
    def expects_body(self) -> bool:
        """True between a head that announced a body and the end of that body."""
        return self._body is not None

    @property
    def declared_length(self) -> int | None:
        """The Content-Length of the body still to come, None when chunked (ask
        right after the head, before any of the body is read)."""
        body = self._body
        return body.remaining if isinstance(body, ContentLengthReader) else None

    def limit_body(self, limit: int) -> None:
        """Lower the body limit for the current request only (a chunked body past
        it is a 413); the caller checks `declared_length` against it."""
        if isinstance(self._body, ChunkedReader):
            self._body.max_body_bytes = min(self._body.max_body_bytes, limit)

    def start_next(self) -> None:
        """Begin parsing the next request (after the previous one was answered)."""
        if self._next is _AT_PAUSE:
            self._next = _AT_HEAD

    # -- output --------------------------------------------------------------

    def next_event(self):
        """The next event: a `Request` head, `Data`, `END_OF_MESSAGE`, or
        `NEED_DATA`; raises `ProtocolError`, after which the parser is dead."""
        try:
            return self._next(self)
        except ProtocolError:
            self._next = RequestParser._broken
            raise

    def _read_body(self):
        event = self._body.read(self._buf, self.eof)
        if event is END_OF_MESSAGE:
            self._body = None
            self._next = _AT_PAUSE
        return event

    def _end_message(self):
        self._next = _AT_PAUSE
        return END_OF_MESSAGE

    def _paused(self):
        return NEED_DATA

    def _broken(self):
        return NEED_DATA

    # -- head ----------------------------------------------------------------

    def _read_head(self):
        buf = self._buf
        if not buf and not self.eof:
            return NEED_DATA
        # Skip blank lines before a request (RFC 9112 §2.2 allows one CRLF), here
        # and not only in the incomplete case, so the result never depends on
        # how the bytes were split.
        if buf.startswith(b"\r\n"):
            while buf.startswith(b"\r\n"):
                del buf[:2]
            self._head_scanned, self._head_line_end = 0, -1
        end = buf.find(b"\r\n\r\n", max(0, self._head_scanned - 3))
        if end < 0:
            return self._check_incomplete_head()
        self._head_scanned, self._head_line_end = 0, -1
        head = buf[:end]
        line_end = head.find(b"\r\n")
        self._check_head_bytes(head, end if line_end < 0 else line_end, end + 4)
        del buf[:end + 4]
        text = head.decode("latin-1")
        if line_end < 0:
            line, block = text, ""
        else:
            line, block = text[:line_end], text[line_end + 2:] + "\r\n"
        count = block.count("\n")  # one per field line: there is no bare LF
        if count > self.max_header_count:
            raise FieldsTooLarge("Too many header fields")
        request = self._parse_request_line(line)
        fields = FIELD_BLOCKS.get(block)
        if fields is None:
            fields = parse_field_block(block, count)
        try:
            self._apply_fields(request, fields)
        except ProtocolError as exc:
            exc.request = request  # the head is whole: the error may be answered in kind
            raise
        return request

    def _check_incomplete_head(self):
        buf = self._buf
        start = self._head_scanned
        if self._head_line_end < 0:
            self._head_line_end = buf.find(b"\r\n", max(0, start - 1))
        line_end = self._head_line_end
        if line_end < 0:
            # A line at the limit may have its CR here and its LF still on the way.
            line_end = len(buf) - (buf[-1:] == b"\r")
        self._check_head_bytes(buf, line_end, len(buf), start)
        self._head_scanned = len(buf)
        if self.eof and buf:
            raise MalformedRequest("Connection closed in the middle of a request head")
        return NEED_DATA

    def _check_head_bytes(self, data, line_length: int, head_size: int, start: int = 0) -> None:
        """Checks every head gets, complete or not, in one order: which error a
        doubly broken head gets must not depend on how its bytes were split.
        Bytes before `start` passed these checks already."""
        if line_length > self.max_request_line_bytes:
            raise ProtocolError(414, "Request line too long")
        if head_size > self.max_head_bytes:
            raise FieldsTooLarge("Request header block too large")
        # A CRLF whose CR sits just before `start` is counted with its LF.
        if data.count(b"\n", start) != data.count(b"\r\n", max(0, start - 1)):
            raise MalformedRequest("Bare LF in request head; lines end with CRLF")
        if data.find(b"\x00", start) >= 0:
            raise MalformedRequest("NUL byte in request head")

    def _parse_request_line(self, line: str) -> Request:
        parsed = REQUEST_LINES.get(line)
        if parsed is None:
            parsed = parse_new_request_line(line)
            if len(REQUEST_LINES) >= MAX_REQUEST_LINES:
                REQUEST_LINES.clear()
            REQUEST_LINES[line] = parsed
        method, target, path, query, version = parsed
        return Request(method, target, path, query, version, None)

    def _apply_fields(self, request: Request, fields) -> None:
        """Work out host, framing and persistence; enter the body phase."""
        headers = request.headers = Headers(fields)
        by_name = headers._map
        if len(by_name) == len(fields):
            # Every name once (the usual head): the framing fields are dict look-ups.
            host = by_name.get("host")
            hosts = () if host is None else (host,)
            length = by_name.get("content-length")
            lengths = () if length is None else (length,)
            coding = by_name.get("transfer-encoding")
            codings = () if coding is None else (coding,)
            connection = by_name.get("connection", "")
            expect = by_name.get("expect")
        else:
            hosts, lengths, codings, connection, expect = framing_fields(fields)
        http11 = request.version == "1.1"
        if http11 and len(hosts) != 1:
            raise MalformedRequest("A request must have exactly one Host header" if hosts
                             else "Missing Host header")
        if len(hosts) > 1 or hosts and hosts[0] not in GOOD_HOSTS and not valid_host(hosts[0]):
            raise MalformedRequest("Invalid Host header")
        tokens = {t.strip().lower() for t in connection.split(",")} if connection else ()
        if http11:
            keep_alive = "close" not in tokens
        else:
            keep_alive = "keep-alive" in tokens
        if codings:
            if lengths:
                raise MalformedRequest("Both Content-Length and Transfer-Encoding")
            self._body = chunked_reader(codings, self.max_body_bytes)
            if not http11:
                keep_alive = False  # RFC 9112 §6.1: TE in 1.0 may be a smuggling attempt
        elif lengths:
            length = content_length(lengths)
            if length > self.max_body_bytes:
                raise ProtocolError(413, "Request body too large")
            self._body = ContentLengthReader(length) if length else None
        # Most requests have no body: they skip the reader and end at once.
        self._next = RequestParser._read_body if self._body else RequestParser._end_message
        request.keep_alive = keep_alive
        if expect is not None:
            # RFC 9110 §10.1.1: 100-continue is the one expectation there is; a
            # server that ignored another would answer what the client did not ask.
            if expect.lower() != "100-continue":
                raise ProtocolError(417, "Unsupported expectation (only 100-continue)")
            request.expect_continue = http11 and self._body is not None


_AT_HEAD = RequestParser._read_head
_AT_PAUSE = RequestParser._paused

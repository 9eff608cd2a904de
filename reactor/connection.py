"""The per-connection state machine: bytes and clock in, responses out.

Theory of operation
-------------------
A `Connection` owns one `RequestParser` and an output queue, and knows nothing of
sockets: the server calls `on_data(data, now)` with what it received (b"" for
EOF), then asks `wants_read()`, `wants_write()` and `deadline`, and drains
`output` onto the socket, reporting progress with `on_sent(now)`.

States (`ConnState`):

    READING_HEAD --head--> READING_BODY --end of message--> WAITING
    WAITING --response (now, or when a deferred future completes)-->
        READING_HEAD   if the connection stays alive (pipelined bytes are parsed next)
        STREAMING      if the response is an `EventStream`
        CLOSING        otherwise: flush the output, then close
    any --protocol error--> CLOSING (after an error response)
    any --timeout, or a reset--> CLOSED

Rules:
1. One request at a time: the parser pauses after each message until the
   response is queued, so pipelined requests are answered in order.
2. Reading stops while queued output is over the high-water mark, or while a
   handler's future is pending, so a peer cannot make us buffer without bound.
3. Each state has one deadline: idle keep-alive since the last response; the
   whole head from its first byte (not reset by trickled bytes); body progress;
   write progress while output is queued.
"""

from __future__ import annotations

import enum
import logging
import tempfile
import time
from collections import deque
from concurrent.futures import Future

from .errors import HTTPError, ProtocolError
from .messages import FileBody, Response
from .parser import END_OF_MESSAGE, NEED_DATA, RequestParser
from .pool import when_done
from .serializer import (
    CONTINUE_RESPONSE,
    LAST_CHUNK,
    encode_chunk,
    serialize_head,
    simple_response,
    status_has_body,
)
from .streams import EventStream

__all__ = ["Connection", "ConnState"]

log = logging.getLogger("reactor.connection")
access_log = logging.getLogger("reactor.access")


class ConnState(enum.Enum):
    READING_HEAD = "reading head"
    READING_BODY = "reading body"
    WAITING = "waiting for handler"
    STREAMING = "streaming"
    CLOSING = "closing"
    CLOSED = "closed"


_READING = (ConnState.READING_HEAD, ConnState.READING_BODY)


class Connection:
    """HTTP/1.1 for one client. `server` supplies app, config and the loop."""

    def __init__(self, server, remote_addr=None, now: float | None = None):
        cfg = server.config
        self.server = server
        self.config = cfg
        self.remote_addr = remote_addr
        self.parser = RequestParser(max_request_line_bytes=cfg.max_request_line_bytes,
                                    max_head_bytes=cfg.max_head_bytes,
                                    max_header_count=cfg.max_header_count,
                                    max_body_bytes=cfg.max_body_bytes)
        self.state = ConnState.READING_HEAD
        self.output: deque = deque()   # bytearray and FileBody segments, in order
        self.output_size = 0           # bytes queued in bytearray segments
        now = time.monotonic() if now is None else now
        self._idle_since = now
        self._head_started: float | None = None
        self._body_progress = now
        self._write_progress = now
        self._request = None
        self._body: bytearray | None = None
        self._body_file = None
        self._body_size = 0
        self._stream: EventStream | None = None
        self._stream_chunked = False
        self._stream_last_write = now
        self.requests_served = 0

    # -- questions the server asks -------------------------------------------

    def wants_read(self) -> bool:
        state = self.state
        if state in _READING:
            return self.output_size < self.config.output_high_water and not self.parser.eof
        # A stream reads only to notice the client going away.
        return state is ConnState.STREAMING and not self.parser.eof

    def wants_write(self) -> bool:
        return bool(self.output)

    @property
    def is_closed(self) -> bool:
        return self.state is ConnState.CLOSED

    @property
    def is_idle(self) -> bool:
        """Between requests with nothing received and nothing to send."""
        return (self.state is ConnState.READING_HEAD and not self.parser.in_message
                and not self.output)

    def should_close(self) -> bool:
        """True when the socket should be closed now."""
        return self.state is ConnState.CLOSED or (
            self.state is ConnState.CLOSING and not self.output)

    @property
    def deadline(self) -> float | None:
        """When `on_timeout` should be called, or None for no deadline."""
        if self.output:
            return self._write_progress + self.config.write_timeout
        state = self.state
        if state is ConnState.READING_HEAD:
            if self._head_started is not None:
                return self._head_started + self.config.head_timeout
            return self._idle_since + self.config.keepalive_timeout
        if state is ConnState.READING_BODY:
            return self._body_progress + self.config.body_timeout
        return None

    # -- events from the server ----------------------------------------------

    def on_data(self, data: bytes, now: float) -> None:
        """Bytes received from the peer (`b""` when it closed its sending side)."""
        if self.state is ConnState.STREAMING:
            # A stream reads only to notice the client leaving; anything else it
            # sends is dropped, not buffered (the parser would keep it forever).
            if not data:
                self.parser.feed(data)
                self.close()
            return
        self.parser.feed(data)
        if data:
            if self.state is ConnState.READING_HEAD and self._head_started is None:
                self._head_started = now
            elif self.state is ConnState.READING_BODY:
                self._body_progress = now
        self._process(now)

    def on_sent(self, now: float) -> None:
        """The server wrote some queued output."""
        self._write_progress = now
        if self.state is not ConnState.READING_HEAD:
            return
        parser = self.parser
        if (parser.buffered or parser.eof) and self.output_size < self.config.output_high_water:
            self._process(now)  # pipelined requests held back by backpressure
        elif not self.output and not parser.in_message:
            self._idle_since = now
            if self.server.shutting_down:
                self.close()  # a keep-alive answer finished during shutdown

    def on_timeout(self, now: float) -> None:
        deadline = self.deadline
        if deadline is None or now < deadline:
            return
        if self.output or self.state is not ConnState.READING_HEAD or self._head_started is None:
            if self.state is ConnState.READING_BODY:
                self._fail(ProtocolError(408, "Timed out reading the request body"))
                return
            self.close()  # idle keep-alive, or a peer that does not read
            return
        self._fail(ProtocolError(408, "Timed out reading the request head"))

    def on_shutdown(self) -> None:
        """The server is stopping: close if idle, end a stream cleanly (its last
        chunk tells the client it is over), else finish the current response."""
        if self.state is ConnState.STREAMING:
            self.end_stream()
        elif self.is_idle:
            self.close()

    def close(self) -> None:
        """Drop the connection now, releasing files and streams."""
        if self.state is ConnState.CLOSED:
            return
        if self.state is ConnState.STREAMING:
            self.server.open_streams -= 1
        self.state = ConnState.CLOSED
        for segment in self.output:
            if isinstance(segment, FileBody):
                segment.close()
        self.output.clear()
        self.output_size = 0
        self._discard_body()
        stream, self._stream = self._stream, None
        if stream is not None:
            stream._on_closed()

    # -- parsing ---------------------------------------------------------------

    def _process(self, now: float) -> None:
        parser = self.parser
        high_water = self.config.output_high_water
        while True:
            state = self.state
            if state is ConnState.READING_HEAD:
                if self.output_size >= high_water:
                    # Rule 2 for pipelined requests already buffered: answer the next
                    # one only once the peer has read enough (`on_sent` resumes).
                    break
            elif state is not ConnState.READING_BODY:
                break
            try:
                event = parser.next_event()
            except ProtocolError as exc:
                self._fail(exc)
                return
            if event is NEED_DATA:
                if parser.eof and state is ConnState.READING_HEAD and not parser.in_message:
                    # Half-closed after its last request: answer what we owe, then close.
                    self.state = ConnState.CLOSING
                break
            if event is END_OF_MESSAGE:
                self._dispatch(now)
            elif state is ConnState.READING_HEAD:
                self._on_head(event, now)
            else:
                self._on_body_data(event.data)

    def _on_head(self, request, now: float) -> None:
        request.remote_addr = self.remote_addr
        request.server = self.server
        self._request = request
        self._body_size = 0
        self._body_progress = now
        self.state = ConnState.READING_BODY
        if request.expect_continue and not self.parser.buffered:
            self._queue(CONTINUE_RESPONSE)

    def _on_body_data(self, data: bytes) -> None:
        self._body_size += len(data)
        if self._body_file is not None:
            self._body_file.write(data)
            return
        if self._body is None:
            self._body = bytearray(data)
        else:
            self._body += data
        if len(self._body) > self.config.body_spill_bytes:
            # Large bodies go to disk so memory stays bounded whatever the upload size.
            self._body_file = tempfile.TemporaryFile(prefix="reactor-body-")
            self._body_file.write(self._body)
            self._body = None

    def _dispatch(self, now: float) -> None:
        request, self._request = self._request, None
        if self._body_file is not None:
            self._body_file.seek(0)
            request.body_file, self._body_file = self._body_file, None
        elif self._body is not None:
            request.body = bytes(self._body)
            self._body = None
        self.state = ConnState.WAITING
        self._run_handler(request, self.server.app.handle, request)

    def _run_handler(self, request, call, *args) -> None:
        """Respond with what `call(*args)` returns (or raises); wait for a future."""
        try:
            result = call(*args)
        except HTTPError as exc:
            result = error_response(exc)
        except Exception:
            log.exception("handler failed for %s %s", request.method, request.target)
            result = Response.text("Internal Server Error\n", 500)
        if isinstance(result, Future):
            # Runs at once when the future completes on the loop thread (one made
            # by `server.then`), else after one trip through the loop.
            when_done(self.server.loop, result,
                      lambda future: self._on_future_done(request, future))
            return
        self.respond(request, result)

    def _on_future_done(self, request, future: Future) -> None:
        if self.state is ConnState.CLOSED:
            request.close()
            result = future.result() if not future.exception() else None
            if isinstance(result, Response) and isinstance(result.body, FileBody):
                result.body.close()
            return
        self._run_handler(request, future.result)
        self.server.refresh(self)

    # -- responding ------------------------------------------------------------

    def respond(self, request, response) -> None:
        """Queue `response` to `request`, then carry on with the next request."""
        if not isinstance(response, Response):
            log.error("handler for %s returned %r, not a Response", request.target, response)
            response = Response.text("Internal Server Error\n", 500)
        keep_alive = request.keep_alive and not self.server.shutting_down
        body = response.body
        status = response.status
        has_body = status_has_body(status)
        send_body = has_body and request.method != "HEAD"
        server_name = self.server.server_name
        try:
            if isinstance(body, EventStream):
                if status == 200 and send_body:
                    self._start_stream(request, response)
                    return
                # HEAD, or an error status: the stream never opens, so close it now
                # (its on_close callbacks run and later sends return False).
                body._on_closed()
                if status == 200:
                    self._answer_stream_head(request, response, keep_alive)
                    return
            if isinstance(body, FileBody):
                head = serialize_head(status, response.headers, length=body.count if has_body else None,
                                      keep_alive=keep_alive, server=server_name, reason=response.reason)
                self._queue(head)
                if send_body and body.count:
                    self.output.append(body)
                else:
                    body.close()
                length = body.count
            else:
                if isinstance(body, EventStream):
                    body = b""
                length = len(body)
                head = serialize_head(status, response.headers, length=length if has_body else None,
                                      keep_alive=keep_alive, server=server_name, reason=response.reason)
                self._queue(head + body if send_body else head)
        except ValueError:
            log.exception("could not serialize the response to %s", request.target)
            self._queue(simple_response(500, "Internal Server Error", server=server_name))
            keep_alive, status, length = False, 500, 0
        if self.server.access_log_enabled:
            self._log_access(request, status, length if send_body else 0)
        if request.body_file is not None:
            request.close()
        self.requests_served += 1
        self._next_request(keep_alive)

    def _next_request(self, keep_alive: bool) -> None:
        if not keep_alive:
            self.state = ConnState.CLOSING
            return
        self.state = ConnState.READING_HEAD
        self.parser.start_next()
        now = time.monotonic()
        self._idle_since = now
        self._head_started = now if self.parser.buffered else None

    def _answer_stream_head(self, request, response, keep_alive: bool) -> None:
        """HEAD of a stream: the head a GET would get (same framing), no body."""
        chunked = request.version == "1.1"
        self._queue(serialize_head(200, response.headers, length=None, keep_alive=keep_alive,
                                   server=self.server.server_name, chunked=chunked))
        self._log_access(request, 200, 0)
        request.close()
        self.requests_served += 1
        self._next_request(keep_alive)

    def _start_stream(self, request, response) -> None:
        stream: EventStream = response.body
        chunked = request.version == "1.1"
        head = serialize_head(200, response.headers, length=None, keep_alive=chunked,
                              server=self.server.server_name, chunked=chunked)
        self._queue(head)
        self._log_access(request, 200, 0)
        request.close()
        self.requests_served += 1
        self.state = ConnState.STREAMING
        self.server.open_streams += 1
        self._stream = stream
        self._stream_chunked = chunked
        self._stream_last_write = time.monotonic()
        stream._attach(self)

    def write_stream(self, chunk: bytes) -> bool:
        """Queue one piece of an event stream; False if the stream is gone."""
        if self.state is not ConnState.STREAMING:
            return False
        if self.output_size + len(chunk) > self.config.output_high_water:
            log.info("dropping a stream client that does not keep up (%s)", self.remote_addr)
            self.close()
            self.server.refresh(self)
            return False
        self._queue(encode_chunk(chunk) if self._stream_chunked else chunk)
        self._stream_last_write = time.monotonic()
        self.server.refresh(self)
        return True

    def end_stream(self) -> None:
        if self.state is not ConnState.STREAMING:
            return
        if self._stream_chunked:
            self._queue(LAST_CHUNK)
        self.server.open_streams -= 1
        self.state = ConnState.CLOSING
        stream, self._stream = self._stream, None
        stream._on_closed()
        self.server.refresh(self)

    def heartbeat(self, now: float) -> None:
        """Send a comment on a stream that has been silent for a while."""
        if (self.state is ConnState.STREAMING
                and now - self._stream_last_write >= self.config.stream_heartbeat):
            self._stream.comment()

    # -- helpers ---------------------------------------------------------------

    def _queue(self, data: bytes) -> None:
        if not self.output:
            self._write_progress = time.monotonic()
        output = self.output
        if output and type(output[-1]) is bytearray:
            output[-1] += data
        else:
            output.append(bytearray(data))
        self.output_size += len(data)

    def _fail(self, exc: ProtocolError) -> None:
        """Answer a protocol error and close (nothing after it is trusted)."""
        log.info("%s from %s: %s", exc.status, self.remote_addr, exc.message)
        self._discard_body()
        if self.state is ConnState.CLOSED:
            return
        self._queue(self._error_bytes(exc, exc.request or self._request))
        self._request = None
        self.state = ConnState.CLOSING

    def _error_bytes(self, exc: ProtocolError, request) -> bytes:
        """The error response: the app's own rendering when it offers one
        (`app.render_protocol_error(request, status, message) -> Response`) and
        the request head is known, else plain text."""
        server_name = self.server.server_name
        render = getattr(self.server.app, "render_protocol_error", None)
        if request is not None and render is not None:
            try:
                response = render(request, exc.status, exc.message)
                body = response.body if isinstance(response.body, bytes) else b""
                head = serialize_head(exc.status, response.headers, length=len(body),
                                      keep_alive=False, server=server_name)
                return head if request.method == "HEAD" else head + body
            except Exception:
                log.exception("the application failed to render a %d", exc.status)
        return simple_response(exc.status, exc.message, server=server_name)

    def _discard_body(self) -> None:
        self._body = None
        if self._body_file is not None:
            self._body_file.close()
            self._body_file = None

    def _log_access(self, request, status: int, length: int) -> None:
        if not self.server.access_log_enabled:
            return
        host = self.remote_addr[0] if self.remote_addr else "-"
        headers = request.headers
        access_log.info('%s - - [%s] "%s %s HTTP/%s" %d %s "%s" "%s"', host,
                        time.strftime("%d/%b/%Y:%H:%M:%S %z"), request.method, request.target,
                        request.version, status, length or "-",
                        headers.get("referer", "-"), headers.get("user-agent", "-"))


def error_response(exc: HTTPError) -> Response:
    """A plain-text response for an `HTTPError` the application did not render."""
    response = Response.text((exc.message or "Error") + "\n", exc.status)
    response.headers.extend(exc.headers)
    return response

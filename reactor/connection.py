"""The per-connection state machine: bytes and clock in, responses out.

Theory of operation
-------------------
A `Connection` owns one `RequestParser` and an output queue, and knows nothing of
sockets or of the server: it gets its `ServerConfig`, the application, and one
callback, `on_output()`, which it calls when output or interest changed outside
an I/O event (a deferred response arrived, a stream event was pushed). The
driver (`reactor.channel.Channel`) calls `on_data(data, now)` with what it
received (b"" for EOF), then asks `wants_read()`, `wants_write()` and
`deadline`, and drains `output` onto the socket, reporting progress with
`on_sent(now)`. Time comes in as `now`; work the application finishes later
reads the `clock` the connection was given.

The application's `handle(request)` returns a `Response` or a `Future` of one
that completes on the thread driving the connection (the server's `then`
guarantees that; `Server` hands connections an application that keeps it).

States and their transitions are in `reactor.states`.

Rules:
1. One request at a time: the parser pauses after each message until the
   response is queued, so pipelined requests are answered in order.
2. Reading stops while queued output is over the high-water mark; while a
   handler's future is pending, it goes on only to notice the client leaving, which
   cancels the future: work still queued for it on a pool never runs.
3. Each state has one deadline: idle keep-alive since the last response; the
   whole head from its first byte (not reset by trickled bytes); body and write
   progress while a body arrives or output is queued, where progress means a
   window's worth of bytes at the minimum rate, not any byte (budgets.py).
4. A body is admitted from its head, before `100 Continue`: within the app's
   limit for the request and the server's budget for bodies in flight.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future

from .accesslog import log_access
from .body import BodyBuffer
from .budgets import BodyBudget, RateWindow, admit_body, over_budget
from .errors import ProtocolError
from .fallback import discard_outcome, failure_response, outcome, protocol_error_bytes
from .framing import FILE, STREAM, choose_framing
from .messages import FileBody, Response
from .output import append_bytes
from .parser import END_OF_MESSAGE, NEED_DATA, RequestParser
from .serializer import CONTINUE_RESPONSE, serialize_head, simple_response
from .states import READING, WATCHING, ConnState
from .streams import EventStream, StreamWriter

__all__ = ["Connection", "ConnState"]

log = logging.getLogger("reactor.connection")


class Connection:
    """HTTP/1.1 for one client of `app`, with the limits in `config`."""

    def __init__(self, config, app, remote_addr=None, *, now: float | None = None,
                 on_output=lambda: None, clock=time.monotonic, body_budget=None):
        self.config = config
        self.app = app
        self.remote_addr = remote_addr
        self.on_output = on_output
        self.clock = clock
        self.parser = RequestParser.for_config(config)
        self.state = ConnState.READING_HEAD
        self.output: deque = deque()   # bytes, bytearray and FileBody segments (output.py)
        self.output_size = 0           # bytes queued, in memory and in files
        self.shutting_down = False
        self.requests_served = 0
        now = clock() if now is None else now
        self._idle_since = now
        self._head_started: float | None = None
        self._send_window = RateWindow(config.write_timeout, config.send_min_rate, now)
        self._request = None
        self._body = BodyBuffer(config.body_spill_bytes,
                                body_budget or BodyBudget(config.max_body_bytes_in_flight),
                                RateWindow(config.body_timeout, config.body_min_rate, now))
        self._stream: StreamWriter | None = None
        self._pending: Future | None = None   # the handler's future, while WAITING
        self._client_closes = False  # the last request answered asked to end the connection
        self._server_name = config.server_header.encode("latin-1")

    # -- questions the driver asks ---------------------------------------------

    def wants_read(self) -> bool:
        state = self.state
        if state in READING:
            return self.output_size < self.config.output_high_water and not self.parser.eof
        if state is ConnState.WAITING:  # rule 2: pipelined bytes up to a head's worth
            return self._pending is not None and self.parser.buffered < self.config.max_head_bytes
        # A stream reads only to notice the client going away.
        return state is ConnState.STREAMING and not self.parser.eof

    def wants_write(self) -> bool:
        return bool(self.output)

    @property
    def is_closed(self) -> bool:
        return self.state is ConnState.CLOSED

    @property
    def is_streaming(self) -> bool:
        return self.state is ConnState.STREAMING

    @property
    def is_idle(self) -> bool:
        """Between requests with nothing received and nothing to send."""
        return (self.state is ConnState.READING_HEAD and not self.parser.in_message
                and not self.output)

    @property
    def needs_linger(self) -> bool:
        """Whether closing should first drain what the peer may still send. Not
        after a request that asked for the end of the connection, was read to its
        end, and had nothing after it (nginx's heuristic): the peer has nothing
        more to send, so closing at once cannot reset the response away."""
        return not (self._client_closes and not self.parser.buffered)

    def should_close(self) -> bool:
        """True when the socket should be closed now."""
        return self.state is ConnState.CLOSED or (
            self.state is ConnState.CLOSING and not self.output)

    @property
    def deadline(self) -> float | None:
        """When `on_timeout` should be called, or None for no deadline."""
        if self.output:
            return self._send_window.deadline
        state = self.state
        if state is ConnState.READING_HEAD:
            if self._head_started is not None:
                return self._head_started + self.config.head_timeout
            return self._idle_since + self.config.keepalive_timeout
        if state is ConnState.READING_BODY:
            return self._body.window.deadline
        return None

    # -- events from the driver ------------------------------------------------

    def on_data(self, data: bytes, now: float) -> None:
        """Bytes received from the peer (`b""` when it closed its sending side)."""
        if self.state in WATCHING:
            # Reading only to notice the client leaving: a stream drops what else it
            # sends (the parser would keep it forever), a pending answer keeps
            # pipelined bytes for later. Leaving drops the answer's work (rule 2).
            if data and self.state is ConnState.WAITING:
                self.parser.feed(data)
            elif not data:
                self.parser.feed(data)
                self.close()
            return
        self.parser.feed(data)
        if data and self.state is ConnState.READING_HEAD and self._head_started is None:
            self._head_started = now
        self._process(now)

    def on_sent(self, now: float, sent: int = 0) -> None:
        """The driver wrote `sent` bytes of the queued output."""
        self._send_window.progress(sent, now)
        if self.state is not ConnState.READING_HEAD:
            return
        parser = self.parser
        if (parser.buffered or parser.eof) and self.output_size < self.config.output_high_water:
            self._process(now)  # pipelined requests held back by backpressure
        elif not self.output and not parser.in_message:
            self._idle_since = now
            if self.shutting_down:
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
        chunk tells the client it is over), else finish the current response
        and close after it."""
        self.shutting_down = True
        if self.state is ConnState.STREAMING:
            self.end_stream()
        elif self.is_idle:
            self.close()

    def heartbeat(self, now: float) -> None:
        """Send a comment on a stream that has been silent for a while."""
        if self._stream is not None and self.state is ConnState.STREAMING:
            self._stream.heartbeat(now, self.config.stream_heartbeat)

    def close(self) -> None:
        """Drop the connection now, releasing files and streams."""
        if self.state is ConnState.CLOSED:
            return
        self.state = ConnState.CLOSED
        for segment in self.output:
            if isinstance(segment, FileBody):
                segment.close()
        self.output.clear()
        self.output_size = 0
        self._body.discard()
        if self._pending is not None:
            self._pending.cancel()  # its callback clears _pending
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stream._on_closed()

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
                if self._head_started is None and not parser.eof:
                    break  # answered, kept alive, and no byte of a next request yet
            elif state is ConnState.READING_HEAD:
                self._on_head(event, now)
            elif not self._body.add(event.data, now):
                self._fail(over_budget())
                return

    def _on_head(self, request, now: float) -> None:
        request.remote_addr = self.remote_addr
        self._request = request
        self.state = ConnState.READING_BODY
        parser = self.parser
        if not parser.expects_body:
            return  # the usual head: END_OF_MESSAGE comes next, with nothing to admit
        self._body.window.restart(now)
        refusal = admit_body(self.app, request, parser, self._body.budget)
        if refusal is not None:
            self._fail(refusal)
            return
        if request.expect_continue and not parser.buffered:
            self.queue(CONTINUE_RESPONSE)

    def _dispatch(self, now: float) -> None:
        request, self._request = self._request, None
        self._body.hand_to(request)
        self.state = ConnState.WAITING
        try:
            result = self.app.handle(request)
        except Exception as exc:
            result = failure_response(request, exc)
        if isinstance(result, Future):
            if not result.done():
                self._pending = result
                result.add_done_callback(lambda future: self._on_future_done(request, future))
                return
            result = outcome(request, result)
        self.respond(request, result, now)

    def _on_future_done(self, request, future: Future) -> None:
        self._pending = None
        if self.state is ConnState.CLOSED:
            discard_outcome(request, future)  # the client left while it was made
            return
        self.respond(request, outcome(request, future), self.clock())
        self.on_output()

    # -- responding ------------------------------------------------------------

    def respond(self, request, response, now: float | None = None) -> None:
        """Queue `response` to `request`, then carry on with the next request."""
        if not isinstance(response, Response):
            log.error("handler for %s returned %r, not a Response", request.target, response)
            response = Response.text("Internal Server Error\n", 500)
        now = self.clock() if now is None else now
        status, body = response.status, response.body
        kind, length, send_body, chunked = choose_framing(request.method, request.version,
                                                          status, body)
        if kind is STREAM:
            self._open_stream(request, response, chunked, now)
            return
        keep_alive = request.keep_alive and not self.shutting_down
        self._client_closes = not request.keep_alive
        try:
            head = serialize_head(status, response.headers, length=length,
                                  keep_alive=keep_alive, server=self._server_name,
                                  reason=response.reason, chunked=chunked)
        except ValueError:
            log.exception("could not serialize the response to %s", request.target)
            head = simple_response(500, "Internal Server Error", server=self._server_name)
            keep_alive, status, send_body = False, 500, False
        if type(body) is bytes:
            self.queue(head + body if send_body else head, now)
        elif kind is FILE:
            self.queue(head, now)
            if send_body and body.count:
                self.output.append(body)
                self.output_size += body.count  # files count for backpressure too
            else:
                body.close()
        elif isinstance(body, EventStream):
            # HEAD, or an error status: the stream never opens, so close it now
            # (its on_close callbacks run and later sends return False).
            body._on_closed()
            self.queue(head)
        else:
            self.queue(head + body if send_body else head)
        self._end_exchange(request, status, length if send_body else 0)
        self._next_request(keep_alive, now)

    def _end_exchange(self, request, status: int, length: int) -> None:
        """Every answered request: the access log, its body file, the count."""
        if self.config.access_log:
            log_access(self.remote_addr, request, status, length)
        if request.body_file is not None:
            request.close()
        if self._body.held:
            self._body.release()
        self.requests_served += 1

    def _next_request(self, keep_alive: bool, now: float) -> None:
        if not keep_alive:
            self.state = ConnState.CLOSING
            return
        self.state = ConnState.READING_HEAD
        self.parser.start_next()
        self._idle_since = now
        self._head_started = now if self.parser.buffered else None

    # -- event streams -----------------------------------------------------------

    def _open_stream(self, request, response, chunked: bool, now: float) -> None:
        # keep-alive when chunked: the last chunk ends the stream, not the connection
        # (the connection still closes after it; a stream is the last exchange).
        self.queue(serialize_head(200, response.headers, length=None, keep_alive=chunked,
                                  server=self._server_name, chunked=chunked))
        self._end_exchange(request, 200, 0)
        self.state = ConnState.STREAMING
        self._stream = StreamWriter(self, response.body, chunked, now)
        response.body._attach(self._stream)

    def end_stream(self) -> None:
        """End the open stream cleanly, then close once its last bytes are sent."""
        if self.state is not ConnState.STREAMING:
            return
        stream, self._stream = self._stream, None
        self.queue(stream.last_bytes())
        self.state = ConnState.CLOSING
        stream.stream._on_closed()
        self.on_output()

    # -- helpers ---------------------------------------------------------------

    def queue(self, data: bytes, now: float | None = None) -> None:
        """Queue bytes to send after what is queued already (`now`: the time, if
        the caller has it)."""
        if not data:
            return
        if not self.output:
            self._send_window.restart(self.clock() if now is None else now)
        self.output_size += append_bytes(self.output, data)

    def _fail(self, exc: ProtocolError) -> None:
        """Answer a protocol error and close (nothing after it is trusted)."""
        log.info("%s from %s: %s", exc.status, self.remote_addr, exc.message)
        self._body.discard()
        if self.state is ConnState.CLOSED:
            return
        self.queue(protocol_error_bytes(self.app, exc, exc.request or self._request, self._server_name))
        self._request = None
        self.state = ConnState.CLOSING


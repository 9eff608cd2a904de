"""Feed raw bytes to a `RequestParser` and describe what comes out, comparably.

Body data is joined per request, because how a body is cut into `Data` events
depends on how the bytes arrived; everything else must not.
"""

from __future__ import annotations

from reactor import END_OF_MESSAGE, NEED_DATA, Data, ProtocolError, Request, RequestParser


def describe_head(request: Request):
    return ("head", request.method, request.target, request.path, request.query_string,
            request.version, tuple(request.headers), request.keep_alive,
            request.expect_continue)


class EventLog:
    """Events from one parser, with each request's body joined into one `body` entry."""

    def __init__(self, **limits):
        self.parser = RequestParser(**limits)
        self.events = []
        self._body = None

    def feed(self, data: bytes) -> EventLog:
        self.parser.feed(data)
        self.drain()
        return self

    def drain(self) -> None:
        parser = self.parser
        while self.events[-1:] == [] or self.events[-1][0] != "error":
            try:
                event = parser.next_event()
            except ProtocolError as exc:
                self.events.append(("error", exc.status))
                return
            if event is NEED_DATA:
                return
            if isinstance(event, Request):
                self.events.append(describe_head(event))
                self._body = bytearray()
            elif isinstance(event, Data):
                assert event.data, "a Data event is never empty"
                self._body += event.data
            else:
                assert event is END_OF_MESSAGE
                self.events.append(("body", bytes(self._body)))
                self.events.append(("end",))
                parser.start_next()


def events_from(*chunks: bytes, eof=False, **limits):
    log = EventLog(**limits)
    for chunk in chunks:
        log.feed(chunk)
    if eof:
        log.feed(b"")
    return log.events


def events_byte_by_byte(data: bytes, eof=False, **limits):
    return events_from(*(data[i:i + 1] for i in range(len(data))), eof=eof, **limits)


def first_error(data: bytes, **limits):
    """The status of the error `data` provokes (fed whole), or None."""
    events = events_from(data, **limits)
    return events[-1][1] if events and events[-1][0] == "error" else None

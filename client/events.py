"""Reading the Server-Sent Events stream `GET /api/events`.

`EventParser` is sans-I/O: text lines in, `ServerEvent`s out, following the
"interpret an event stream" rules of the HTML standard (§9.2.6): `event:` names
the next event, `data:` lines join with newlines, a blank line dispatches,
lines starting with ":" are comments (the server's heartbeats).

`EventStream` holds one open connection. Its iterator blocks on the socket, so
it runs on a background thread; `close()` from any other thread shuts the
socket down, which wakes the reader and ends the iteration quietly.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
from dataclasses import dataclass

from .api import ApiClient, error_from_response, read_capped
from .safe_text import clean

__all__ = ["EventParser", "EventStream", "LiveUnavailable", "ServerEvent"]

log = logging.getLogger(__name__)

# The server sends a heartbeat comment at least every 15 s (API.md); three
# missed heartbeats mean the connection is dead even if TCP has not noticed.
IDLE_TIMEOUT_SECONDS = 45.0
# One event is one API object (a message is at most 2,000 characters): 256 KiB
# per line is far above any, and bounds what a hostile stream can make us hold.
MAX_EVENT_LINE_BYTES = 256 * 1024


@dataclass(frozen=True)
class ServerEvent:
    event: str
    data: str
    id: str | None = None

    def json(self):
        """The data decoded as JSON, its strings cleaned for the terminal
        (raises ValueError if it is not JSON)."""
        return clean(json.loads(self.data))


class LiveUnavailable(Exception):
    """The server has no event stream (an older MiniFace)."""


class EventParser:
    """Feeds lines (without their line ending); returns an event on each blank line."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self.last_id: str | None = None

    def feed_line(self, line: str) -> ServerEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_id = value
        return None

    def _dispatch(self) -> ServerEvent | None:
        event, data = self._event or "message", self._data
        self._event, self._data = "", []
        if not data:
            return None
        return ServerEvent(event, "\n".join(data), self.last_id)


class EventStream:
    """One live `GET /api/events` connection: `open()`, iterate, `close()`."""

    def __init__(self, client: ApiClient, idle_timeout: float = IDLE_TIMEOUT_SECONDS) -> None:
        self._client = client
        self._idle_timeout = idle_timeout
        self._conn: http.client.HTTPConnection | None = None
        self._response: http.client.HTTPResponse | None = None
        self._sock: socket.socket | None = None
        self._closed = False

    def open(self) -> EventStream:
        """Connect; raises LiveUnavailable, ApiError or ServerUnreachable."""
        conn = self._client.connect()
        conn.timeout = self._idle_timeout
        headers = {**self._client.auth_headers(),
                   "Accept": "text/event-stream", "Cache-Control": "no-cache"}
        try:
            conn.request("GET", self._client.url_path("/api/events"), headers=headers)
            # getresponse() may hand the socket over to the response and forget it
            # (Connection: close); keep it so close() can always wake the reader.
            self._sock = conn.sock
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise self._client.unreachable(exc) from exc
        self._conn, self._response = conn, response
        self._check(response)
        return self

    def _check(self, response: http.client.HTTPResponse) -> None:
        content_type = response.headers.get("Content-Type", "")
        if response.status in (404, 405, 501) or (
                response.status == 200 and not content_type.startswith("text/event-stream")):
            self.close()
            raise LiveUnavailable(f"{response.status} {content_type}")
        if response.status >= 400:
            try:
                data = read_capped(response)
            finally:
                self.close()
            raise error_from_response(response.status, response.reason, response.headers, data)

    def __iter__(self):
        """Yield events until the server or `close()` ends the stream.

        Raises ServerUnreachable if the connection fails (not after `close()`).
        """
        parser = EventParser()
        while True:
            try:
                raw = self._response.readline(MAX_EVENT_LINE_BYTES + 1)
            except (OSError, ValueError, AttributeError, http.client.HTTPException) as exc:
                if self._closed:
                    return
                raise self._client.unreachable(exc) from exc
            if not raw:
                return
            if len(raw) > MAX_EVENT_LINE_BYTES:
                self.close()
                raise self._client.unreachable(ValueError(
                    f"an event line over {MAX_EVENT_LINE_BYTES // 1024} KiB"))
            event = parser.feed_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if event is not None:
                log.debug("event %s %s", event.event, event.data)
                yield event

    def close(self) -> None:
        """End the stream; safe from any thread, more than once."""
        self._closed = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed: there is no reader left to wake
        if self._conn is not None:
            self._conn.close()

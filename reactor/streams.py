"""`EventStream`: a Server-Sent Events response that the app writes to later.

A handler returns `Response.stream(EventStream())` and keeps the stream; the app
then calls `stream.send(...)` from the loop thread (from another thread, go
through `server.call_soon_threadsafe`). The connection writes a heartbeat comment
when the stream has been silent for `ServerConfig.stream_heartbeat` seconds. When
the client disconnects, or reads so slowly that unsent output passes the
high-water mark, the connection closes and `on_close` callbacks run at once.
"""

from __future__ import annotations

import json
import logging

__all__ = ["EventStream"]

log = logging.getLogger(__name__)


class EventStream:
    """One open text/event-stream response."""

    def __init__(self):
        self._connection = None
        self._pending: list[bytes] = []   # events sent before the stream was attached
        self._close_callbacks = []
        self.closed = False

    # -- for applications ----------------------------------------------------

    def send(self, data, event: str | None = None, id=None) -> bool:
        """Send one event; `data` may be a str or any JSON-serialisable value.

        Returns False when the stream is already closed.
        """
        if not isinstance(data, str):
            data = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        lines = []
        if event:
            lines.append(f"event: {_single_line(event)}")
        if id is not None:
            lines.append(f"id: {_single_line(str(id))}")
        lines.extend(f"data: {line}" for line in data.split("\n"))
        return self._write(("\n".join(lines) + "\n\n").encode("utf-8"))

    def comment(self, text: str = "") -> bool:
        """Send a comment line (ignored by clients; keeps proxies from timing out)."""
        return self._write(f":{_single_line(text)}\n\n".encode())

    def close(self) -> None:
        """End the stream and the connection that carries it."""
        if self.closed:
            return
        if self._connection is not None:
            self._connection.end_stream()
        else:
            self._on_closed()

    def on_close(self, callback) -> None:
        """Call `callback(stream)` once, when the stream closes for any reason."""
        if self.closed:
            callback(self)
        else:
            self._close_callbacks.append(callback)

    # -- for the connection --------------------------------------------------

    def _attach(self, connection) -> None:
        self._connection = connection
        pending, self._pending = self._pending, []
        for chunk in pending:
            connection.write_stream(chunk)

    def _write(self, chunk: bytes) -> bool:
        if self.closed:
            return False
        if self._connection is None:
            self._pending.append(chunk)
            return True
        return self._connection.write_stream(chunk)

    def _on_closed(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._connection = None
        callbacks, self._close_callbacks = self._close_callbacks, []
        for callback in callbacks:
            try:
                callback(self)
            except Exception:
                log.exception("error in an EventStream on_close callback")


def _single_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")

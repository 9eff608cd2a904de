"""`EventStream`: a Server-Sent Events response that the app writes to later.

A handler returns `Response.stream(EventStream())` and keeps the stream; the app
then calls `stream.send(...)` from the loop thread (from another thread, go
through `server.call_soon_threadsafe`). The connection writes a heartbeat comment
when the stream has been silent for `ServerConfig.stream_heartbeat` seconds. When
the client disconnects, or reads so slowly that unsent output passes the
high-water mark, the connection closes and `on_close` callbacks run at once.

`StreamWriter` is the connection's side: framing, the slow-reader limit and
heartbeats for one open stream.
"""

from __future__ import annotations

import json
import logging

from .serializer import LAST_CHUNK, encode_chunk

__all__ = ["EventStream", "StreamWriter"]

log = logging.getLogger(__name__)


class EventStream:
    """One open text/event-stream response."""

    def __init__(self):
        self._writer = None
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
        if self._writer is not None:
            self._writer.end()
        else:
            self._on_closed()

    def on_close(self, callback) -> None:
        """Call `callback(stream)` once, when the stream closes for any reason."""
        if self.closed:
            callback(self)
        else:
            self._close_callbacks.append(callback)

    # -- for the connection --------------------------------------------------

    def _attach(self, writer: StreamWriter) -> None:
        self._writer = writer
        pending, self._pending = self._pending, []
        for chunk in pending:
            if not writer.write(chunk):
                break

    def _write(self, chunk: bytes) -> bool:
        if self.closed:
            return False
        if self._writer is None:
            self._pending.append(chunk)
            return True
        return self._writer.write(chunk)

    def _on_closed(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._writer = None
        callbacks, self._close_callbacks = self._close_callbacks, []
        for callback in callbacks:
            try:
                callback(self)
            except Exception:
                log.exception("error in an EventStream on_close callback")


class StreamWriter:
    """The connection's side of one open stream.

    It frames each event (a chunk for HTTP/1.1, the raw bytes for 1.0), drops a
    reader whose unsent output would pass the high-water mark (a slow reader must
    not make us buffer every event for ever), and remembers when the stream last
    wrote, so a silent stream gets a heartbeat comment.
    """

    __slots__ = ("stream", "chunked", "last_write", "_conn")

    def __init__(self, conn, stream: EventStream, chunked: bool, now: float):
        self._conn = conn
        self.stream = stream
        self.chunked = chunked
        self.last_write = now

    def write(self, chunk: bytes) -> bool:
        """Queue one event; False if the stream is gone (or was just dropped)."""
        conn = self._conn
        if not conn.is_streaming:
            return False
        if conn.output_size + len(chunk) > conn.config.output_high_water:
            log.info("dropping a stream client that does not keep up (%s)", conn.remote_addr)
            conn.close()
            conn.on_output()
            return False
        conn.queue(encode_chunk(chunk) if self.chunked else chunk)
        self.last_write = conn.clock()
        conn.on_output()
        return True

    def end(self) -> None:
        """The application closed the stream: end it cleanly."""
        self._conn.end_stream()

    def last_bytes(self) -> bytes:
        """What tells the client the stream is over (the end of the connection
        says it for a raw HTTP/1.0 stream)."""
        return LAST_CHUNK if self.chunked else b""

    def heartbeat(self, now: float, interval: float) -> None:
        if now - self.last_write >= interval:
            self.stream.comment()


def _single_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")

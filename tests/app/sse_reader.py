"""`EventReader`: a test's view of one `GET /api/events` stream over real HTTP.

A background thread reads the stream with `http.client` (which undoes the
chunked framing) and parses Server-Sent Events into a queue, so a test can wait
for an event with a deadline without ever leaving the socket half-read:

    with EventReader(port, cookies={"mf_session": token}) as events:
        event = events.next("message", timeout=1.0)   # -> SseEvent or AssertionError
"""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str
    received_at: float          # time.monotonic() when its blank line arrived

    def json(self):
        return json.loads(self.data)


class EventReader:
    """One open event stream; `comments` counts heartbeat lines seen so far."""

    def __init__(self, port: int, *, cookies: dict | None = None, token: str | None = None,
                 host: str = "127.0.0.1"):
        headers = {"Accept": "text/event-stream"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn = http.client.HTTPConnection(host, port, timeout=10)
        self.conn.request("GET", "/api/events", headers=headers)
        self._sock = self.conn.sock
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.headers = {k.lower(): v for k, v in self.response.getheaders()}
        self.comments = 0
        self.ended = threading.Event()
        self._events: queue.Queue[SseEvent] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        if self.status == 200:
            self._thread.start()

    def _read(self) -> None:
        name, data = "", []
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                text = line.decode("utf-8").rstrip("\r\n")
                if text.startswith(":"):
                    self.comments += 1
                elif text.startswith("event:"):
                    name = text[6:].strip()
                elif text.startswith("data:"):
                    data.append(text[5:].removeprefix(" "))
                elif not text and data:
                    self._events.put(SseEvent(name or "message", "\n".join(data),
                                              time.monotonic()))
                    name, data = "", []
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            # Closed by the test (http.client then trips over its own closed file) or
            # by the server: either way the stream simply ends.
            pass
        finally:
            self.ended.set()

    def next(self, kind: str | None = None, timeout: float = 2.0) -> SseEvent:
        """The next event (of `kind`, skipping others) within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                event = self._events.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(f"no {kind or 'any'} event within {timeout} s") from None
            if kind is None or event.event == kind:
                return event

    def drain(self) -> list[SseEvent]:
        """Every event received so far and not yet taken."""
        out = []
        while not self._events.empty():
            out.append(self._events.get_nowait())
        return out

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the server
        self.conn.close()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def __enter__(self) -> EventReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

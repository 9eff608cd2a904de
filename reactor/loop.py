"""The event loop: one `selectors` selector, a heap of timers, a wake-up socket.

Theory of operation
-------------------
Each registered file object carries its callback in the selector key's `data`
(as gunicorn's gthread worker does); the loop calls `callback(mask)`. Timers
sit in a heap ordered by deadline (`time.monotonic()`); cancelling one only marks
it dead, because removing from the middle of a heap costs O(n). The select
timeout is the time to the nearest live timer, so an idle loop sleeps.

Other threads never touch loop state: `call_soon_threadsafe` appends to a deque
and writes one byte to the wake-up socket, and the loop runs the callback on its
own thread. Callbacks added while an iteration runs wait for the next one, so a
chain of callbacks cannot starve I/O. Every callback runs inside one `try`: a
failing callback is logged and the loop goes on.
"""

from __future__ import annotations

import heapq
import logging
import selectors
import socket
import threading
import time
from collections import deque

__all__ = ["Loop", "Timer"]

log = logging.getLogger(__name__)

EVENT_READ = selectors.EVENT_READ
EVENT_WRITE = selectors.EVENT_WRITE


class Timer:
    """A scheduled call; `cancel()` stops it from running."""

    __slots__ = ("when", "callback", "args", "cancelled")

    def __init__(self, when, callback, args):
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        # Cancelled timers stay in the heap and are skipped when popped.
        self.cancelled = True

    def __lt__(self, other):
        return self.when < other.when


class Loop:
    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self._timers: list[Timer] = []
        self._ready: deque = deque()
        self._threadsafe: deque = deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.selector.register(self._wake_r, EVENT_READ, self._on_wake)
        self.thread_id: int | None = None
        self._stopping = False

    # -- scheduling ------------------------------------------------------------

    def call_soon(self, callback, *args) -> None:
        """Run `callback(*args)` on the next iteration (loop thread only)."""
        self._ready.append((callback, args))

    def call_soon_threadsafe(self, callback, *args) -> None:
        """Run `callback(*args)` on the loop thread; callable from any thread."""
        self._threadsafe.append((callback, args))
        if threading.get_ident() != self.thread_id:
            self.wake()

    def call_later(self, delay: float, callback, *args) -> Timer:
        return self.call_at(time.monotonic() + delay, callback, *args)

    def call_at(self, when: float, callback, *args) -> Timer:
        timer = Timer(when, callback, args)
        heapq.heappush(self._timers, timer)
        return timer

    def wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, InterruptedError):
            pass  # the socket is full, so a wake-up is already pending
        except OSError:
            pass  # closed during shutdown: nothing left to wake

    def stop(self) -> None:
        """Make `run()` return after the current iteration (any thread)."""
        self._stopping = True
        self.wake()

    # -- running ---------------------------------------------------------------

    def run(self) -> None:
        self.thread_id = threading.get_ident()
        self._stopping = False
        while not self._stopping:
            self.run_once()

    def run_once(self, max_timeout: float = 3600.0) -> None:
        timeout = max_timeout
        if self._ready or self._threadsafe:
            timeout = 0
        elif self._timers:
            timeout = min(max(0.0, self._timers[0].when - time.monotonic()), max_timeout)
        try:
            events = self.selector.select(timeout)
        except InterruptedError:
            events = ()
        for key, mask in events:
            try:
                key.data(mask)
            except Exception:
                log.exception("error in I/O callback for %r", key.fileobj)
        self._run_timers()
        self._run_ready()

    def _run_timers(self) -> None:
        timers = self._timers
        if not timers:
            return
        now = time.monotonic()
        while timers and timers[0].when <= now:
            timer = heapq.heappop(timers)
            if not timer.cancelled:
                self._ready.append((timer.callback, timer.args))

    def _run_ready(self) -> None:
        threadsafe = self._threadsafe
        while threadsafe:
            self._ready.append(threadsafe.popleft())
        ready = self._ready
        for _ in range(len(ready)):
            callback, args = ready.popleft()
            try:
                callback(*args)
            except Exception:
                log.exception("error in callback %r", callback)

    def _on_wake(self, mask) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def close(self) -> None:
        self.selector.close()
        self._wake_r.close()
        self._wake_w.close()

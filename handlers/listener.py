"""`Listener`: one PostgreSQL connection in LISTEN, on a thread of its own.

    Listener(url, {"miniface_live": on_live, "miniface_media": on_media}).start()

The loop must never wait on the network, and a notification can arrive at any
time, so the listening connection lives on its own thread: it blocks in psycopg's
`notifies()` (at most WAIT_SECONDS at a time, so `stop()` is noticed) and hands
each payload to `deliver`, which MiniFace points at the loop through
`server.call_soon_threadsafe` (the loop's wake-up socket). If the connection
drops, the thread reconnects every RECONNECT_SECONDS until it is stopped;
announcements sent while it was away are lost, which costs a stream at most a
missed event until the page reloads (the same as a browser that reconnects).
"""

from __future__ import annotations

import logging
import threading

__all__ = ["Listener"]

log = logging.getLogger(__name__)

# How long one wait for notifications lasts before the thread checks whether it
# should stop: the longest `stop()` waits.
WAIT_SECONDS = 0.5
RECONNECT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 10


class Listener:
    """LISTEN on each channel of `channels` ({name: deliver}) of the database at
    `url`; `deliver(payload)` per NOTIFY, called on the listener's thread."""

    def __init__(self, url: str, channels: dict) -> None:
        for channel in channels:
            if not channel.replace("_", "").isalnum():  # names go into SQL text
                raise ValueError(f"not a plain channel name: {channel!r}")
        self.url = url
        self.channels = dict(channels)
        self.listening = threading.Event()   # set while LISTEN is in place
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="listen", daemon=True)

    def start(self) -> Listener:
        """Start the thread and wait (up to CONNECT_TIMEOUT_SECONDS) for LISTEN."""
        self._thread.start()
        if not self.listening.wait(CONNECT_TIMEOUT_SECONDS):
            log.warning("not listening on %s yet; live events wait for the database",
                        ", ".join(self.channels))
        return self

    def stop(self, wait: float = 0.0) -> None:
        """Ask the thread to end; it closes its connection within WAIT_SECONDS
        (waits up to `wait` seconds for that)."""
        self._stopping.set()
        if wait:
            self._thread.join(wait)

    def _run(self) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True,
                                     connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
                    for channel in self.channels:
                        conn.execute(f"LISTEN {channel}")
                    self.listening.set()
                    while not self._stopping.is_set():
                        for notify in conn.notifies(timeout=WAIT_SECONDS):
                            self._hand_over(notify.channel, notify.payload)
            except Exception:
                if self._stopping.is_set():
                    break
                log.exception("the listening connection failed; reconnecting")
            finally:
                self.listening.clear()
            self._stopping.wait(RECONNECT_SECONDS)

    def _hand_over(self, channel: str, payload: str) -> None:
        deliver = self.channels.get(channel)
        if deliver is None:
            return
        try:
            deliver(payload)
        except Exception:  # the loop has stopped, say: the payload is not ours to keep
            log.exception("could not hand over a notification")

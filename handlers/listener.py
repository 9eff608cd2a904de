"""`Listener`: one PostgreSQL connection in LISTEN, on a thread of its own.

    Listener(url, {"miniface_live": on_live, "miniface_media": on_media}).start()

The loop must never wait on the network, and a notification can arrive at any
time, so the listening connection lives on its own thread: it blocks in psycopg's
`notifies()` (at most WAIT_SECONDS at a time, so `stop()` is noticed) and hands
each payload to `deliver`, which MiniFace points at the loop through
`server.call_soon_threadsafe` (the loop's wake-up socket). If the connection
drops, the thread reconnects every RECONNECT_SECONDS until it is stopped.
NOTIFYs sent while it was away are not kept for it by PostgreSQL, so once LISTEN
is in place again it calls `on_reconnect()`: the live hub then reads, from the
tables, what its streams missed (handlers/live.py, "After a reconnection").
TCP keepalives make a connection that died silently (a cable, a firewall) fail
within about KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT seconds
instead of hours, so it too is noticed and replaced.
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
KEEPALIVE_IDLE = 10
KEEPALIVE_INTERVAL = 5
KEEPALIVE_COUNT = 3


class Listener:
    """LISTEN on each channel of `channels` ({name: deliver}) of the database at
    `url`; `deliver(payload)` per NOTIFY, called on the listener's thread."""

    def __init__(self, url: str, channels: dict, on_reconnect=None) -> None:
        for channel in channels:
            if not channel.replace("_", "").isalnum():  # names go into SQL text
                raise ValueError(f"not a plain channel name: {channel!r}")
        self.url = url
        self.channels = dict(channels)
        # Called (on the listener's thread) each time LISTEN is in place again
        # after the connection failed or could not be made: NOTIFYs may have been
        # missed meanwhile.
        self.on_reconnect = on_reconnect
        self.reconnect_seconds = RECONNECT_SECONDS
        self.listening = threading.Event()   # set while LISTEN is in place
        self.backend_pid = None              # the listening connection's server process
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

        missed = False   # a connection failed (or none could be made) since the last LISTEN
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True,
                                     connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                     keepalives=1, keepalives_idle=KEEPALIVE_IDLE,
                                     keepalives_interval=KEEPALIVE_INTERVAL,
                                     keepalives_count=KEEPALIVE_COUNT) as conn:
                    for channel in self.channels:
                        conn.execute(f"LISTEN {channel}")
                    self.backend_pid = conn.info.backend_pid
                    self.listening.set()
                    if missed:
                        missed = False
                        log.warning("listening again; recovering what was missed")
                        self._call_on_reconnect()
                    while not self._stopping.is_set():
                        for notify in conn.notifies(timeout=WAIT_SECONDS):
                            self._hand_over(notify.channel, notify.payload)
            except Exception:
                if self._stopping.is_set():
                    break
                missed = True
                log.exception("the listening connection failed; reconnecting")
            finally:
                self.listening.clear()
            self._stopping.wait(self.reconnect_seconds)

    def _call_on_reconnect(self) -> None:
        if self.on_reconnect is None:
            return
        try:
            self.on_reconnect()
        except Exception:  # the loop has stopped, say
            log.exception("could not report the reconnection")

    def _hand_over(self, channel: str, payload: str) -> None:
        deliver = self.channels.get(channel)
        if deliver is None:
            return
        try:
            deliver(payload)
        except Exception:  # the loop has stopped, say: the payload is not ours to keep
            log.exception("could not hand over a notification")

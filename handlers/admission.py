"""Admission limits: how much of the server's costly work one client may claim.

Password hashing is the most expensive thing an anonymous client can ask for
(argon2 at its real cost takes about 0.1 s of every core), and it runs on a small
pool. Without limits, dozens of wrong-password logins for made-up names filled
the queue and a real user's login waited 35-40 s. Two limits guard it:

- `HashingGate`: at most `hashing_per_client` hashes in flight (queued or
  running) per client, answered 429 past that, and at most `hashing_in_flight`
  for everyone together, answered 503: both with `Retry-After`, at once, without
  touching the pool. A slot is freed when the work completes, fails, or is
  cancelled (the reactor drops deferred work whose connection has closed before
  it starts). A client is an address for anonymous requests (`client_address`),
  or "user:ID" for a logged-in account's own requests.
- `RecentCounter`: events per key within a sliding window (signups per address).

Both count in this process only, on the loop thread: with `--workers N` each
worker enforces its own limits. Behind a reverse proxy every client shares the
proxy's address, so these limits then apply to everyone together.
"""

from __future__ import annotations

import collections
import logging
import threading
from concurrent.futures import Future

from .errors import RateLimited, Unavailable

__all__ = ["HashingGate", "RecentCounter"]

log = logging.getLogger(__name__)

# Refused work is retried after this long: one hash takes about 0.1 s, so a slot
# is usually free again within a second.
RETRY_AFTER_SECONDS = 1


class HashingGate:
    """Per-client and global caps on password hashes in flight (see the module doc)."""

    def __init__(self, *, per_client: int, in_flight: int, pool: str | None = None):
        self.per_client = per_client
        self.in_flight = in_flight
        self.pool = pool
        self._by_client: collections.Counter = collections.Counter()
        self._total = 0
        # With PostgreSQL, handlers (and so `defer`) run on database threads.
        self._lock = threading.Lock()

    def defer(self, server, client: str, fn, *args) -> Future:
        """`server.defer(fn, *args)` if `client` and everyone may start one more
        hash; raises RateLimited (429) or Unavailable (503) otherwise."""
        with self._lock:
            if self._by_client[client] >= self.per_client:
                log.info("hashing refused for %s: %d already in flight", client,
                         self.per_client)
                raise RateLimited(RETRY_AFTER_SECONDS, "Too many attempts at once.")
            if self._total >= self.in_flight:
                log.warning("hashing refused for %s: %d in flight in total", client,
                            self._total)
                raise Unavailable("The server is busy.",
                                  retry_after=RETRY_AFTER_SECONDS)
            self._by_client[client] += 1
            self._total += 1
        future = server.defer(fn, *args) if self.pool is None else \
            server.defer(fn, *args, pool=self.pool)
        # Released in the done callback itself (under the lock, on whichever thread
        # completes the future), before any continuation of the hash runs: a
        # continuation on a database thread (PostgreSQL) may start the next hash
        # of the same client at once (a password change: verify, then hash).
        future.add_done_callback(lambda _: self._release(client))
        return future

    def _release(self, client: str) -> None:
        with self._lock:
            self._total -= 1
            self._by_client[client] -= 1
            if self._by_client[client] <= 0:
                del self._by_client[client]

    def busy(self, client: str) -> int:
        """Hashes in flight for `client` (for tests and logs)."""
        return self._by_client.get(client, 0)


class RecentCounter:
    """How many times each key was counted within the last `window` seconds.

    Each key keeps the times of its recent events (at most `limit` of them), and
    at most `max_keys` keys are kept, the least recently counted dropped first,
    so a spray of addresses cannot grow memory without bound.
    """

    def __init__(self, *, limit: int, window: int, max_keys: int = 100_000):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._times: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()
        self._lock = threading.RLock()  # handlers may run on database threads

    def retry_after(self, key: str, now: int) -> int:
        """Seconds until `key` may be counted again; 0 when it may be now."""
        with self._lock:
            times = self._recent(key, now)
            if times is None or len(times) < self.limit:
                return 0
            return max(1, times[0] + self.window - now)

    def count(self, key: str, now: int) -> None:
        with self._lock:
            times = self._recent(key, now)
            if times is None:
                times = self._times[key] = collections.deque(maxlen=self.limit)
                if len(self._times) > self.max_keys:
                    self._times.popitem(last=False)
            self._times.move_to_end(key)
            times.append(now)

    def _recent(self, key: str, now: int):
        times = self._times.get(key)
        if times is not None:
            while times and times[0] <= now - self.window:
                times.popleft()
        return times

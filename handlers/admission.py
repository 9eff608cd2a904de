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

The gate counts in this process only, on purpose: it protects this process's
CPU and hashing pool, so with `--workers N` (or N nodes) each process admits its
own `hashing_in_flight`, and a client may have `hashing_per_client` hashes in
flight on each. The limits that must hold for the whole site are rows in the
database, shared by every process: sign-ups per address (store/signups.py) and
failed log-ins per (account, address) (store/sessions.py). Behind a reverse
proxy, set `trusted_proxies`, or every client counts as the proxy's address.
"""

from __future__ import annotations

import collections
import logging
import threading
from concurrent.futures import Future

from .errors import RateLimited, Unavailable

__all__ = ["HashingGate"]

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

"""`ReadCache`: query results reused for as long as the database has not changed.

A page asks the same questions on every request (who is this session, who are the
viewer's friends, what is in the feed, how many requests are pending) and the
answers change only when something is written. So a result is kept, keyed by the
question, until the database changes; any change drops every result at once.
"Changed" covers every writer:

- this process: `Database.writes` counts the writes made through this connection;
- any other process (`--workers` siblings, `miniface` commands): sqlite's
  `PRAGMA data_version` changes whenever another connection commits. It is read
  once per request, so a request sees the database as of its start, and a commit
  made anywhere is seen by the next request of every worker.

Only sqlite can say cheaply that nothing changed; with another backend (PostgreSQL,
whose writers may be on other machines) every `fetch` computes afresh.

Only deterministic questions belong here: a query whose answer depends on the clock
puts the clock in its key (online friends: the second), and expiry stays checked by
the caller (sessions). Results are shared between requests: treat them as read-only.
"""

from __future__ import annotations

__all__ = ["ReadCache", "MAX_CACHED_RESULTS"]

# A home page keeps about six results per viewer; 20,000 covers thousands of active
# viewers in a few MiB. Past it the cache starts over rather than tracking ages.
MAX_CACHED_RESULTS = 20_000
_CHECKED = "readcache_checked"


class ReadCache:
    """Results of read queries, valid while the database is unchanged."""

    def __init__(self, db, max_entries: int = MAX_CACHED_RESULTS):
        self.db = db
        self.max_entries = max_entries
        self.enabled = getattr(db, "dialect", None) == "sqlite"
        self._entries: dict = {}
        self._data_version = None
        self._writes = getattr(db, "writes", 0)

    def fetch(self, request, key, compute):
        """The cached result for `key`, or `compute()`'s, kept for later requests."""
        if not self.enabled:
            return compute()
        if _CHECKED not in request.context:
            request.context[_CHECKED] = True
            version = self.db.data_version()
            if version != self._data_version:
                self._data_version = version
                self._entries.clear()
        if self.db.writes != self._writes:
            self._writes = self.db.writes
            self._entries.clear()
        try:
            return self._entries[key]
        except KeyError:
            pass
        value = compute()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        # A write made by compute() itself would make this entry stale at once.
        if self.db.writes == self._writes:
            self._entries[key] = value
        return value

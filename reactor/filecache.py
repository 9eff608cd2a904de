"""Open descriptors of recently served static files, as nginx's `open_file_cache`.

Serving a small static file costs more in opening than in sending: resolving the
path beneath the root component by component, `fstat`, and `close`, for every
request. The cache keeps each served file's descriptor and validators for
`valid_seconds` (1 s by default) and then checks the path again, so a changed or
deleted file is noticed within that time. A descriptor only ever comes from
`open_beneath`, so the cache cannot widen what is reachable: it can only serve,
for up to a second, a file that was inside the root when it was opened.

Responses read the shared descriptor with `os.sendfile` at explicit offsets,
which never moves the file position, so any number of responses can share one
descriptor. Each response holds a reference (`acquire` / `release`); an entry
replaced or evicted while responses still use it is closed by the last of them.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections import OrderedDict

__all__ = ["CachedFile", "OpenFileCache"]


class CachedFile:
    """One open file and what its responses need: size, validators, type."""

    __slots__ = ("fd", "size", "mtime", "identity", "etag", "last_modified", "content_type",
                 "checked_at", "users", "retired", "_lock", "fixed_headers")

    def __init__(self, fd: int, st: os.stat_result, etag: str, last_modified: str,
                 content_type: str, now: float, lock: threading.Lock):
        self.fd = fd
        self.size = st.st_size
        self.mtime = st.st_mtime
        self.identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        self.etag = etag
        self.last_modified = last_modified
        self.content_type = content_type
        self.checked_at = now
        self.users = 0
        self.retired = False
        self._lock = lock
        # (cache_control, header pairs) of this version's responses, made on first use.
        self.fixed_headers = None

    def release(self) -> None:
        """A response is done with the descriptor."""
        with self._lock:
            self.users -= 1
            close_now = self.retired and self.users == 0
        if close_now:
            os.close(self.fd)

    def _retire(self) -> None:
        # Called with the cache lock held.
        self.retired = True
        if self.users == 0:
            os.close(self.fd)


class OpenFileCache:
    """Descriptors of up to `max_entries` files under one root, rechecked after
    `valid_seconds`. Safe to share between loops on several threads."""

    def __init__(self, opener, describe, *, valid_seconds: float = 1.0, max_entries: int = 256):
        self._open = opener          # relative path -> fd or None (refusing escapes)
        self._describe = describe    # (path, stat) -> (etag, last_modified, content_type)
        self.valid_seconds = valid_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedFile] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, relative: str) -> CachedFile | None:
        """The file at `relative`, with a reference the caller must `release`;
        None when there is no regular file there."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(relative)
            if entry is not None and now - entry.checked_at < self.valid_seconds:
                entry.users += 1
                return entry
        fresh = self._open_fresh(relative, now)
        with self._lock:
            old = self._entries.pop(relative, None)
            if fresh is not None and old is not None and old.identity == fresh.identity:
                os.close(fresh.fd)       # unchanged: keep the descriptor we have
                old.checked_at = now
                fresh = old
            elif old is not None:
                old._retire()
            if fresh is None:
                return None
            self._entries[relative] = fresh
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)[1]._retire()
            fresh.users += 1
            return fresh

    def _open_fresh(self, relative: str, now: float) -> CachedFile | None:
        fd = self._open(relative)
        if fd is None:
            return None
        try:
            st = os.fstat(fd)
        except OSError:
            os.close(fd)
            return None
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            return None
        etag, last_modified, content_type = self._describe(relative, st)
        return CachedFile(fd, st, etag, last_modified, content_type, now, self._lock)

    def clear(self) -> None:
        with self._lock:
            for entry in self._entries.values():
                entry._retire()
            self._entries.clear()

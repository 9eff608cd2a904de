"""Static files from one directory, safely.

`StaticFiles(root)` is a handler class factory for the `Router`:
`router.add("/static/{path:path}", StaticFiles, root="assets")`. It answers GET
and HEAD with the right `Content-Type`, `ETag` and `Last-Modified` (304 when the
client's copy is current), `Cache-Control`, and single byte ranges (206, or 416
when unsatisfiable). No request ever reads outside `root`: `..` segments, NUL
bytes, backslashes and symlinks all get 404 (percent-decoding happened once, in
the parser, so `%2e%2e` arrives here as `..`). `StaticFiles` follows no symlink
at all; `safe_join` allows those that stay inside the root.
"""

from __future__ import annotations

import functools
import mimetypes
import os
import re
import stat
import threading
from email.utils import formatdate, parsedate_to_datetime

from .errors import NotFound
from .filecache import OpenFileCache
from .messages import FileBody, Response
from .routing import Handler

__all__ = ["StaticFiles", "file_response", "open_beneath", "safe_join"]

DEFAULT_CACHE_CONTROL = "public, max-age=3600"
# O_NONBLOCK: opening a FIFO for reading would otherwise block the loop until some
# writer appears; regular files ignore the flag, and the S_ISREG check refuses the rest.
_OPEN_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK
_RANGE = re.compile(r"bytes=(\d*)-(\d*)\Z")
_EXTRA_TYPES = {".webp": "image/webp", ".svg": "image/svg+xml", ".js": "text/javascript",
                ".css": "text/css", ".mjs": "text/javascript", ".woff2": "font/woff2"}


@functools.lru_cache(maxsize=256)
def guess_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    ctype = _EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/json", "image/svg+xml"):
        ctype += "; charset=utf-8"
    return ctype


@functools.lru_cache(maxsize=64)
def _real_root(root: str) -> str:
    # The root is resolved once; the candidate below is resolved on every request,
    # since a symlink inside the tree may change at any time.
    return os.path.realpath(root)


def safe_join(root: str, relative: str) -> str | None:
    """The real path of `relative` inside `root`, or None if it would leave it."""
    if "\x00" in relative or "\\" in relative:
        return None
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    real_root = _real_root(root)
    candidate = os.path.realpath(os.path.join(real_root, *parts))
    if candidate != real_root and not candidate.startswith(real_root + os.sep):
        return None
    return candidate


def file_response(request, path: str, *, content_type: str | None = None,
                  cache_control: str = DEFAULT_CACHE_CONTROL, headers=()) -> Response:
    """Serve the regular file at `path` with validators, 304 and single ranges."""
    try:
        # os.open, not open(): a raw descriptor is all sendfile needs, and skips the
        # buffered layer's isatty/lseek system calls on every request.
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        raise NotFound() from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotFound()
        etag, last_modified = _validators(st.st_mtime_ns, st.st_size)
    except BaseException:
        os.close(fd)
        raise
    version = _FileVersion(fd, st.st_size, st.st_mtime, etag, last_modified,
                           content_type or guess_type(path))
    return _respond(request, version, None, cache_control, headers)


class _FileVersion:
    """What a response needs of one open file (a `CachedFile` has the same fields)."""

    __slots__ = ("fd", "size", "mtime", "etag", "last_modified", "content_type")

    def __init__(self, fd, size, mtime, etag, last_modified, content_type):
        self.fd, self.size, self.mtime = fd, size, mtime
        self.etag, self.last_modified, self.content_type = etag, last_modified, content_type


def _respond(request, file, owner, cache_control: str, headers) -> Response:
    """200, 206, 304 or 416 for `file`; `owner` (or None: we own `file.fd`)
    gets the descriptor back whenever no body will carry it."""
    etag, size = file.etag, file.size
    base = _fixed_headers(file, cache_control) if owner is not None and not headers else [
        ("ETag", etag), ("Last-Modified", file.last_modified),
        ("Cache-Control", cache_control), ("Accept-Ranges", "bytes"), *headers]
    if _not_modified(request, etag, file.mtime):
        response = Response(b"", 304, base)
    else:
        byte_range = _requested_range(request, etag, size) if "range" in request.headers else None
        if byte_range is None:
            return Response(FileBody(file.fd, 0, size, owner), 200, base, file.content_type)
        if byte_range != "unsatisfiable":
            start, end = byte_range
            response = Response(FileBody(file.fd, start, end - start + 1, owner), 206, base,
                                file.content_type)
            response.headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
            return response
        response = Response(b"", 416, [("Content-Range", f"bytes */{size}"), *base])
    if owner is not None:
        owner.release()
    else:
        os.close(file.fd)
    return response


def _fixed_headers(file, cache_control: str) -> tuple:
    """The validator and caching fields of a cached file version, made once per version
    (the serializer then finds the same tuple's encoded block in its cache)."""
    fixed = file.fixed_headers
    if fixed is None or fixed[0] != cache_control:
        fixed = file.fixed_headers = (cache_control, (
            ("ETag", file.etag), ("Last-Modified", file.last_modified),
            ("Cache-Control", cache_control), ("Accept-Ranges", "bytes")))
    return fixed[1]


@functools.lru_cache(maxsize=1024)
def _validators(mtime_ns: int, size: int) -> tuple[str, str]:
    """(ETag, Last-Modified) for a file version; formatting dates is not free."""
    return f'"{mtime_ns:x}-{size:x}"', formatdate(mtime_ns / 1e9, usegmt=True)


def _describe(relative: str, st: os.stat_result) -> tuple[str, str, str]:
    return (*_validators(st.st_mtime_ns, st.st_size), guess_type(relative))


def _not_modified(request, etag: str, mtime: float) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            return int(mtime) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _requested_range(request, etag: str, size: int):
    """(start, end) inclusive, None for the whole file, or "unsatisfiable"."""
    header = request.headers.get("range")
    if not header or request.method not in ("GET", "HEAD"):
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        return None  # the client's copy is stale: send it all
    m = _RANGE.match(header.strip())
    if m is None:
        return None  # several ranges or another unit: ignoring Range is allowed
    first, last = m.groups()
    if not first and not last:
        return None
    if not first:                       # bytes=-N: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


def open_beneath(root: str, relative: str) -> int | None:
    """A read-only descriptor for `relative` inside `root`, or None.

    Each component is opened relative to its parent with O_NOFOLLOW, so no symlink
    is ever followed and `..` is refused outright: nothing outside `root` can be
    reached, and the check costs a few system calls instead of a `realpath` walk.
    """
    parts = relative.split("/")
    if "\x00" in relative or "\\" in relative or ".." in parts:
        return None
    parts = [p for p in parts if p not in ("", ".")]
    if not parts:
        return None
    flags = _OPEN_FLAGS | os.O_NOFOLLOW
    try:
        dir_fd = os.open(root, os.O_RDONLY | os.O_CLOEXEC | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            next_fd = os.open(part, flags | os.O_DIRECTORY, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = next_fd
        return os.open(parts[-1], flags, dir_fd=dir_fd)
    except OSError:
        return None
    finally:
        os.close(dir_fd)


_CACHES: dict[str, OpenFileCache] = {}
_CACHES_LOCK = threading.Lock()


def _cache_for(root: str) -> OpenFileCache:
    cache = _CACHES.get(root)
    if cache is None:
        with _CACHES_LOCK:
            cache = _CACHES.get(root)
            if cache is None:
                cache = OpenFileCache(functools.partial(open_beneath, root), _describe)
                _CACHES[root] = cache
    return cache


class StaticFiles(Handler):
    """Handler for `{path:path}` routes; configure with `root=` (and optionally
    `cache_control=`). Descriptors of served files are kept open and rechecked
    every second (`reactor.filecache`)."""

    root = "."
    cache_control = DEFAULT_CACHE_CONTROL

    def get(self, path: str = "", **_):
        cached = _cache_for(self.root).acquire(path)
        if cached is None:
            raise NotFound()
        return _respond(self.request, cached, cached, self.cache_control, ())




"""`Request` and `Response`: what applications receive and return.

A `Request` is built once by the parser, decoded once (method, path and header
values are `str`; header names are lower-case), and completed with its body before
the application sees it. A `Response` is plain data: status, headers and a body
that is bytes, an open file (sent with `os.sendfile`) or an `EventStream`.
"""

from __future__ import annotations

import json as _json
import os
from http import HTTPStatus
from urllib.parse import parse_qs

from .cookies import parse_cookies

__all__ = ["Headers", "Request", "Response", "FileBody"]


class Headers:
    """Request header fields, in arrival order, looked up case-insensitively.

    `get()` returns the value of a field; a field sent several times is joined
    with ", " (RFC 9110 §5.3), which is how list-valued fields combine.
    """

    __slots__ = ("_items", "_map")

    def __init__(self, items=()):
        self._items = list(items)
        self._map = dict(self._items)
        if len(self._map) != len(self._items):  # a field was sent more than once
            self._map = {}
            for name, value in self._items:
                old = self._map.get(name)
                self._map[name] = value if old is None else old + ", " + value

    def get(self, name: str, default=None):
        return self._map.get(name.lower(), default)

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for n, v in self._items if n == name]

    def __contains__(self, name) -> bool:
        return name.lower() in self._map

    def __getitem__(self, name: str) -> str:
        return self._map[name.lower()]

    def items(self):
        return list(self._items)

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class Request:
    """One HTTP request, complete with its body.

    Attributes: `method`, `target` (as sent), `path` (percent-decoded),
    `query_string`, `version` ("1.0" or "1.1"), `headers`, `body` (bytes, or b""
    when the body spilled to `body_file`), `body_file` (a temporary file holding a
    body over the spill size, else None), `remote_addr`, `path_params` (filled by
    the router) and `context` (a dict the application may use freely).
    """

    __slots__ = ("method", "target", "path", "query_string", "version", "headers",
                 "body", "body_file", "keep_alive", "expect_continue", "remote_addr",
                 "path_params", "context", "_query", "_cookies")

    def __init__(self, method, target, path, query_string, version, headers,
                 keep_alive=True, expect_continue=False):
        self.method = method
        self.target = target
        self.path = path
        self.query_string = query_string
        self.version = version
        self.headers = headers
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue
        self.body = b""
        self.body_file = None
        self.remote_addr = None
        self.path_params = {}
        self.context = {}
        self._query = None
        self._cookies = None

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string parsed into {name: [values]} (blank values kept)."""
        if self._query is None:
            # Most requests have none: parse_qs("") is a dozen calls for nothing.
            self._query = (parse_qs(self.query_string, keep_blank_values=True)
                           if self.query_string else {})
        return self._query

    def arg(self, name: str, default=None):
        """The first value of query parameter `name`, or `default`."""
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def cookies(self) -> dict[str, str]:
        """{name: value} from the Cookie header (`reactor.cookies.parse_cookies`):
        one linear pass; raises `HTTPError(431)` past MAX_COOKIE_HEADER_BYTES."""
        if self._cookies is None:
            self._cookies = parse_cookies(self.headers.get("cookie"))
        return self._cookies

    def read_body(self) -> bytes:
        """The whole body as bytes, reading it back from disk if it spilled."""
        if self.body_file is None:
            return self.body
        self.body_file.seek(0)
        data = self.body_file.read()
        self.body_file.seek(0)
        return data

    def body_stream(self):
        """A binary file object positioned at the start of the body."""
        if self.body_file is not None:
            self.body_file.seek(0)
            return self.body_file
        import io
        return io.BytesIO(self.body)

    def json(self):
        """The body decoded as JSON; raises ValueError when it is not JSON."""
        return _json.loads(self.read_body() or b"null")

    def close(self) -> None:
        if self.body_file is not None:
            self.body_file.close()
            self.body_file = None

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.target} HTTP/{self.version}>"


class FileBody:
    """A byte range of an open file, sent with `os.sendfile`.

    `file` is a raw file descriptor (int) or an object with `fileno()`. The body
    closes it once sent (or when the connection drops) — unless `owner` is given:
    a shared descriptor (see `reactor.filecache`) is handed back with
    `owner.release()` instead.
    """

    __slots__ = ("file", "fd", "offset", "count", "owner")

    def __init__(self, file, offset: int, count: int, owner=None):
        self.file = file
        self.fd = file if isinstance(file, int) else file.fileno()
        self.offset = offset
        self.count = count
        self.owner = owner

    def close(self) -> None:
        if self.file is None:
            return
        if self.owner is not None:
            self.owner.release()
        elif isinstance(self.file, int):
            os.close(self.file)
        else:
            self.file.close()
        self.file = None


_JSON_TYPE = "application/json"


class Response:
    """Status, headers and a body (bytes, a `FileBody`, or an `EventStream`).

    Headers are a list of (name, value) pairs; the serializer adds `Date`,
    `Content-Length` or chunked framing, and `Connection`.
    """

    __slots__ = ("status", "headers", "body", "reason")

    def __init__(self, body=b"", status: int = 200, headers=None, content_type=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
            if content_type is None:
                content_type = "text/plain; charset=utf-8"
        self.status = status
        self.body = body
        self.headers = list(headers) if headers else []
        self.reason = None
        if content_type is not None:
            self.headers.append(("Content-Type", content_type))

    @classmethod
    def text(cls, text: str, status: int = 200, headers=None):
        return cls(text.encode("utf-8"), status, headers, "text/plain; charset=utf-8")

    @classmethod
    def html(cls, html: str, status: int = 200, headers=None):
        return cls(html.encode("utf-8"), status, headers, "text/html; charset=utf-8")

    @classmethod
    def json(cls, obj, status: int = 200, headers=None):
        body = _json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return cls(body, status, headers, _JSON_TYPE)

    @classmethod
    def redirect(cls, location: str, status: int = 303, headers=None):
        response = cls(b"", status, headers)
        response.headers.append(("Location", location))
        return response

    @classmethod
    def empty(cls, status: int = 204, headers=None):
        return cls(b"", status, headers)

    @classmethod
    def stream(cls, stream, headers=None):
        """A Server-Sent Events response that stays open; see `EventStream`."""
        response = cls(stream, 200, headers, "text/event-stream; charset=utf-8")
        response.headers.append(("Cache-Control", "no-store"))
        return response

    @classmethod
    def file(cls, path, content_type="application/octet-stream", headers=None):
        """The whole file at `path` (opened now; raises OSError if it cannot be)."""
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        size = os.fstat(fd).st_size
        return cls(FileBody(fd, 0, size), 200, headers, content_type)

    def header(self, name: str, default=None):
        lname = name.lower()
        for n, v in self.headers:
            if n.lower() == lname:
                return v
        return default

    def set_header(self, name: str, value: str) -> None:
        lname = name.lower()
        self.headers = [(n, v) for n, v in self.headers if n.lower() != lname]
        self.headers.append((name, value))

    def set_cookie(self, name: str, value: str, *, max_age=None, path="/", http_only=True,
                   same_site="Lax", secure=False) -> None:
        parts = [f"{name}={value}", f"Path={path}"]
        if max_age is not None:
            parts.append(f"Max-Age={int(max_age)}")
        if http_only:
            parts.append("HttpOnly")
        if same_site:
            parts.append(f"SameSite={same_site}")
        if secure:
            parts.append("Secure")
        self.headers.append(("Set-Cookie", "; ".join(parts)))

    def delete_cookie(self, name: str, path="/") -> None:
        self.set_cookie(name, "", max_age=0, path=path)

    @property
    def reason_phrase(self) -> str:
        if self.reason:
            return self.reason
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"

    def __repr__(self) -> str:
        return f"<Response {self.status}>"

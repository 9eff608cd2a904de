"""A small HTTP client for the MiniFace JSON API (see API.md), standard library only.

`ApiClient.call` sends one request and returns the decoded JSON body. Failures
come back as two exception types, so callers can answer people in sentences:

- `ServerUnreachable`: no HTTP answer at all (refused, unknown host, timeout);
  its text is one line naming the server and the reason.
- `ApiError`: the server answered 4xx/5xx; it carries the status, the error
  `code`, the human `message` and the per-field complaints of a 422.

Each call opens its own connection, so one client may be shared by the menu
thread and the background chat thread without locking.
"""

from __future__ import annotations

import errno
import http.client
import json
import logging
import mimetypes
import secrets
import socket
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from .safe_text import clean, strip_unsafe

__all__ = [
    "ApiClient", "ApiError", "ServerUnreachable", "DEFAULT_SERVER",
    "encode_multipart", "normalize_server_url", "photo_part",
]

log = logging.getLogger(__name__)

DEFAULT_SERVER = "http://127.0.0.1:8080"
# Every API call is a small JSON exchange or one photo of at most 5 MiB;
# 15 s covers a slow upload on a poor link without hanging a script forever.
REQUEST_TIMEOUT_SECONDS = 15.0
USER_AGENT = "miniface-client/1"
# The largest honest answer is a page of 100 posts of 5,000 characters, each up to
# 12 bytes when JSON escapes it: about 6 MB. A server (or something posing as
# one) that sends more is not read into memory.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class ServerUnreachable(Exception):
    """No HTTP answer came back from the server."""

    def __init__(self, server: str, reason: str) -> None:
        super().__init__(f"Cannot reach MiniFace at {server} ({reason}).")
        self.server = server
        self.reason = reason


@dataclass
class ApiError(Exception):
    """The server answered with an error status (API.md, "Errors")."""

    status: int
    code: str
    message: str
    fields: dict = field(default_factory=dict)
    retry_after: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.sentence())

    def __str__(self) -> str:
        return self.sentence()

    def sentence(self) -> str:
        """The error as text for people: message, each bad field, when to retry."""
        text = _as_sentence(self.message or f"The server answered {self.status}")
        for name, problem in self.fields.items():
            text += f"\n  {name.replace('_', ' ')}: {problem}"
        if self.retry_after is not None:
            text += f"\nTry again in {self.retry_after} seconds."
        return text


def _as_sentence(text: str) -> str:
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def normalize_server_url(url: str) -> str:
    """'127.0.0.1:8080/' -> 'http://127.0.0.1:8080' (the key tokens are saved under)."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) server address: {url}")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def encode_multipart(fields: dict[str, str], files=()) -> tuple[bytes, str]:
    """Build a multipart/form-data body (RFC 7578).

    `files` holds (field name, file name, content type, bytes) tuples. Returns
    (body, content type header value with the boundary).
    """
    boundary = "miniface-" + secrets.token_hex(16)
    chunks = []
    for name, value in fields.items():
        chunks.append(_part_head(boundary, name) + b"\r\n" + value.encode("utf-8") + b"\r\n")
    for name, filename, content_type, data in files:
        head = _part_head(boundary, name, filename)
        head += f"Content-Type: {content_type}\r\n".encode()
        chunks.append(head + b"\r\n" + data + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _part_head(boundary: str, name: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{_quote(name)}"'
    if filename is not None:
        disposition += f'; filename="{_quote(filename)}"'
    return f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()


def _quote(value: str) -> str:
    # The escaping browsers use for names inside multipart headers (WHATWG HTML).
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def photo_part(path: str | Path) -> tuple[str, str, str, bytes]:
    """Read a photo for upload; raises OSError with a readable message if it cannot."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No photo at {path}.")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return ("image", path.name, content_type, path.read_bytes())


class ApiClient:
    """Talks to one MiniFace server, with a bearer token once logged in."""

    def __init__(self, server: str = DEFAULT_SERVER, token: str | None = None,
                 timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.server = normalize_server_url(server)
        self.token = token
        self.timeout = timeout
        parts = urllib.parse.urlsplit(self.server)
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path

    # -- the transport -------------------------------------------------------

    def call(self, method: str, path: str, *, body=None, query=None, multipart=None):
        """Send one request; return the decoded JSON body (None for 204).

        `body` is sent as JSON; `multipart` is a (fields, files) pair for
        `encode_multipart`. Raises ApiError or ServerUnreachable.
        """
        headers = {"Accept": "application/json"}
        payload = None
        if multipart is not None:
            payload, headers["Content-Type"] = encode_multipart(*multipart)
        elif body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        status, reason, response_headers, data = self._exchange(
            method, self.url_path(path, query), payload, headers)
        if status >= 400:
            raise error_from_response(status, reason, response_headers, data)
        return self._decode(status, data)

    def url_path(self, path: str, query=None) -> str:
        """The request target for an API path, with `query` (None values dropped)."""
        target = self._prefix + path
        if query:
            pairs = {k: v for k, v in query.items() if v is not None}
            if pairs:
                target += "?" + urllib.parse.urlencode(pairs)
        return target

    def connect(self) -> http.client.HTTPConnection:
        """A new connection to the server (not yet opened)."""
        factory = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return factory(self._host, self._port, timeout=self.timeout)

    def auth_headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _exchange(self, method, target, payload, headers):
        conn = self.connect()
        log.debug("%s %s", method, target)
        try:
            conn.request(method, target, body=payload, headers={**self.auth_headers(), **headers})
            response = conn.getresponse()
            data = read_capped(response)
            return response.status, response.reason, response.headers, data
        except (OSError, http.client.HTTPException) as exc:
            raise self.unreachable(exc) from exc
        finally:
            conn.close()

    def unreachable(self, exc: Exception) -> ServerUnreachable:
        """Translate a socket or protocol failure into one readable reason."""
        return ServerUnreachable(self.server, describe_failure(exc))

    def _decode(self, status: int, data: bytes):
        if status == 204 or not data:
            return None
        try:
            return clean(json.loads(data))
        except ValueError:
            raise ApiError(status, "bad_response",
                           f"The server at {self.server} did not answer like MiniFace "
                           "(its reply is not JSON)") from None

    # -- the endpoints (API.md) -----------------------------------------------

    def ping(self) -> None:
        """Raise ServerUnreachable unless the server answers HTTP at all."""
        try:
            self.call("GET", "/api/me")
        except ApiError:
            pass  # any answer, even 401, means somebody is there

    def signup(self, username: str, name: str, password: str) -> dict:
        return self.call("POST", "/api/signup",
                         body={"username": username, "name": name, "password": password})

    def login(self, username: str, password: str) -> dict:
        """Log in; keeps and returns the token (the answer is {"token", "user"})."""
        answer = self.call("POST", "/api/login", body={"username": username, "password": password})
        self.token = answer["token"]
        return answer

    def logout(self) -> None:
        self.call("POST", "/api/logout")
        self.token = None

    def me(self) -> dict:
        return self.call("GET", "/api/me")

    def feed(self, limit: int = 20, before: int | None = None) -> dict:
        return self.call("GET", "/api/feed", query={"limit": limit, "before": before})

    def user_posts(self, username: str, limit: int = 20, before: int | None = None) -> dict:
        return self.call("GET", f"/api/users/{_segment(username)}/posts",
                         query={"limit": limit, "before": before})

    def create_post(self, body: str, visibility: str, photo=None) -> dict:
        """Post text and an optional photo part (see `photo_part`)."""
        if photo is None:
            return self.call("POST", "/api/posts", body={"body": body, "visibility": visibility})
        fields = {"body": body, "visibility": visibility}
        return self.call("POST", "/api/posts", multipart=(fields, [photo]))

    def update_profile(self, *, name: str | None = None, bio: str | None = None) -> dict:
        """Change the name and/or bio (None leaves one as it is); returns you."""
        changes = {key: value for key, value in (("name", name), ("bio", bio))
                   if value is not None}
        return self.call("PATCH", "/api/me", body=changes)

    def set_avatar(self, photo) -> dict:
        """Upload a profile picture part (see `photo_part`); returns you."""
        return self.call("PUT", "/api/me/avatar", multipart=({}, [photo]))

    def remove_avatar(self) -> dict:
        return self.call("DELETE", "/api/me/avatar")

    def post(self, post_id: int) -> dict:
        return self.call("GET", f"/api/posts/{int(post_id)}")

    def set_visibility(self, post_id: int, visibility: str) -> dict:
        return self.call("PATCH", f"/api/posts/{int(post_id)}", body={"visibility": visibility})

    def delete_post(self, post_id: int) -> None:
        self.call("DELETE", f"/api/posts/{int(post_id)}")

    def search_users(self, q: str, limit: int = 20) -> list[dict]:
        return self.call("GET", "/api/users", query={"q": q, "limit": limit})["users"]

    def user(self, username: str) -> dict:
        return self.call("GET", f"/api/users/{_segment(username)}")

    def friends(self) -> list[dict]:
        return self.call("GET", "/api/friends")["friends"]

    def friend_requests(self) -> dict:
        return self.call("GET", "/api/friends/requests")

    def befriend(self, username: str) -> dict:
        """Send a friend request, or accept theirs; returns the user."""
        return self.call("POST", f"/api/friends/{_segment(username)}")

    def unfriend(self, username: str) -> None:
        """Unfriend, cancel our request, or decline theirs."""
        self.call("DELETE", f"/api/friends/{_segment(username)}")

    def online_friends(self) -> list[dict]:
        return self.call("GET", "/api/friends/online")["online"]

    def conversations(self) -> list[dict]:
        return self.call("GET", "/api/messages")["conversations"]

    def messages(self, username: str, limit: int = 20, before: int | None = None) -> dict:
        return self.call("GET", f"/api/messages/{_segment(username)}",
                         query={"limit": limit, "before": before})

    def send_message(self, username: str, body: str) -> dict:
        return self.call("POST", f"/api/messages/{_segment(username)}", body={"body": body})


    # -- likes, comments, notifications (API.md v1.1) ---------------------------

    def like(self, post_id: int) -> dict:
        return self.call("POST", f"/api/posts/{int(post_id)}/like")

    def unlike(self, post_id: int) -> dict:
        return self.call("DELETE", f"/api/posts/{int(post_id)}/like")

    def comments(self, post_id: int, limit: int = 20, before: int | None = None) -> dict:
        return self.call("GET", f"/api/posts/{int(post_id)}/comments",
                         query={"limit": limit, "before": before})

    def add_comment(self, post_id: int, body: str) -> dict:
        return self.call("POST", f"/api/posts/{int(post_id)}/comments", body={"body": body})

    def delete_comment(self, comment_id: int) -> None:
        self.call("DELETE", f"/api/comments/{int(comment_id)}")

    def edit_post(self, post_id: int, body: str) -> dict:
        return self.call("PATCH", f"/api/posts/{int(post_id)}", body={"body": body})

    def notifications(self, limit: int = 20, before: int | None = None) -> dict:
        return self.call("GET", "/api/notifications", query={"limit": limit, "before": before})

    def mark_notifications_read(self, up_to: int | None = None) -> None:
        self.call("POST", "/api/notifications/read",
                  body={} if up_to is None else {"up_to": int(up_to)})


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def read_capped(response: http.client.HTTPResponse) -> bytes:
    """The response body, refused (as ApiError) past MAX_RESPONSE_BYTES."""
    data = response.read(MAX_RESPONSE_BYTES + 1)
    if len(data) > MAX_RESPONSE_BYTES:
        raise ApiError(response.status, "bad_response",
                       f"The server's answer is over {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB; "
                       "it was not read")
    return data


def error_from_response(status: int, reason: str, headers, data: bytes) -> ApiError:
    """Build an ApiError from an error answer, whatever shape its body has.

    Its texts are the server's, so they are cleaned for the terminal here."""
    reason = strip_unsafe(reason or "")
    try:
        error = clean(json.loads(data)["error"])
        code, message = str(error.get("code", "")), str(error.get("message", ""))
        fields = error.get("fields") or {}
    except (ValueError, KeyError, TypeError, AttributeError):
        code, message, fields = "", f"The server answered {status} {reason}".strip(), {}
    retry = headers.get("Retry-After") if headers is not None else None
    retry_after = int(retry) if retry and retry.isdigit() else None
    return ApiError(status, code, message, dict(fields), retry_after)


_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
}


def describe_failure(exc: Exception) -> str:
    """A few words for why a request got no answer."""
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the connection closed without an answer"
    if isinstance(exc, http.client.HTTPException):
        return "the answer was not valid HTTP"
    if isinstance(exc, OSError) and exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

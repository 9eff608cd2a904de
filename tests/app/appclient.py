"""Helpers for the app tests: a real HTTP client, a settable clock, a running app.

The fixtures built on them are in conftest.py. Apps run with a tiny argon2 cost so
signups and logins take milliseconds, and with a `Clock` the test moves forward
(session expiry, throttling) instead of sleeping.

`Client` speaks HTTP/1.1 with `http.client` (keep-alive), keeps cookies like a
browser, and can send a bearer token instead (`client.bearer(token)`). Requests
return a `Result` (status, lower-case headers, body, `.json()`, `.error_code`).
"""

from __future__ import annotations

import http.client
import io
import json
import secrets
import threading
import time
from pathlib import Path

from PIL import Image

PASSWORD = "correct horse battery"
T0 = 1_800_000_000  # 2027-01-15: the tests' "now"
# argon2 at its minimum cost: one pass over 8 KiB. The production default is 64 MiB.
FAST_ARGON2 = dict(argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1)


class Clock:
    """A settable clock for `AppConfig.clock`; thread-safe enough for one writer."""

    def __init__(self, now: float = T0):
        self.now = float(now)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class Result:
    """One response: status, headers (lower-case names), body bytes."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.header_list = [(k.lower(), v) for k, v in headers]
        self.headers = {}
        for k, v in self.header_list:
            self.headers.setdefault(k, v)
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def error_code(self) -> str | None:
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None

    def __repr__(self) -> str:
        return f"<Result {self.status} {self.body[:200]!r}>"


def encode_multipart(fields: dict | None = None, files: dict | None = None):
    """(body, content type) for multipart/form-data. `files`: name -> (filename,
    bytes, content type)."""
    boundary = "----miniface" + secrets.token_hex(8)
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  .encode())
        out.write(str(value).encode("utf-8") + b"\r\n")
    for name, (filename, data, ctype) in (files or {}).items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Client:
    """A small browser-like HTTP client for one server: keep-alive, a cookie jar,
    optional bearer token. `request` returns a `Result`; helpers for JSON and forms."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.host = host
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token: str | None = None
        self.origin: str | None = None     # sent as Origin on every request when set
        self.user: dict | None = None      # filled by make_user
        self.login_token: str | None = None
        self._conn: http.client.HTTPConnection | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def bearer(self, token: str | None) -> Client:
        self.token = token
        return self

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> Result:
        sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.origin and "Origin" not in sent:
            sent["Origin"] = self.origin
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.BadStatusLine):
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt:
                    raise
        result = Result(response.status, response.getheaders(), data)
        self._store_cookies(result)
        if response.will_close:
            self.close()
        return result

    def get(self, path: str, **kw) -> Result:
        return self.request("GET", path, **kw)

    def delete(self, path: str, headers: dict | None = None) -> Result:
        """DELETE as API clients send it: with cookies, API.md wants the JSON type."""
        return self.request("DELETE", path,
                            headers={"Content-Type": "application/json", **(headers or {})})

    def send_json(self, method: str, path: str, obj=None, headers: dict | None = None) -> Result:
        body = None if obj is None else json.dumps(obj).encode("utf-8")
        sent = {"Content-Type": "application/json", **(headers or {})}
        return self.request(method, path, body=body, headers=sent)

    def post_json(self, path: str, obj=None, **kw) -> Result:
        return self.send_json("POST", path, obj, **kw)

    def patch_json(self, path: str, obj=None, **kw) -> Result:
        return self.send_json("PATCH", path, obj, **kw)

    def post_multipart(self, path: str, fields=None, files=None,
                       headers: dict | None = None) -> Result:
        body, ctype = encode_multipart(fields, files)
        return self.request("POST", path, body=body,
                            headers={"Content-Type": ctype, **(headers or {})})

    def post_form(self, path: str, fields: dict, headers: dict | None = None) -> Result:
        from urllib.parse import urlencode
        return self.request("POST", path, body=urlencode(fields).encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def csrf_token(self) -> str:
        """The session's CSRF token, as GET /api/me gives it to cookie sessions."""
        return self.get("/api/me").json()["csrf_token"]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        return self._conn

    def _store_cookies(self, result: Result) -> None:
        for name, value in result.header_list:
            if name != "set-cookie":
                continue
            pair, *attributes = [p.strip() for p in value.split(";")]
            key, _, val = pair.partition("=")
            if any(a.lower() == "max-age=0" for a in attributes):
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = val


class LiveApp:
    """A running MiniFace: `port`, `config`, `app` (the Application), `clock`."""

    def __init__(self, app, server, config, clock):
        self.app = app
        self.server = server
        self.config = config
        self.clock = clock
        self._clients: list[Client] = []

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def db(self):
        """The app's database (use from the test thread only while no request runs)."""
        return self.app.ctx.db

    @property
    def uploads_dir(self) -> Path:
        return self.config.uploads_dir

    def client(self) -> Client:
        client = Client(self.port)
        self._clients.append(client)
        return client

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self.server.stop(timeout=2)
        self.app.close()


def signup(client: Client, username: str, name: str | None = None,
           password: str = PASSWORD) -> Result:
    return client.post_json("/api/signup", {"username": username,
                                            "name": name or username.title(),
                                            "password": password})


def login(client: Client, username: str, password: str = PASSWORD) -> Result:
    return client.post_json("/api/login", {"username": username, "password": password})


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.01):
    """Poll `predicate` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def image_bytes(size=(32, 24), fmt="PNG", color=(40, 120, 200), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGB" if fmt in ("JPEG", "PNG", "WEBP") else "P"
    Image.new(mode, size, color if mode == "RGB" else 1).save(out, fmt, **save)
    return out.getvalue()

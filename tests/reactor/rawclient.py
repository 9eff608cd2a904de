"""A raw-socket HTTP/1.1 client for the reactor tests.

It sends exactly the bytes a test gives it and parses responses strictly, so a
test sees what the server really put on the wire (framing, `Connection`, `Date`),
which `http.client` would hide or repair.
"""

from __future__ import annotations

import io
import socket
import time

DEFAULT_TIMEOUT_SECONDS = 3.0


class RawResponse:
    """One parsed response: `status`, `reason`, `headers` (lower-case pairs), `body`."""

    def __init__(self, version, status, reason, headers, body):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    def __repr__(self):
        return f"<RawResponse {self.status} {self.headers!r} {self.body[:60]!r}>"


class ResponseReader:
    """Parses responses, strictly, from a binary file object (`self.reader`)."""

    def __init__(self, reader):
        self.reader = reader

    def read_final(self, method="GET") -> RawResponse:
        """The next response that is not 1xx."""
        response = self.read_response(method)
        while 100 <= response.status < 200:
            response = self.read_response(method)
        return response

    def read_response(self, method="GET") -> RawResponse:
        response = self.read_head()
        response.body = self._read_body(response, method)
        return response

    def read_head(self) -> RawResponse:
        """Status line and fields only (for streams, read the body with `read_chunk`)."""
        line = self.reader.readline(65536)
        if not line:
            raise ConnectionError("connection closed before a response")
        assert line.endswith(b"\r\n"), line
        version, status, reason = line[:-2].decode("latin-1").split(" ", 2)
        return RawResponse(version, int(status), reason, self._read_fields(), b"")

    def _read_fields(self):
        headers = []
        while True:
            line = self.reader.readline(65536)
            assert line.endswith(b"\r\n"), line
            if line == b"\r\n":
                return headers
            name, _, value = line[:-2].decode("latin-1").partition(":")
            assert name == name.strip() and name, line
            headers.append((name.lower(), value.strip()))

    def _read_body(self, response, method):
        if method == "HEAD" or response.status < 200 or response.status in (204, 304):
            return b""
        if response.header("transfer-encoding") == "chunked":
            return self._read_chunked()
        length = response.header("content-length")
        if length is not None:
            return self._read_exactly(int(length))
        return self.reader.read()  # delimited by the server closing

    def _read_exactly(self, n):
        data = self.reader.read(n)
        assert len(data) == n, (len(data), n)
        return data

    def _read_chunked(self):
        body = bytearray()
        while True:
            size = int(self.reader.readline(1024).split(b";")[0], 16)
            if size == 0:
                while self.reader.readline(65536) not in (b"\r\n", b""):
                    pass
                return bytes(body)
            body += self._read_exactly(size)
            assert self.reader.readline(3) == b"\r\n"

    def read_chunk(self) -> bytes:
        """One chunk of a chunked body whose head was already read."""
        size = int(self.reader.readline(1024), 16)
        data = self._read_exactly(size) if size else b""
        assert self.reader.readline(3) == b"\r\n"
        return data


def parse_responses(data: bytes, methods=()) -> list[RawResponse]:
    """Every response in `data`; `methods[i]` is the method of request i (default GET)."""
    reader = ResponseReader(io.BytesIO(data))
    responses = []
    while reader.reader.tell() < len(data):
        method = methods[len(responses)] if len(responses) < len(methods) else "GET"
        responses.append(reader.read_response(method))
    return responses


class RawClient(ResponseReader):
    """One TCP connection to the server under test."""

    def __init__(self, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT_SECONDS):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        super().__init__(self.sock.makefile("rb"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.reader.close()
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, data: bytes, method="GET") -> RawResponse:
        """Send `data` and read one final response."""
        self.send(data)
        return self.read_final(method)

    def read_until_closed(self) -> bytes:
        return self.reader.read()

    def is_closed_by_server(self, timeout=DEFAULT_TIMEOUT_SECONDS) -> bool:
        """True when the server closes (EOF or reset) within `timeout` with no more data."""
        self.sock.settimeout(timeout)
        try:
            return self.reader.read(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False


def wait_for(predicate, timeout=3.0, interval=0.005):
    """Poll `predicate` until it is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


def get(host_header="t", path="/hello", version="1.1", extra=b"") -> bytes:
    """The bytes of a simple GET."""
    return (f"GET {path} HTTP/{version}\r\nHost: {host_header}\r\n".encode()
            + extra + b"\r\n")

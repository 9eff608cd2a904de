"""Per-route body limits, decided from the request head before the body is read
(handlers/body_limits.py): tested just under and just over each, with
`Expect: 100-continue`, so "under" means the server asks for the body and "over"
means a 413 in the app's JSON shape before a byte of it is sent."""

import json
import socket

import pytest

from handlers.config import (
    MAX_AUTH_BODY_BYTES,
    MAX_REQUEST_BODY_BYTES,
    UPLOAD_FORM_OVERHEAD_BYTES,
)

MULTIPART = "multipart/form-data; boundary=x"


def first_answer(port: int, method: str, path: str, length: int, ctype: str,
                 token: str | None = None) -> tuple[int, bytes]:
    """(status, body) of the first thing the server says to a head that expects
    100-continue (100 itself when it asks for the body)."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: {ctype}\r\n{auth}"
            f"Expect: 100-continue\r\nContent-Length: {length}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        data = sock.recv(65536)
        if not data.startswith(b"HTTP/1.1 100 "):
            while chunk := sock.recv(65536):
                data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("path", ["/api/login", "/api/signup", "/login", "/signup"])
def test_a_login_or_signup_body_may_be_16_kib(server, path):
    assert first_answer(server.port, "POST", path, MAX_AUTH_BODY_BYTES,
                        "application/json")[0] == 100
    status, body = first_answer(server.port, "POST", path, MAX_AUTH_BODY_BYTES + 1,
                                "application/json")
    assert status == 413
    if path.startswith("/api/"):
        assert json.loads(body)["error"]["code"] == "too_large"


def test_other_requests_may_send_256_kib(server, make_user):
    token = make_user("alice").login_token
    for path in ("/api/posts", "/friends/bob/add", "/api/nothing/here"):
        assert first_answer(server.port, "POST", path, MAX_REQUEST_BODY_BYTES,
                            "application/json", token)[0] == 100
        assert first_answer(server.port, "POST", path, MAX_REQUEST_BODY_BYTES + 1,
                            "application/json", token)[0] == 413


def test_only_a_logged_in_upload_may_carry_a_photo(app_server):
    server = app_server(max_image_bytes=100_000)
    alice = server.client()
    alice.post_json("/api/signup", {"username": "alice", "name": "A", "password": "12345678"})
    token = alice.post_json("/api/login", {"username": "alice",
                                           "password": "12345678"}).json()["token"]
    limit = 100_000 + UPLOAD_FORM_OVERHEAD_BYTES
    for path in ("/api/posts", "/posts"):
        assert first_answer(server.port, "POST", path, limit, MULTIPART, token)[0] == 100
        assert first_answer(server.port, "POST", path, limit + 1, MULTIPART, token)[0] == 413
        # Without a session the same upload gets the ordinary limit.
        assert first_answer(server.port, "POST", path, MAX_REQUEST_BODY_BYTES + 1,
                            MULTIPART)[0] == 413

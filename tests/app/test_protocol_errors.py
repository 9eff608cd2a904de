"""Errors the reactor answers before the app sees a request still speak the app's
language: the API's JSON error shape under /api/, the HTML error page elsewhere, and
the security headers on both."""

import json
import socket

OVERSIZE = 17 * 1024 * 1024  # over the server's 16 MiB body limit


def send_head_only(port: int, head: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_oversize_api_upload_gets_the_json_error_before_its_body_is_sent(server):
    status, headers, body = send_head_only(
        server.port, b"POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data;"
        b" boundary=x\r\nContent-Length: %d\r\n\r\n" % OVERSIZE)
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "too_large"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_oversize_form_gets_the_html_error_page(server):
    status, headers, body = send_head_only(
        server.port, b"POST /posts HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % OVERSIZE)
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert b"413" in body and b"<html" in body.lower()
    assert "content-security-policy" in headers

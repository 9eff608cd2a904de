"""Attack helpers for the app's hostile tests: requests from a chosen client address.

Every address in 127.0.0.0/8 reaches a server listening on 127.0.0.1 (Linux routes
the whole block to loopback), so a test can play an attacker at 127.0.0.1 and the
account's owner at 127.0.0.2: the server keys its throttles on the source address.
"""

from __future__ import annotations

import http.client
import io
import json
import secrets

from PIL import Image

ATTACKER = "127.0.0.1"
OWNER = "127.0.0.2"
BYSTANDER = "127.0.0.3"


def request_from(address: str, port: int, method: str, path: str, body=None, headers=None,
                 timeout: float = 30.0):
    """(status, lower-case headers, body) of one request sent from `address`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(address, 0))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def post_json_from(address: str, port: int, path: str, obj, headers=None, timeout: float = 30.0):
    return request_from(address, port, "POST", path, json.dumps(obj).encode(),
                        {"Content-Type": "application/json", **(headers or {})}, timeout)


def login_from(address: str, port: int, username: str, password: str, timeout: float = 30.0):
    return post_json_from(address, port, "/api/login",
                          {"username": username, "password": password}, timeout=timeout)


def png_bytes(width: int, height: int) -> bytes:
    """A real photo-sized PNG (noise, so it does not compress to nothing)."""
    out = io.BytesIO()
    Image.effect_noise((width, height), 64).convert("RGB").save(out, "PNG")
    return out.getvalue()


def encode_multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """(body, content type) of multipart/form-data; `files`: name -> (filename,
    bytes, content type)."""
    boundary = "hostile" + secrets.token_hex(8)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  f"{value}\r\n".encode())
    for name, (filename, data, ctype) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"

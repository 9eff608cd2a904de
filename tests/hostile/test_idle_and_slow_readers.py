"""Thousands of idle connections, and clients that read large responses slowly.

An idle connection costs a descriptor and a little memory, and is closed by the
keep-alive or head deadline. A client that asks for a large answer and reads it
slowly holds, on loopback, mostly kernel buffers: the server's part is what is
left once the kernel took what it would, and it must drain at `send_min_rate`
(tested without sockets in tests/reactor/test_reactor_connection.py, since the
kernel's buffers hide a slow reader from the server for megabytes).
"""

from __future__ import annotations

import io
import os
import time

from attacks import ConnectionHerd, head
from hostile_support import bearer_token, scaled
from PIL import Image


def test_thousands_of_idle_connections_leave_everyone_else_fast(hostile_server, prober,
                                                                real_user):
    server = hostile_server()
    user = real_user(server)
    count = scaled(2000, 10000)
    with prober(server) as probe:
        with ConnectionHerd(server.port, count) as herd:
            half = len(herd.socks) // 2
            for sock in herd.socks[:half]:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")   # a head that never ends
            time.sleep(1.0)
            held = server.server.connection_count
            user.timed_login()
            time.sleep(1.0)
    print(f"{count} idle connections ({held} held at once):", probe.report, "login", user.last_login)
    assert held >= count
    probe.report.assert_fast()
    user.check_last_login()


def noise_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


def publish_large_things(server, token: str) -> str:
    """Twenty 5,000-character posts and one ~1 MB photo; returns the photo's URL."""
    auth = {"Authorization": f"Bearer {token}"}
    for i in range(20):
        made = server.post_json("/api/posts", {"body": f"{i} " + "y" * 4990,
                                               "visibility": "public"}, auth)
        assert made[0] == 201, made
    boundary = "hostileboundary"
    photo = noise_png(600, 560)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"visibility\"\r\n\r\n"
            f"public\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
            f"filename=\"n.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + photo + \
        f"\r\n--{boundary}--\r\n".encode()
    status, _, answer = server.request("POST", "/api/posts", body, {
        **auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 201, answer
    import json
    return json.loads(answer)["image_url"]


def test_slow_readers_of_large_responses_leave_everyone_else_fast(hostile_server, prober,
                                                                  real_user):
    server = hostile_server()
    user = real_user(server)
    photo_url = publish_large_things(server, bearer_token(server, "reader"))
    count = scaled(300, 1000)
    with prober(server) as probe:
        # Each asks for a ~1 MB photo with a 4 KiB receive window and reads nothing.
        with ConnectionHerd(server.port, count, rcvbuf=4096, send=head("GET", photo_url),
                            per_second=200):
            time.sleep(1.0)
            user.timed_login()
    print(f"{count} slow readers:", probe.report, "login", user.last_login)
    probe.report.assert_fast()
    user.check_last_login()

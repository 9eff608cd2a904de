"""Animated GIFs were decoded before they were counted: Pillow composites every
frame onto the canvas just to count the frames, so a 3 KB GIF of 150 one-pixel
frames on a 6000 x 6000 canvas held a pool thread for 16 s. The frames and the
canvas are now read from the GIF's block headers first, and such a file is
refused in milliseconds."""

from __future__ import annotations

import struct
import time
from concurrent.futures import ThreadPoolExecutor

from app_attacks import ATTACKER, OWNER, encode_multipart, login_from, request_from
from hostile_support import scaled


def tiny_frames_gif(width: int, height: int, frames: int) -> bytes:
    """A GIF89a canvas of width x height with `frames` one-pixel frames."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", width, height) + b"\xf0\x00\x00")
    out += b"\x00\x00\x00\xff\xff\xff"
    for i in range(frames):
        out += b"\x21\xf9\x04\x00\x05\x00\x00\x00"
        out += b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00"
        out += b"\x02\x02" + struct.pack("<H", 4 | (i % 2) << 3 | 5 << 6) + b"\x00"
    return bytes(out + b"\x3b")


def test_gif_bombs_are_refused_in_milliseconds(hostile_server, prober, real_user):
    server = hostile_server()
    attacker = real_user(server, "bomber")
    owner = real_user(server)
    token = attacker.login()[2]
    bomb = tiny_frames_gif(6000, 6000, 150)
    assert len(bomb) < 4000
    body, ctype = encode_multipart({"visibility": "public"},
                                   {"image": ("bomb.gif", bomb, "image/gif")})
    headers = {"Content-Type": ctype, "Authorization": f"Bearer {token}"}

    def upload():
        started = time.monotonic()
        status = request_from(ATTACKER, server.port, "POST", "/api/posts", body, headers,
                              timeout=120)[0]
        return status, time.monotonic() - started

    with prober(server) as probe, ThreadPoolExecutor(8) as pool:
        bombs = [pool.submit(upload) for _ in range(scaled(6, 40))]
        time.sleep(0.2)
        started = time.monotonic()
        status = login_from(OWNER, server.port, owner.username, owner.password, timeout=120)[0]
        login_took = time.monotonic() - started
        answers = [b.result() for b in bombs]
    slowest = max(took for _, took in answers)
    print(f"\nGIF bombs: {len(answers)} refused, slowest {slowest * 1000:.0f} ms; owner login "
          f"{login_took:.2f} s; prober {probe.report}")
    assert all(status == 413 for status, _ in answers), answers
    assert slowest < 2.0
    assert status == 200 and login_took < 5.0
    probe.report.assert_fast()

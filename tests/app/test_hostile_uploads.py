"""Hostile photos and multipart bodies: animation bombs, polyglots, odd parts.

GIFs are written byte by byte here (`gif_bytes`), because Pillow's own encoder
would merge the identical frames that some of these attacks are made of.
"""

from __future__ import annotations

import io
import struct
import time

import pytest
from appclient import image_bytes
from PIL import Image

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def gif_bytes(width: int, height: int, frames: int, *, delay_cs: int = 5,
              same: bool = False, comment: bytes = b"") -> bytes:
    """A GIF89a canvas of width x height whose frames each paint one pixel at (0, 0),
    alternating black and white (or all black with `same`)."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", width, height) + b"\xf0\x00\x00")
    out += b"\x00\x00\x00\xff\xff\xff"                      # two-colour global palette
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop for ever
    if comment:
        out += b"\x21\xfe" + bytes([len(comment)]) + comment + b"\x00"
    for i in range(frames):
        colour = 0 if same else i % 2
        out += b"\x21\xf9\x04\x00" + struct.pack("<H", delay_cs) + b"\x00\x00"
        out += b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00"
        # LZW, minimum code size 2, 3-bit codes: clear (4), the pixel, end (5).
        out += b"\x02\x02" + struct.pack("<H", 4 | colour << 3 | 5 << 6) + b"\x00"
    return bytes(out + b"\x3b")


def upload(client, data: bytes, filename="photo.gif", ctype="image/gif"):
    return client.post_multipart("/api/posts", {"visibility": "public"},
                                 {"image": (filename, data, ctype)},
                                 headers={"X-CSRF-Token": client.csrf_token()})


def stored(server) -> tuple[int, list]:
    posts = server.db.query_value("SELECT count(*) FROM posts")
    return posts, sorted(p.name for p in server.uploads_dir.iterdir())


def test_the_gif_builder_makes_what_pillow_reads():
    image = Image.open(io.BytesIO(gif_bytes(3, 2, 4)))
    assert image.size == (3, 2) and image.n_frames == 4


def test_a_small_file_with_too_many_frames_is_413(server, alice):
    answer = upload(alice, gif_bytes(2, 2, 1001))
    assert answer.status == 413 and answer.error_code == "too_large", answer
    assert "frames" in answer.json()["error"]["message"]
    assert stored(server) == (0, [])


def test_a_thousand_frames_are_still_an_animation(alice):
    answer = upload(alice, gif_bytes(2, 2, 1000))
    assert answer.status == 201, answer
    served = Image.open(io.BytesIO(alice.get(answer.json()["image_url"]).body))
    assert served.n_frames > 1


def test_big_frames_times_many_is_413_before_decoding(server, alice):
    # 13 frames of 2000 x 2000: a 1 KB file that decodes to 52 M pixels (~220 MB).
    answer = upload(alice, gif_bytes(2000, 2000, 13))
    assert answer.status == 413 and answer.error_code == "too_large", answer
    assert stored(server) == (0, [])


def test_identical_frames_whose_delays_overflow_are_415_not_500(server, alice):
    # Re-encoding merges identical frames and adds their delays, past GIF's 16 bits.
    answer = upload(alice, gif_bytes(2, 2, 3, delay_cs=65535, same=True))
    assert answer.status == 415 and answer.error_code == "unsupported_media_type", answer
    assert stored(server) == (0, [])


@pytest.mark.parametrize("data, filename, ctype", [
    (image_bytes() + SCRIPT, "x.html", "text/html"),
    (gif_bytes(4, 4, 2, comment=SCRIPT[:200]), "x.gif", "image/gif"),
])
def test_a_polyglot_is_served_as_a_clean_image_only(alice, client, data, filename, ctype):
    answer = upload(alice, data, filename, ctype)
    assert answer.status == 201, answer
    served = client.get(answer.json()["image_url"])
    assert served.status == 200
    assert served.headers["content-type"] in ("image/png", "image/gif")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert b"<script" not in served.body and b"<html" not in served.body
    Image.open(io.BytesIO(served.body)).load()


def test_an_svg_is_refused(server, alice):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    answer = upload(alice, svg, "x.svg", "image/svg+xml")
    assert answer.status == 415
    assert stored(server) == (0, [])


def test_a_file_part_without_a_filename_says_what_is_wrong(server, alice):
    boundary = "hostile"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"\r\n'
            "Content-Type: image/png\r\n\r\n").encode() + image_bytes() + \
        f"\r\n--{boundary}--\r\n".encode()
    answer = alice.request("POST", "/api/posts", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "X-CSRF-Token": alice.csrf_token()})
    assert answer.status == 400, answer
    message = answer.json()["error"]["message"]
    assert "image" in message and "filename" in message
    assert stored(server) == (0, [])


def test_a_huge_canvas_of_tiny_frames_is_refused_before_decoding(server, alice):
    # 150 one-pixel frames on 6000 x 6000: about 3 KB that Pillow would composite
    # onto 36 M pixels per frame just to count them (16 s of a core).
    data = gif_bytes(6000, 6000, 150)
    assert len(data) < 4000
    started = time.monotonic()
    answer = upload(alice, data)
    assert answer.status == 413 and answer.error_code == "too_large", answer
    assert time.monotonic() - started < 1.0
    assert stored(server) == (0, [])


def test_an_animation_may_not_have_a_huge_canvas_even_with_few_frames(server, alice):
    answer = upload(alice, gif_bytes(2100, 2000, 2))
    assert answer.status == 413, answer
    assert "Animations may be up to" in answer.json()["error"]["message"]
    assert upload(alice, gif_bytes(2000, 2000, 2)).status == 201


def test_a_frame_outside_the_screen_widens_the_canvas_that_is_checked():
    from handlers.gif_header import read_gif_shape
    data = bytearray(gif_bytes(2, 2, 3))
    # Move the second frame's descriptor to (5000, 4000).
    second = data.index(b"\x2c", data.index(b"\x2c") + 1)
    data[second + 1:second + 5] = struct.pack("<HH", 5000, 4000)
    shape = read_gif_shape(bytes(data), stop_after=10)
    assert (shape.width, shape.height, shape.frames) == (5001, 4001, 3)
    assert read_gif_shape(bytes(data), stop_after=2).frames == 2
    assert read_gif_shape(b"\x89PNG\r\n\x1a\n" + bytes(20), stop_after=2) is None


def test_frames_hidden_after_junk_bytes_are_counted_as_pillow_finds_them(server, alice):
    # Pillow skips a byte that starts no block and reads on; so does the walker.
    head, first, rest = gif_bytes(6000, 6000, 150).partition(b"\x21\xf9")
    frames = (first + rest).split(b"\x00\x21\xf9")
    data = head + frames[0] + b"\x00" + b"\x07\x07" + b"\x21\xf9" + b"\x00\x21\xf9".join(frames[1:])
    assert Image.open(io.BytesIO(data)).is_animated
    started = time.monotonic()
    answer = upload(alice, data)
    assert answer.status == 413, answer
    assert time.monotonic() - started < 1.0

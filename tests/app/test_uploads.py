"""Photo uploads: decoded, never trusted, limited, stripped of metadata."""

import io
import os
from pathlib import Path

import pytest
from appclient import image_bytes
from PIL import Image


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def upload(client, data: bytes, filename="photo.png", ctype="image/png", **fields):
    fields = {"body": "a photo", "visibility": "public", **fields}
    return client.post_multipart("/api/posts", fields, {"image": (filename, data, ctype)},
                                 headers={"X-CSRF-Token": client.csrf_token()})


def stored_files(server) -> list:
    return sorted(p.name for p in server.uploads_dir.iterdir())


def noise_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("fmt, ctype, ext", [
    ("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"),
    ("GIF", "image/gif", "gif"), ("WEBP", "image/webp", "webp"),
])
def test_each_allowed_format_is_stored_and_served(server, alice, fmt, ctype, ext):
    created = upload(alice, image_bytes(fmt=fmt), f"x.{ext}", ctype)
    assert created.status == 201, created
    url = created.json()["image_url"]
    assert url.endswith("." + ext)
    served = alice.get(url)
    assert served.status == 200 and served.headers["content-type"] == ctype
    assert Image.open(io.BytesIO(served.body)).format == fmt
    assert stored_files(server) == [url.rsplit("/", 1)[1]]


def test_the_format_comes_from_the_bytes_not_the_name_or_type(alice):
    created = upload(alice, image_bytes(fmt="PNG"), "holiday.jpg", "image/jpeg")
    assert created.status == 201
    url = created.json()["image_url"]
    assert url.endswith(".png") and "holiday" not in url
    assert alice.get(url).headers["content-type"] == "image/png"


@pytest.mark.parametrize("data", [
    b"just some text, honestly",
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"%PDF-1.4\n",
    b"\x89PNG\r\n\x1a\n",  # a PNG signature and nothing else
])
def test_files_that_are_not_images_are_415(server, alice, data):
    answer = upload(alice, data, "cat.png", "image/png")
    assert answer.status == 415 and answer.error_code == "unsupported_media_type"
    assert stored_files(server) == []
    assert server.db.query_value("SELECT count(*) FROM posts") == 0


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_images_are_415(server, alice, fmt):
    whole = noise_png(64, 64) if fmt == "PNG" else image_bytes((64, 64), "JPEG")
    answer = upload(alice, whole[: len(whole) * 2 // 3])
    assert answer.status == 415
    assert stored_files(server) == []


def test_a_photo_over_5_mib_is_413(server, alice):
    big = image_bytes() + b"\0" * (5 * 1024 * 1024)
    answer = upload(alice, big)
    assert answer.status == 413 and answer.error_code == "too_large"
    assert stored_files(server) == []


def test_the_byte_limit_is_exact(app_server):
    server = app_server(max_image_bytes=20_000)
    client = server.client()
    client.post_json("/api/signup", {"username": "alice", "name": "A", "password": "12345678"})
    client.post_json("/api/login", {"username": "alice", "password": "12345678"})
    png = image_bytes()
    padded = png + b"\0" * (20_000 - len(png))  # trailing bytes after IEND are ignored
    assert upload(client, padded).status == 201
    assert upload(client, padded + b"\0").status == 413


def test_a_large_upload_that_spills_to_disk_still_works(alice):
    data = noise_png(700, 700)  # about 1.4 MiB: over the 1 MiB in-memory body limit
    assert len(data) > 1024 * 1024
    created = upload(alice, data)
    assert created.status == 201
    assert Image.open(io.BytesIO(alice.get(created.json()["image_url"]).body)).size == (700, 700)


# As in production (handlers/uploads.py), where Pillow's warning is an error.
@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("size", [(10_000, 10_000), (20_000, 20_000)])
def test_decompression_bombs_are_refused_before_decoding(server, alice, size):
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")  # 100 or 400 megapixels in a few KiB
    assert len(out.getvalue()) < 100_000
    answer = upload(alice, out.getvalue())
    assert answer.status == 413 and answer.error_code == "too_large"
    assert stored_files(server) == []


def test_the_pixel_limit_is_a_setting(app_server):
    server = app_server(max_image_pixels=100 * 100)
    client = server.client()
    client.post_json("/api/signup", {"username": "alice", "name": "A", "password": "12345678"})
    client.post_json("/api/login", {"username": "alice", "password": "12345678"})
    assert upload(client, image_bytes((100, 100))).status == 201
    assert upload(client, image_bytes((100, 101))).status == 413


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCamCorp"          # Make
    exif[0x0112] = 6                        # Orientation: rotate 90 degrees clockwise
    exif[0x8825] = {1: "N", 2: (51.0, 28.0, 38.0), 3: "W", 4: (0.0, 0.0, 5.0)}  # GPS IFD
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(out, "JPEG", exif=exif,
                                                   comment=b"taken at home")
    return out.getvalue()


def test_exif_and_gps_are_stripped_and_orientation_applied(alice):
    original = jpeg_with_gps()
    assert b"SecretCamCorp" in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    created = upload(alice, original, "me.jpg", "image/jpeg")
    assert created.status == 201
    served = alice.get(created.json()["image_url"]).body
    image = Image.open(io.BytesIO(served))
    assert len(image.getexif()) == 0
    assert b"SecretCamCorp" not in served and b"taken at home" not in served
    assert b"Exif" not in served
    assert image.size == (48, 64)  # turned upright, since the tag that said how is gone


def test_png_text_chunks_are_stripped(alice):
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "my home address")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG", pnginfo=info)
    created = upload(alice, out.getvalue())
    assert b"my home address" not in alice.get(created.json()["image_url"]).body


def test_an_animated_gif_stays_animated(alice):
    frames = [Image.new("RGB", (16, 16), (60 * i, 0, 255 - 60 * i)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    created = upload(alice, out.getvalue(), "a.gif", "image/gif")
    assert created.status == 201
    served = Image.open(io.BytesIO(alice.get(created.json()["image_url"]).body))
    assert served.n_frames == 3


def test_an_oversized_text_field_is_413(alice):
    answer = alice.post_multipart("/api/posts", {"body": "x" * 70_000},
                                  headers={"X-CSRF-Token": alice.csrf_token()})
    assert answer.status == 413


def test_a_malformed_multipart_body_is_400(alice):
    answer = alice.request("POST", "/api/posts", body=b"--b\r\nContent-Disposition: form-da",
                           headers={"Content-Type": "multipart/form-data; boundary=b",
                                    "X-CSRF-Token": alice.csrf_token()})
    assert answer.status == 400 and answer.error_code == "bad_request"


def test_a_rejected_post_leaves_no_photo_behind(server, alice):
    answer = upload(alice, image_bytes(), visibility="everyone")
    assert answer.status == 422
    assert stored_files(server) == []


def test_write_file_leaves_the_whole_file_and_no_part_file(tmp_path):
    from handlers.uploads import write_file

    write_file(tmp_path / "a.png", b"pixels")
    assert (tmp_path / "a.png").read_bytes() == b"pixels"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    from handlers.uploads import write_file

    with pytest.raises(TypeError):
        write_file(tmp_path / "b.png", "text is not bytes")  # fails after the part file opened
    assert list(tmp_path.iterdir()) == []


WRITE_FAILS = """
import io, resource, signal, sys
from handlers.uploads import store_image
from PIL import Image
# A file-size limit makes the photo's write fail half-way, as a full disk would.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
out = io.BytesIO()
Image.effect_noise((200, 200), 80).save(out, "PNG")
try:
    store_image(out, sys.argv[1], max_bytes=5 << 20, max_pixels=10**7,
                max_animation_pixels=10**7)
except OSError as exc:
    print("failed:", exc.errno)
"""


def test_a_photo_whose_write_fails_leaves_no_part_file(tmp_path):
    import errno
    import subprocess
    import sys
    uploads = tmp_path / "uploads"
    done = subprocess.run([sys.executable, "-c", WRITE_FAILS, str(uploads)],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == f"failed: {errno.EFBIG}", done
    assert list(uploads.iterdir()) == []

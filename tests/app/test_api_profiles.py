"""Profiles through the JSON API: name and bio (PATCH /api/me), the profile picture
(PUT / DELETE /api/me/avatar, GET /avatars/<file>), and what deleting an account
does to the picture."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from appclient import PASSWORD, encode_multipart, image_bytes, login, signup
from PIL import Image

from handlers.profiles import AVATAR_LARGE, AVATAR_SMALL, BIO_MAX_CHARS


@pytest.fixture
def ann(make_user):
    return make_user("ann", "Ann Lee")


def put_avatar(client, data: bytes, *, filename="me.png", ctype="image/png", fields=None,
               headers=None):
    body, content_type = encode_multipart(fields, {"image": (filename, data, ctype)})
    return client.request("PUT", "/api/me/avatar", body=body,
                          headers={"Content-Type": content_type, **(headers or {})})


def with_csrf(client) -> dict:
    return {"X-CSRF-Token": client.csrf_token()}


def small_url(user: dict) -> str:
    return user["avatar_url"].replace(f"-{AVATAR_LARGE}.", f"-{AVATAR_SMALL}.")


def uploaded_files(server) -> set:
    uploads = Path(server.uploads_dir)
    return {p.name for p in uploads.iterdir()} if uploads.exists() else set()


# -- name and bio -----------------------------------------------------------------------


def test_patch_me_changes_name_and_bio_and_every_user_object_shows_them(server, ann):
    answer = ann.patch_json("/api/me", {"name": "Ann Marie Lee", "bio": "Knits.\r\nReads."})
    assert answer.status == 200, answer
    me = answer.json()
    assert (me["name"], me["bio"], me["avatar_url"]) == ("Ann Marie Lee", "Knits.\nReads.", None)
    assert ann.get("/api/me").json()["bio"] == "Knits.\nReads."
    post = ann.post_json("/api/posts", {"body": "hi", "visibility": "public"}).json()
    assert post["author"]["bio"] == "Knits.\nReads."
    assert post["author"]["name"] == "Ann Marie Lee"
    # Only the bio: the name stays.
    assert ann.patch_json("/api/me", {"bio": ""}).json()["name"] == "Ann Marie Lee"


def test_a_bio_over_500_characters_is_422_naming_the_field_and_changes_nothing(ann):
    assert ann.patch_json("/api/me", {"bio": "x" * BIO_MAX_CHARS}).status == 200
    answer = ann.patch_json("/api/me", {"name": "New Name", "bio": "y" * (BIO_MAX_CHARS + 1)})
    assert answer.status == 422 and answer.error_code == "invalid"
    assert list(answer.json()["error"]["fields"]) == ["bio"]
    me = ann.get("/api/me").json()
    assert me["bio"] == "x" * BIO_MAX_CHARS and me["name"] == "Ann Lee"


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 81}, "name"),
    ({"name": "Ann\u202eLee"}, "name"), ({"name": 7}, "name"),
    ({"bio": 7}, "bio"), ({"bio": "bell\x07"}, "bio"),
])
def test_patch_me_names_the_bad_field(ann, body, field):
    answer = ann.patch_json("/api/me", body)
    assert answer.status == 422
    assert list(answer.json()["error"]["fields"]) == [field]


def test_patch_me_needs_something_a_session_and_json(server, ann):
    assert ann.patch_json("/api/me", {}).status == 422
    assert server.client().patch_json("/api/me", {"bio": "x"}).status == 401
    form = ann.request("PATCH", "/api/me", body=b"bio=x",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status == 403  # a cookie request must be JSON
    assert ann.get("/api/me").json()["bio"] == ""


# -- the picture ------------------------------------------------------------------------


def exif_jpeg(size=(640, 400)) -> bytes:
    """A JPEG carrying EXIF with a GPS position and a camera serial number."""
    image = Image.new("RGB", size, (200, 40, 40))
    for x in range(size[0] // 2 - 20, size[0] // 2 + 20):  # a green mark at the centre
        for y in range(size[1] // 2 - 20, size[1] // 2 + 20):
            image.putpixel((x, y), (20, 200, 20))
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera"        # Model
    exif[0xA431] = "SERIAL-12345"         # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert b"SERIAL-12345" in out.getvalue()
    return out.getvalue()


def test_an_avatar_is_cropped_square_in_two_sizes_without_exif_and_public(server, ann):
    answer = put_avatar(ann, exif_jpeg(), filename="me.jpg", ctype="image/jpeg",
                        headers=with_csrf(ann))
    assert answer.status == 200, answer
    me = answer.json()
    assert me["avatar_url"].startswith("/avatars/") and me["avatar_url"].endswith(".jpg")
    assert ann.get("/api/me").json()["avatar_url"] == me["avatar_url"]
    anonymous = server.client()
    for url, size in ((me["avatar_url"], AVATAR_LARGE), (small_url(me), AVATAR_SMALL)):
        got = anonymous.get(url)   # public, like a name
        assert got.status == 200 and got.headers["content-type"] == "image/jpeg"
        assert b"SERIAL-12345" not in got.body and b"Secret Camera" not in got.body
        with Image.open(io.BytesIO(got.body)) as image:
            assert image.size == (size, size)
            assert not image.getexif()
            centre = image.getpixel((size // 2, size // 2))
            assert centre[1] > 150 and centre[0] < 100  # the centre was kept
    assert len(uploaded_files(server)) == 2


def test_replacing_the_avatar_removes_the_old_files_and_urls(server, ann):
    first = put_avatar(ann, image_bytes((60, 60)), headers=with_csrf(ann)).json()
    second = put_avatar(ann, image_bytes((90, 50), color=(1, 2, 3)),
                        headers=with_csrf(ann)).json()
    assert first["avatar_url"] != second["avatar_url"]
    assert ann.get(first["avatar_url"]).status == 404
    assert ann.get(small_url(first)).status == 404
    assert ann.get(second["avatar_url"]).status == 200
    files = uploaded_files(server)
    assert len(files) == 2 and all(Path(second["avatar_url"]).stem[:-4] in f for f in files)


def test_delete_avatar_goes_back_to_initials(server, ann):
    me = put_avatar(ann, image_bytes((60, 60)), headers=with_csrf(ann)).json()
    answer = ann.delete("/api/me/avatar")
    assert answer.status == 200 and answer.json()["avatar_url"] is None
    assert ann.get(me["avatar_url"]).status == 404
    assert uploaded_files(server) == set()
    assert ann.delete("/api/me/avatar").status == 200  # nothing to remove is fine


def test_a_non_image_avatar_is_415_and_an_oversized_one_413(app_server):
    server = app_server(max_image_bytes=4096, max_image_pixels=1000)
    client = server.client()
    assert signup(client, "bob").status == 201
    assert login(client, "bob").status == 200
    token = {"X-CSRF-Token": client.csrf_token()}
    text = put_avatar(client, b"not a picture at all", filename="a.png", headers=token)
    assert text.status == 415 and text.error_code == "unsupported_media_type"
    big = put_avatar(client, b"\x89PNG" + b"0" * 8000, headers=token)
    assert big.status == 413 and big.error_code == "too_large"
    pixels = put_avatar(client, image_bytes((40, 40)), headers=token)
    assert pixels.status == 413
    assert client.get("/api/me").json()["avatar_url"] is None
    assert uploaded_files(server) == set()


def test_put_avatar_needs_the_csrf_token_with_a_cookie_and_a_file(server, ann):
    refused = put_avatar(ann, image_bytes())
    assert refused.status == 403
    good = put_avatar(ann, image_bytes(), fields={"csrf_token": ann.csrf_token()})
    assert good.status == 200
    no_file, ctype = encode_multipart({"csrf_token": ann.csrf_token()})
    missing = ann.request("PUT", "/api/me/avatar", body=no_file,
                          headers={"Content-Type": ctype})
    assert missing.status == 422 and list(missing.json()["error"]["fields"]) == ["image"]
    json_put = ann.send_json("PUT", "/api/me/avatar", {"image": "x"})
    assert json_put.status == 415
    assert server.client().request("PUT", "/api/me/avatar").status == 401


def test_a_bearer_client_puts_an_avatar_without_csrf(server, ann):
    phone = server.client().bearer(login(server.client(), "ann").json()["token"])
    assert put_avatar(phone, image_bytes()).status == 200


def test_unknown_avatar_urls_are_404(server, ann):
    anonymous = server.client()
    for path in ("/avatars/nothing", "/avatars/../data/miniface.db",
                 "/avatars/AAAAAAAAAAAAAAAAAAAAAA-48.jpg",
                 "/avatars/AAAAAAAAAAAAAAAAAAAAAA.jpg"):
        assert anonymous.get(path).status == 404, path
    me = put_avatar(ann, image_bytes(), headers=with_csrf(ann)).json()
    other_size = me["avatar_url"].replace(f"-{AVATAR_LARGE}.", "-100.")
    assert anonymous.get(other_size).status == 404


def test_the_avatar_of_a_deleted_account_is_404_and_its_files_are_gone(server, ann):
    me = put_avatar(ann, image_bytes(), headers=with_csrf(ann)).json()
    assert server.client().get(me["avatar_url"]).status == 200
    assert ann.send_json("DELETE", "/api/me", {"password": PASSWORD}).status == 204
    assert server.client().get(me["avatar_url"]).status == 404
    assert server.client().get(small_url(me)).status == 404
    assert uploaded_files(server) == set()


def test_a_wrong_password_keeps_the_account_and_its_avatar(server, ann):
    me = put_avatar(ann, image_bytes(), headers=with_csrf(ann)).json()
    answer = ann.send_json("DELETE", "/api/me", {"password": "not my password"})
    assert answer.status == 403
    assert server.client().get(me["avatar_url"]).status == 200
    assert len(uploaded_files(server)) == 2


def test_avatars_show_on_every_user_object(server, ann, make_user, befriend):
    bob = make_user("bob", "Bob Stone")
    befriend(ann, bob)
    me = put_avatar(ann, image_bytes(), headers=with_csrf(ann)).json()
    url = me["avatar_url"]
    ann.post_json("/api/posts", {"body": "hello", "visibility": "friends"})
    post = bob.get("/api/feed").json()["posts"][0]
    assert post["author"]["avatar_url"] == url
    friends = bob.get("/api/friends").json()["friends"]
    assert [f["avatar_url"] for f in friends] == [url]
    assert bob.get("/api/users/ann").json()["avatar_url"] == url
    comment = ann.post_json(f"/api/posts/{post['id']}/comments", {"body": "me again"}).json()
    assert comment["author"]["avatar_url"] == url
    bob.post_json("/api/messages/ann", {"body": "hi"})
    conversations = bob.get("/api/messages").json()["conversations"]
    assert conversations[0]["with"]["avatar_url"] == url


# -- a failed write -----------------------------------------------------------------------

WRITE_FAILS = """
import io, resource, signal, sys
from handlers.uploads import store_avatar
from PIL import Image
# A file-size limit lets the small size through and stops the large one half-way,
# as a disk filling up would.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
out = io.BytesIO()
Image.effect_noise((600, 600), 90).convert("RGB").save(out, "PNG")
try:
    store_avatar(out, sys.argv[1], sizes=(48, 256), max_bytes=5 << 20, max_pixels=10**7,
                 max_animation_pixels=10**7)
except OSError as exc:
    print("failed:", exc.errno)
"""


def test_an_avatar_whose_write_fails_leaves_no_file_of_any_size(tmp_path):
    import errno
    uploads = tmp_path / "uploads"
    done = subprocess.run([sys.executable, "-c", WRITE_FAILS, str(uploads)],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == f"failed: {errno.EFBIG}", done
    assert list(uploads.iterdir()) == []


def test_the_openapi_document_states_the_limits_the_server_enforces(client):
    from handlers.auth import NAME_MAX_CHARS
    document = client.get("/api/openapi.json").json()
    patch = document["paths"]["/api/me"]["patch"]
    fields = patch["requestBody"]["content"]["application/json"]["schema"]["properties"]
    bio = re.compile(fields["bio"]["pattern"])  # the limit counts the trimmed text
    assert bio.search(" " + "x" * BIO_MAX_CHARS + " ") and not bio.search("x" * (BIO_MAX_CHARS + 1))
    assert (fields["name"]["minLength"], fields["name"]["maxLength"]) == (1, NAME_MAX_CHARS)
    assert document["components"]["schemas"]["User"]["properties"]["bio"]["maxLength"] \
        == BIO_MAX_CHARS
    put = document["paths"]["/api/me/avatar"]["put"]
    assert {"413", "415", "422"} <= set(put["responses"])
    assert "multipart/form-data" in put["requestBody"]["content"]
    assert {"422"} <= set(patch["responses"])

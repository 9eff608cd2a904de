"""Photos readable from every node (handlers/media.py): two MiniFace servers with
separate data directories on one PostgreSQL database serve a photo uploaded
through either, and a deleted photo is gone from both. With sqlite the files in
the data directory are the only copy."""

import pytest
from appclient import image_bytes, login, signup, wait_for


def _upload(client, data: bytes):
    return client.post_multipart("/api/posts", {"body": "a photo", "visibility": "public"},
                                 {"image": ("photo.png", data, "image/png")},
                                 headers={"X-CSRF-Token": client.csrf_token()})


def _logged_in(node, username):
    client = node.client()
    login(client, username).json()
    assert client.get("/api/me").status == 200
    return client


@pytest.fixture
def two_nodes(fresh_pg_database, app_server):
    url = fresh_pg_database()
    return app_server(database=url), app_server(database=url)


ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


@ON_POSTGRESQL
def test_a_photo_uploaded_through_either_node_is_served_by_both(two_nodes):
    first, second = two_nodes
    assert first.config.uploads_dir != second.config.uploads_dir
    assert signup(first.client(), "alice").status == 201
    on_first, on_second = _logged_in(first, "alice"), _logged_in(second, "alice")

    for via, other, data in ((on_first, on_second, image_bytes(size=(40, 30))),
                             (on_second, on_first, image_bytes(size=(50, 20)))):
        created = _upload(via, data)
        assert created.status == 201, created
        url = created.json()["image_url"]
        from_uploader, from_other = via.get(url), other.get(url)
        assert from_uploader.status == 200 and from_other.status == 200, from_other
        assert from_other.body == from_uploader.body
        assert from_other.headers["content-type"] == "image/png"
        # The other node now holds its own copy and serves that file.
        other_node = second if other is on_second else first
        assert (other_node.uploads_dir / url.rsplit("/", 1)[1]).read_bytes() == from_other.body


@ON_POSTGRESQL
def test_a_deleted_photo_is_not_found_on_either_node(two_nodes):
    first, second = two_nodes
    assert signup(first.client(), "alice").status == 201
    on_first, on_second = _logged_in(first, "alice"), _logged_in(second, "alice")
    created = _upload(on_first, image_bytes())
    assert created.status == 201, created
    post, url = created.json(), created.json()["image_url"]
    assert on_second.get(url).status == 200  # now cached on the second node too

    deleted = on_first.delete(f"/api/posts/{post['id']}",
                              headers={"X-CSRF-Token": on_first.csrf_token()})
    assert deleted.status in (200, 204), deleted
    assert on_first.get(url).status == 404
    assert on_second.get(url).status == 404
    assert first.db.query_value("SELECT count(*) FROM media") == 0
    # The deletion is announced: the second node drops its cached copy too.
    cached = second.uploads_dir / url.rsplit("/", 1)[1]
    wait_for(lambda: not cached.exists(), timeout=5)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_with_sqlite_photos_are_files_only(server, make_user):
    alice = make_user("alice")
    created = _upload(alice, image_bytes())
    assert created.status == 201, created
    name = created.json()["image_url"].rsplit("/", 1)[1]
    assert (server.uploads_dir / name).is_file()
    assert server.db.query_value("SELECT count(*) FROM media") == 0

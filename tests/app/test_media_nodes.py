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


@ON_POSTGRESQL
def test_photos_stored_on_nodes_before_migration_005_are_copied_into_the_database(
        pg_cluster, app_server, tmp_path, monkeypatch):
    """A PostgreSQL site at schema 4 kept each photo on the disk of the node that
    took the upload. Upgrading copies them into `media` (`miniface init-db` on one
    node, `create_app` when another starts), in batches and once, so a third node
    with an empty directory serves all of them."""
    import os

    from handlers import cli, media
    from handlers.store import connect

    monkeypatch.setattr(media, "COPY_BATCH_FILES", 2)      # several batches of names
    monkeypatch.setattr(media, "COPY_BATCH_BYTES", 1)      # and one photo per statement
    url = pg_cluster.create_database(f"before005_{os.getpid()}")
    try:
        db = connect(url)
        db.apply_schema(upto=4)
        ann = db.execute("INSERT INTO users (username, name, password_hash, created_at)"
                         " VALUES ('ann', 'Ann', 'x', 1)")
        one_dir, two_dir = tmp_path / "one" / "uploads", tmp_path / "two" / "uploads"
        photos = {}
        for directory, names in ((one_dir, ("aaaaaaaa0001.png", "aaaaaaaa0002.png",
                                            "aaaaaaaa0003.png")),
                                 (two_dir, ("bbbbbbbb0001.png",))):
            directory.mkdir(parents=True)
            for number, name in enumerate(names):
                photos[name] = image_bytes(size=(20 + number, 10))
                (directory / name).write_bytes(photos[name])
                db.execute("INSERT INTO posts (author_id, body, visibility, image_name,"
                           " created_at) VALUES (:ann, 'old', 'public', :name, 2)",
                           {"ann": ann, "name": name})
        # A file no post names (left by a failed upload, say) is not copied.
        (one_dir / "cccccccc0001.png").write_bytes(image_bytes())
        db.close()

        # Node one upgrades the database through init-db.
        assert cli.main(["init-db", "--data-dir", str(tmp_path / "one"),
                         "--database", url]) == 0
        db = connect(url)
        stored = {row["name"]: bytes(row["data"])
                  for row in db.query_all("SELECT name, data FROM media")}
        assert stored == {name: photos[name] for name in photos if name.startswith("a")}
        marker = media.Media(db, one_dir).copied_marker
        assert marker.read_text().strip().endswith(f"/before005_{os.getpid()}")
        # Node two copies its own photo when it starts; node three, with an empty
        # directory, then serves every old photo from the database.
        app_server(database=url, uploads_dir=two_dir)
        assert db.query_value("SELECT count(*) FROM media") == 4
        three = app_server(database=url)
        for name, data in photos.items():
            answer = three.client().get(f"/photos/{name}")
            assert answer.status == 200 and answer.body == data, (name, answer)
        assert three.client().get("/photos/cccccccc0001.png").status == 404
        # Again, without the marker: nothing is copied twice, nothing fails.
        marker.unlink()
        assert media.Media(db, one_dir).copy_local_files() == 0
        assert db.query_value("SELECT count(*) FROM media") == 4
        db.close()
    finally:
        pg_cluster.drop_database(f"before005_{os.getpid()}")

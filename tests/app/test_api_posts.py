"""Posts and the feed through the JSON API: create, read, change, delete, paginate."""

import pytest
from appclient import image_bytes


def test_creating_a_post_answers_201_with_the_post(make_user):
    alice = make_user("alice", "Alice Liddell")
    created = alice.post_json("/api/posts", {"body": "Hello\nworld", "visibility": "public"})
    assert created.status == 201
    post = created.json()
    assert set(post) == {"id", "author", "body", "visibility", "image_url", "created_at",
                         "likes", "liked", "comments", "edited_at"}
    assert post["body"] == "Hello\nworld" and post["visibility"] == "public"
    assert post["image_url"] is None
    assert post["author"] == {**alice.user, "friendship": "self"}
    assert alice.get(f"/api/posts/{post['id']}").json() == post


def test_a_post_without_visibility_is_for_friends(make_user):
    alice = make_user("alice")
    assert alice.post_json("/api/posts", {"body": "hi"}).json()["visibility"] == "friends"


@pytest.mark.parametrize("body, field", [
    ({"body": ""}, "body"),
    ({"body": "   \n "}, "body"),
    ({"body": "x" * 5001}, "body"),
    ({"body": "bell\x07"}, "body"),
    ({"body": 42}, "body"),
    ({"body": "ok", "visibility": "everyone"}, "visibility"),
])
def test_invalid_posts_are_refused_with_the_field_named(make_user, body, field):
    alice = make_user("alice")
    answer = alice.post_json("/api/posts", body)
    assert answer.status == 422
    assert list(answer.json()["error"]["fields"]) == [field]
    assert alice.get("/api/feed").json()["posts"] == []


def test_a_post_may_hold_exactly_5000_characters(make_user):
    alice = make_user("alice")
    assert alice.post_json("/api/posts", {"body": "é" * 5000}).status == 201


def test_a_post_with_a_photo_from_multipart(make_user):
    alice = make_user("alice")
    created = alice.post_multipart(
        "/api/posts", {"body": "look", "visibility": "public", "csrf_token": alice.csrf_token()},
        {"image": ("holiday.png", image_bytes(), "image/png")})
    assert created.status == 201, created
    post = created.json()
    assert post["body"] == "look" and post["image_url"].startswith("/photos/")
    assert "holiday" not in post["image_url"]
    photo = alice.get(post["image_url"])
    assert photo.status == 200 and photo.headers["content-type"] == "image/png"
    assert photo.body.startswith(b"\x89PNG")


def test_a_photo_alone_is_a_post(make_user):
    alice = make_user("alice")
    created = alice.post_multipart("/api/posts", {"csrf_token": alice.csrf_token()},
                                   {"image": ("a.jpg", image_bytes(fmt="JPEG"), "image/jpeg")})
    assert created.status == 201
    assert created.json()["body"] == "" and created.json()["image_url"].endswith(".jpg")


def test_changing_visibility(make_user):
    alice = make_user("alice")
    post_id = alice.post_json("/api/posts", {"body": "x", "visibility": "public"}).json()["id"]
    changed = alice.patch_json(f"/api/posts/{post_id}", {"visibility": "private"})
    assert changed.status == 200 and changed.json()["visibility"] == "private"
    bad = alice.patch_json(f"/api/posts/{post_id}", {"visibility": "nobody"})
    assert bad.status == 422 and "visibility" in bad.json()["error"]["fields"]


def test_only_the_author_changes_or_deletes_a_post(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    post_id = alice.post_json("/api/posts", {"body": "x", "visibility": "public"}).json()["id"]
    assert bob.patch_json(f"/api/posts/{post_id}", {"visibility": "private"}).status == 403
    assert bob.delete(f"/api/posts/{post_id}").status == 403
    assert alice.get(f"/api/posts/{post_id}").json()["visibility"] == "public"


def test_posts_others_cannot_see_are_404_not_403(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    post_id = alice.post_json("/api/posts", {"body": "x", "visibility": "private"}).json()["id"]
    assert bob.patch_json(f"/api/posts/{post_id}", {"visibility": "public"}).status == 404
    assert bob.delete(f"/api/posts/{post_id}").status == 404


def test_deleting_a_post_removes_it_and_its_photo(server, make_user):
    alice = make_user("alice")
    post = alice.post_multipart("/api/posts", {"body": "bye", "csrf_token": alice.csrf_token()},
                                {"image": ("a.png", image_bytes(), "image/png")}).json()
    stored = server.uploads_dir / post["image_url"].rsplit("/", 1)[1]
    assert stored.is_file()
    assert alice.delete(f"/api/posts/{post['id']}").status == 204
    assert not stored.exists()
    assert alice.get(f"/api/posts/{post['id']}").status == 404
    assert alice.get(post["image_url"]).status == 404
    assert alice.delete(f"/api/posts/{post['id']}").status == 404


def test_unknown_and_malformed_post_ids(make_user):
    alice = make_user("alice")
    assert alice.get("/api/posts/999").status == 404
    assert alice.get("/api/posts/abc").status == 404


def test_the_feed_pages_newest_first_with_next_before(make_user):
    alice = make_user("alice")
    ids = [alice.post_json("/api/posts", {"body": f"post {i}"}).json()["id"] for i in range(5)]
    first = alice.get("/api/feed?limit=2").json()
    assert [p["id"] for p in first["posts"]] == ids[:-3:-1]
    assert first["next_before"] == ids[3]
    second = alice.get(f"/api/feed?limit=2&before={first['next_before']}").json()
    assert [p["id"] for p in second["posts"]] == [ids[2], ids[1]]
    last = alice.get(f"/api/feed?limit=2&before={second['next_before']}").json()
    assert [p["id"] for p in last["posts"]] == [ids[0]]
    assert last["next_before"] is None


def test_a_page_that_ends_exactly_has_no_next_page(make_user):
    alice = make_user("alice")
    for i in range(3):
        alice.post_json("/api/posts", {"body": f"post {i}"})
    assert alice.get("/api/feed?limit=3").json()["next_before"] is None


def test_the_default_page_is_20_and_the_maximum_100(make_user):
    alice = make_user("alice")
    for i in range(21):
        alice.post_json("/api/posts", {"body": f"post {i}"})
    page = alice.get("/api/feed").json()
    assert len(page["posts"]) == 20 and page["next_before"] is not None
    assert len(alice.get("/api/feed?limit=100").json()["posts"]) == 21


@pytest.mark.parametrize("path", ["/api/feed", "/api/users/alice/posts", "/api/users?q=a",
                                  "/api/friends/requests", "/api/messages/alice",
                                  "/api/notifications", "/api/posts/1/likes",
                                  "/api/posts/1/comments"])
def test_a_limit_above_100_is_refused_naming_the_field(make_user, path):
    alice = make_user("alice")
    alice.post_json("/api/posts", {"body": "one"})
    sep = "&" if "?" in path else "?"
    answer = alice.get(f"{path}{sep}limit=101")
    assert answer.status == 422, answer
    assert answer.json()["error"]["fields"] == {"limit": "1 to 100"}
    assert alice.get(f"{path}{sep}limit=100").status in (200, 403)


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=abc", "before=x",
                                   "before=0", "limit=%D9%A1"])
def test_bad_paging_parameters_are_400(make_user, query):
    alice = make_user("alice")
    answer = alice.get(f"/api/feed?{query}")
    assert answer.status == 400 and answer.error_code == "bad_request"


def test_profile_posts_page_too(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    ids = [alice.post_json("/api/posts", {"body": f"p{i}", "visibility": "public"}).json()["id"]
           for i in range(3)]
    page = bob.get("/api/users/alice/posts?limit=2").json()
    assert [p["id"] for p in page["posts"]] == [ids[2], ids[1]]
    rest = bob.get(f"/api/users/alice/posts?limit=2&before={page['next_before']}").json()
    assert [p["id"] for p in rest["posts"]] == [ids[0]] and rest["next_before"] is None
    assert bob.get("/api/users/nobody/posts").status == 404

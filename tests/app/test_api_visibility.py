"""The visibility matrix: author / friend / stranger / logged out x public / friends /
private, for the feed, profile posts, the post URL and the photo URL."""

import pytest
from appclient import image_bytes

VISIBILITIES = ("public", "friends", "private")
# Who sees a post of each visibility (DESIGN.md: theirs, public, or friends' posts).
SEES = {
    "author": {"public", "friends", "private"},
    "friend": {"public", "friends"},
    "stranger": {"public"},
    "anonymous": {"public"},
}


@pytest.fixture
def world(server, make_user, befriend):
    """Alice posts one photo post of each visibility; Bob is her friend, Carol is not."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    token = alice.csrf_token()
    posts = {}
    for visibility in VISIBILITIES:
        answer = alice.post_multipart(
            "/api/posts", {"body": f"{visibility} post", "visibility": visibility,
                           "csrf_token": token},
            {"image": ("p.png", image_bytes(), "image/png")})
        assert answer.status == 201, answer
        posts[visibility] = answer.json()
    viewers = {"author": alice, "friend": bob, "stranger": carol, "anonymous": server.client()}
    return viewers, posts


@pytest.mark.parametrize("viewer", ["author", "friend", "stranger"])
def test_the_feed_shows_exactly_the_visible_posts(world, viewer):
    viewers, posts = world
    feed = viewers[viewer].get("/api/feed").json()["posts"]
    assert {p["visibility"] for p in feed if p["author"]["username"] == "alice"} == SEES[viewer]


@pytest.mark.parametrize("viewer", ["author", "friend", "stranger"])
def test_profile_posts_show_exactly_the_visible_posts(world, viewer):
    viewers, posts = world
    listed = viewers[viewer].get("/api/users/alice/posts").json()["posts"]
    assert {p["visibility"] for p in listed} == SEES[viewer]


@pytest.mark.parametrize("viewer", ["author", "friend", "stranger"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_the_post_url_obeys_visibility(world, viewer, visibility):
    viewers, posts = world
    answer = viewers[viewer].get(f"/api/posts/{posts[visibility]['id']}")
    if visibility in SEES[viewer]:
        assert answer.status == 200 and answer.json() == {
            **posts[visibility], "author": {**posts[visibility]["author"],
                                            "friendship": answer.json()["author"]["friendship"]}}
    else:
        assert answer.status == 404 and answer.error_code == "not_found"


def test_logged_out_visitors_get_401_from_the_api(world):
    viewers, posts = world
    anonymous = viewers["anonymous"]
    assert anonymous.get("/api/feed").status == 401
    assert anonymous.get("/api/users/alice/posts").status == 401
    assert anonymous.get(f"/api/posts/{posts['public']['id']}").status == 401


@pytest.mark.parametrize("viewer", ["author", "friend", "stranger", "anonymous"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_the_photo_url_obeys_visibility(world, viewer, visibility):
    viewers, posts = world
    answer = viewers[viewer].get(posts[visibility]["image_url"])
    if visibility in SEES[viewer]:
        assert answer.status == 200 and answer.body.startswith(b"\x89PNG")
        assert "private" in answer.headers["cache-control"]
    else:
        assert answer.status == 404
        assert "PNG" not in answer.text


def test_the_friendship_field_says_how_the_viewer_relates(world):
    viewers, posts = world
    for viewer, expected in (("author", "self"), ("friend", "friends"), ("stranger", "none")):
        post = viewers[viewer].get(f"/api/posts/{posts['public']['id']}").json()
        assert post["author"]["friendship"] == expected


def test_unfriending_hides_friends_posts_and_photos_again(world):
    viewers, posts = world
    bob = viewers["friend"]
    assert bob.get(posts["friends"]["image_url"]).status == 200
    assert bob.delete("/api/friends/alice").status == 204
    assert bob.get(posts["friends"]["image_url"]).status == 404
    assert bob.get(f"/api/posts/{posts['friends']['id']}").status == 404


def test_making_a_post_private_hides_its_photo_at_once(world):
    viewers, posts = world
    alice, bob = viewers["author"], viewers["friend"]
    url = posts["public"]["image_url"]
    assert bob.get(url).status == 200
    alice.patch_json(f"/api/posts/{posts['public']['id']}", {"visibility": "private"})
    assert bob.get(url).status == 404
    assert alice.get(url).status == 200


def test_photo_names_that_are_not_ours_are_404(world):
    viewers, _ = world
    alice = viewers["author"]
    for name in ("../miniface.db", "..%2fminiface.db", "nothere.png", "x.txt", "a b.png"):
        assert alice.get("/photos/" + name.replace(" ", "%20")).status == 404, name

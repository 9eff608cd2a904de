"""What the pages show to whom, and the post and friendship form actions."""

from __future__ import annotations

import re

import pytest
from pages_helpers import csrf_of, flash_of, page_token, submit, visible_text

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy",
                    "x-frame-options")


def api_post(client, body, visibility):
    result = client.post_json("/api/posts", {"body": body, "visibility": visibility})
    assert result.status == 201, result
    return result.json()


@pytest.fixture
def cast(make_user, befriend, client):
    """alice (author), bob (her friend), carol (a stranger), and a logged-out visitor;
    alice has one post of each visibility."""
    alice, bob, carol = make_user("alice", "Alice Liddell"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    posts = {v: api_post(alice, f"alice {v} post", v) for v in ("public", "friends", "private")}
    return {"alice": alice, "bob": bob, "carol": carol, "visitor": client, "posts": posts}


SEES = {
    "alice": {"public", "friends", "private"},
    "bob": {"public", "friends"},
    "carol": {"public"},
    "visitor": {"public"},
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_profile_shows_each_viewer_exactly_the_posts_they_may_see(cast, who):
    page = cast[who].get("/u/alice")
    assert page.status == 200
    shown = {v for v in ("public", "friends", "private") if f"alice {v} post" in page.text}
    assert shown == SEES[who]


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_home_feed_shows_each_viewer_exactly_the_posts_they_may_see(cast, who):
    page = cast[who].get("/")
    shown = {v for v in ("public", "friends", "private") if f"alice {v} post" in page.text}
    assert shown == SEES[who]


def test_visitors_see_the_welcome_page_with_public_posts_only(cast):
    page = cast["visitor"].get("/")
    assert "Log in to MiniFace" in page.text and 'href="/signup"' in page.text
    assert "alice public post" in page.text and "alice friends post" not in page.text


@pytest.mark.parametrize("who, status", [("alice", 200), ("bob", 200), ("carol", 404),
                                         ("visitor", 404)])
def test_a_friends_post_page_is_404_to_those_who_may_not_see_it(cast, who, status):
    post_id = cast["posts"]["friends"]["id"]
    page = cast[who].get(f"/posts/{post_id}")
    assert page.status == status
    assert ("alice friends post" in page.text) == (status == 200)


def test_only_the_author_gets_the_post_menu(cast):
    # Everyone who is logged in may like and comment; only the author may change it.
    for action in ("/visibility", "/delete", "/edit"):
        assert action + '"' in cast["alice"].get("/u/alice").text
        assert action + '"' not in cast["bob"].get("/u/alice").text


def test_html_in_names_and_posts_comes_back_escaped(make_user, befriend):
    evil = make_user("mallory", '<img src=x onerror=alert(1)>"Mal')
    friend = make_user("trent")
    befriend(evil, friend)
    api_post(evil, "<script>alert('body')</script>\nsecond & line", "public")
    for page in (friend.get("/"), friend.get("/u/mallory"), friend.get("/people?q=mallory"),
                 friend.get("/friends"), evil.get("/")):
        assert page.status == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;img src=x onerror=alert(1)&gt;&quot;Mal" in page.text
    feed = friend.get("/").text
    assert "&lt;script&gt;alert('body')&lt;/script&gt;\nsecond &amp; line" in feed


def test_search_query_is_escaped_in_the_page(make_user):
    alice = make_user("alice")
    page = alice.get('/people?q=%22%3E%3Cb%3Ehi')
    assert '"><b>hi' not in page.text
    assert 'value="&quot;&gt;&lt;b&gt;hi"' in page.text


def test_pages_and_error_pages_carry_the_security_headers(cast):
    for page in (cast["visitor"].get("/"), cast["alice"].get("/"),
                 cast["visitor"].get("/no/such/page"), cast["alice"].get("/login")):
        for name in SECURITY_HEADERS:
            assert name in page.headers, (name, page)
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert cast["alice"].get("/").headers["cache-control"] == "no-store"


def test_unknown_pages_get_the_styled_404(cast):
    for who in ("visitor", "alice"):
        page = cast[who].get("/no/such/page")
        assert page.status == 404
        assert page.headers["content-type"].startswith("text/html")
        assert '<link rel="stylesheet" href="/assets/style.css">' in page.text
        assert "This page isn't available" in page.text
    assert cast["visitor"].get("/u/nobody_here").status == 404


def test_no_page_has_inline_script_or_style(cast):
    for path in ("/", "/u/alice", "/friends", "/people", "/login", "/signup"):
        text = cast["alice"].get(path).text + cast["visitor"].get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", text)
        assert "<style" not in text and " style=" not in text


# -- form actions --------------------------------------------------------------------


POST_ROUTES = ["/posts", "/posts/{id}/visibility", "/posts/{id}/delete",
               "/friends/bob/add", "/friends/bob/remove", "/logout"]


@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_form_action_refuses_a_missing_or_wrong_csrf_token(cast, route, token):
    alice = cast["alice"]
    path = route.format(id=cast["posts"]["public"]["id"])
    fields = {"body": "sneaky", "visibility": "private", "confirm": "yes"}
    if token:
        fields["csrf_token"] = token
    result = alice.post_form(path, fields)
    assert result.status == 403, result
    assert "text/html" in result.headers["content-type"]
    # Nothing changed: the post is still there and public, alice still logged in
    # and still friends with bob.
    page = alice.get("/u/alice")
    assert page.status == 200 and "alice public post" in page.text
    assert "sneaky" not in page.text
    assert cast["bob"].get(f"/posts/{cast['posts']['public']['id']}").status == 200
    assert "Unfriend" in alice.get("/u/bob").text


def test_the_multipart_composer_also_checks_the_token(cast, png_bytes):
    result = cast["alice"].post_multipart("/posts", {"body": "forged", "csrf_token": "x"},
                                          {"image": ("a.png", png_bytes(), "image/png")})
    assert result.status == 403
    assert "forged" not in cast["alice"].get("/").text


def test_cross_origin_form_posts_are_refused_even_with_the_token(cast):
    alice = cast["alice"]
    token = page_token(alice)
    result = alice.post_form("/posts", {"csrf_token": token, "body": "x"},
                             headers={"Origin": "http://evil.example"})
    assert result.status == 403


def test_posting_a_photo_from_the_composer(make_user, befriend, png_bytes, client):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    token = page_token(alice)
    result = alice.post_multipart(
        "/posts", {"csrf_token": token, "body": "Beach day", "visibility": "friends",
                   "next": "/u/alice"},
        {"image": ("beach.png", png_bytes((64, 48)), "image/png")})
    assert result.status == 303 and result.headers["location"] == "/u/alice"
    feed = bob.get("/")
    assert flash_of(alice.get("/u/alice")) == "Your post is up."
    photo = re.search(r'<img src="(/photos/[^"]+)" alt="Beach day"', feed.text).group(1)
    assert bob.get(photo).status == 200
    assert bob.get(photo).headers["content-type"] == "image/png"
    assert carol.get(photo).status == 404
    assert client.get(photo).status == 404
    assert "Beach day" not in carol.get("/u/alice").text


def test_a_photo_without_text_gets_alt_text_naming_the_author(make_user, png_bytes):
    alice = make_user("alice", "Alice Liddell")
    alice.post_multipart("/posts", {"csrf_token": page_token(alice), "visibility": "public"},
                         {"image": ("p.png", png_bytes(), "image/png")})
    assert 'alt="Photo by Alice Liddell"' in alice.get("/").text


def test_an_empty_post_is_refused_with_the_reason_under_the_composer(make_user):
    alice = make_user("alice")
    result = submit(alice, "/posts", {"body": "   ", "visibility": "private"})
    assert result.status == 422
    assert "Write something or add a photo." in visible_text(result)
    assert '<option value="private" selected>' in result.text


def test_a_file_that_is_not_an_image_is_refused_and_the_text_kept(make_user):
    alice = make_user("alice")
    result = alice.post_multipart(
        "/posts", {"csrf_token": page_token(alice), "body": "my notes", "visibility": "public"},
        {"image": ("notes.png", b"not really a png", "image/png")})
    assert result.status == 415
    assert ">my notes</textarea>" in result.text
    assert "PNG, JPEG, GIF or WebP" in visible_text(result)


def test_the_author_changes_visibility_from_the_post_menu(cast):
    alice, bob = cast["alice"], cast["bob"]
    post_id = cast["posts"]["friends"]["id"]
    result = submit(alice, f"/posts/{post_id}/visibility", {"visibility": "private",
                                                           "next": "/u/alice"})
    assert result.headers["location"] == "/u/alice"
    assert "only you" in flash_of(alice.get("/u/alice"))
    assert bob.get(f"/posts/{post_id}").status == 404


def test_others_cannot_change_or_delete_a_post(cast):
    bob = cast["bob"]
    post_id = cast["posts"]["public"]["id"]
    assert submit(bob, f"/posts/{post_id}/visibility", {"visibility": "private"}).status == 403
    assert submit(bob, f"/posts/{post_id}/delete", {"confirm": "yes"}).status == 403
    assert cast["carol"].get(f"/posts/{post_id}").status == 200


def test_deleting_without_javascript_asks_on_a_confirmation_page_first(cast):
    alice = cast["alice"]
    post_id = cast["posts"]["public"]["id"]
    asked = submit(alice, f"/posts/{post_id}/delete", {"next": f"/posts/{post_id}"})
    assert asked.status == 200
    assert "Delete this post?" in asked.text and "alice public post" in asked.text
    assert alice.get(f"/posts/{post_id}").status == 200
    done = alice.post_form(f"/posts/{post_id}/delete", {"csrf_token": csrf_of(asked),
                                                        "confirm": "yes", "next": "/"})
    assert done.status == 303 and done.headers["location"] == "/"
    assert flash_of(alice.get("/")) == "Post deleted."
    assert alice.get(f"/posts/{post_id}").status == 404


def test_friendship_buttons_walk_through_every_state(make_user):
    ann, ben = make_user("ann", "Ann A"), make_user("ben", "Ben B")
    assert "Add friend" in ann.get("/u/ben").text
    sent = submit(ann, "/friends/ben/add", {"next": "/u/ben"})
    assert flash_of(ann.get(sent.headers["location"])) == "Friend request sent to Ben B."
    assert "Cancel request" in ann.get("/u/ben").text
    ben_home = ben.get("/")
    assert "Ann A" in ben_home.text and 'action="/friends/ann/add"' in ben_home.text
    assert re.search(r'data-badge="requests"><span data-badge-count>1<', ben_home.text)
    accepted = submit(ben, "/friends/ann/add", {"next": "/"})
    assert flash_of(ben.get(accepted.headers["location"])) == "You and Ann A are now friends."
    assert "Unfriend" in ann.get("/u/ben").text
    submit(ann, "/friends/ben/remove", {"next": "/friends"})
    assert "Add friend" in ann.get("/u/ben").text


def test_declining_and_cancelling_requests(make_user):
    ann, ben = make_user("ann", "Ann A"), make_user("ben", "Ben B")
    submit(ann, "/friends/ben/add", {})
    cancelled = submit(ann, "/friends/ben/remove", {"next": "/friends"})
    assert flash_of(ann.get(cancelled.headers["location"])) == \
        "Friend request to Ben B cancelled."
    submit(ann, "/friends/ben/add", {})
    declined = submit(ben, "/friends/ann/remove", {"next": "/friends"})
    assert flash_of(ben.get(declined.headers["location"])) == \
        "Friend request from Ann A declined."
    again = submit(ben, "/friends/ann/remove", {"next": "/friends"})
    assert "nothing to undo" in flash_of(ben.get(again.headers["location"]))


def test_asking_twice_is_explained_not_an_error_page(make_user):
    ann, _ = make_user("ann"), make_user("ben")
    submit(ann, "/friends/ben/add", {})
    again = submit(ann, "/friends/ben/add", {"next": "/u/ben"})
    assert again.status == 303
    assert "already asked" in flash_of(ann.get("/u/ben"))


def test_friends_page_lists_requests_friends_and_suggestions(make_user, befriend):
    ann, ben, cat, dan = (make_user(n) for n in ("ann", "ben", "cat", "dan"))
    befriend(ann, ben)
    submit(cat, "/friends/ann/add", {})
    submit(ann, "/friends/dan/add", {})
    page = ann.get("/friends")
    sections = {s: page.text.split(f'id="{s}"')[1].split("</section>")[0]
                for s in ("incoming", "friends-list", "outgoing")}
    assert "@cat" in sections["incoming"]
    assert "@ben" in sections["friends-list"]
    assert "@dan" in sections["outgoing"]


def test_people_search_finds_by_name_and_shows_buttons(make_user):
    ann = make_user("ann")
    make_user("zed", "Zed Zebra")
    page = ann.get("/people?q=zebra")
    assert "@zed" in page.text and 'action="/friends/zed/add"' in page.text
    assert "No one matches" in ann.get("/people?q=nobody").text


def test_older_posts_link_pages_through_the_feed(make_user):
    ann = make_user("ann")
    for i in range(23):
        api_post(ann, f"post number {i}", "private")
    first = ann.get("/")
    assert ">post number 22<" in first.text and ">post number 3<" in first.text
    assert ">post number 2<" not in first.text
    older = re.search(r'href="(/\?before=\d+)" rel="next"', first.text).group(1)
    second = ann.get(older)
    assert ">post number 0<" in second.text and ">post number 3<" not in second.text
    assert 'rel="next"' not in second.text

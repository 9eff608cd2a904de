"""Error pages in the site's own style, each with its status and a way back.

Every error is caused for real: a page that does not exist (404), someone else's
post (403), a photo over the limit (413), too many wrong passwords (429), and a
database table that went missing under the running app (500).
"""

from __future__ import annotations

import re

import pytest
from appclient import login
from pages_helpers import page_token, submit, visible_text

from handlers.store import connect

STYLESHEET = '<link rel="stylesheet" href="/assets/style.css">'
HOME_LINK = '<a class="button" href="/">Go to the home page</a>'


def assert_styled_error(page, status: int, heading: str):
    assert page.status == status, page
    assert page.headers["content-type"].startswith("text/html")
    assert STYLESHEET in page.text
    assert f'<p class="error-card__status">{status}</p>' in page.text
    assert heading in visible_text(page)
    assert HOME_LINK in page.text  # the way back


@pytest.fixture
def small_uploads(app_server):
    return app_server(max_image_bytes=4096)


def test_404_page_links_home_and_to_log_in_for_visitors(client, make_user):
    page = client.get("/no/such/page")
    assert_styled_error(page, 404, "This page isn't available")
    assert 'href="/login"' in page.text
    member = make_user("ann").get("/u/nobody_here")
    assert_styled_error(member, 404, "This page isn't available")
    assert 'class="topbar__me"' in member.text  # a logged-in viewer keeps the top bar


def test_403_page_for_changing_someone_elses_post(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    posted = ben.post_json("/api/posts", {"body": "mine", "visibility": "public"})
    page = submit(ann, f"/posts/{posted.json()['id']}/visibility", {"visibility": "private"})
    assert_styled_error(page, 403, "You can't do that")
    assert "Only the author can change this post." in visible_text(page)


def logged_in_client(live):
    client = live.client()
    client.post_json("/api/signup", {"username": "ann", "name": "Ann",
                                     "password": "long enough pass"})
    assert login(client, "ann", "long enough pass").status == 200
    return client


def test_413_for_a_photo_over_the_limit_keeps_the_composer(small_uploads, png_bytes):
    client = logged_in_client(small_uploads)
    photo = png_bytes(size=(200, 200)) + b"\0" * 8192  # over 4 KiB, under the body limit
    page = client.post_multipart("/posts", {"csrf_token": page_token(client), "body": "big"},
                                 {"image": ("big.png", photo, "image/png")})
    assert page.status == 413
    assert STYLESHEET in page.text
    assert re.search(r'id="composer-error">[^<]* may be up to', page.text)  # back to the form


def test_413_page_for_a_body_over_the_limit(small_uploads, png_bytes):
    client = logged_in_client(small_uploads)
    huge = b"\0" * (200 * 1024)  # past max_image_bytes plus the form's allowance
    page = client.post_multipart("/posts", {"csrf_token": page_token(client), "body": "big"},
                                 {"image": ("huge.png", huge, "image/png")})
    assert_styled_error(page, 413, "That is too big")


def test_429_login_page_says_when_to_try_again_and_links_back(server, make_user):
    make_user("ann")
    visitor = server.client()
    token = page_token(visitor, "/login")
    for _ in range(server.config.login_failure_limit):
        visitor.post_form("/login", {"csrf_token": token, "username": "ann",
                                     "password": "wrong password"})
    page = visitor.post_form("/login", {"csrf_token": token, "username": "ann",
                                        "password": "wrong password"})
    assert page.status == 429
    assert int(page.headers["retry-after"]) >= 1
    assert STYLESHEET in page.text
    assert "Too many failed attempts for this account. Try again" in visible_text(page)
    assert 'class="brand" href="/"' in page.text and 'href="/signup"' in page.text


def test_500_page_when_the_database_breaks_under_the_app(server, make_user):
    ann = make_user("ann")
    other = connect(server.config.database_target)  # another process's connection
    other.execute("ALTER TABLE likes RENAME TO likes_gone")
    try:
        page = ann.get("/")
        assert_styled_error(page, 500, "Something went wrong on our side")
        assert "It is not you, it is us." in visible_text(page)
        assert "likes" not in visible_text(page)  # no internals shown
    finally:
        other.execute("ALTER TABLE likes_gone RENAME TO likes")
        other.close()

"""The settings page over real HTTP, as a browser without JavaScript uses it: plain
forms, 303 back with a message, errors next to their fields; and avatars on the
pages where people appear."""

from __future__ import annotations

import re

import pytest
from appclient import PASSWORD, encode_multipart, image_bytes, login
from pages_helpers import field_error, flash_of, page_token, submit, visible_text

from handlers.profiles import AVATAR_LARGE, AVATAR_SMALL

NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def ann(make_user):
    return make_user("ann", "Ann Lee")


def follow(client, result):
    assert result.status == 303, result
    return client.get(result.headers["location"])


def upload_avatar(client, data: bytes, ctype: str = "image/png"):
    token = page_token(client, "/settings")
    body, content_type = encode_multipart({"csrf_token": token},
                                          {"image": ("me.png", data, ctype)})
    return client.request("POST", "/settings/avatar", body=body,
                          headers={"Content-Type": content_type})


def avatar_srcs(result) -> list:
    return re.findall(r'<img class="avatar avatar--photo" src="([^"]+)"', result.text)


def first_card(result) -> str:
    match = re.search(r'<article class="card post".*?</article>', result.text, re.S)
    assert match, "no post card on the page"
    return match.group(0)


def test_settings_is_linked_from_the_top_bar_and_needs_a_login(server, ann):
    assert 'href="/settings"' in ann.get("/").text
    page = ann.get("/settings")
    assert page.status == 200
    text = visible_text(page)
    for heading in ("Profile", "Password", "Delete account", "Profile picture", "Bio"):
        assert heading in text
    anonymous = server.client().get("/settings")
    assert anonymous.status == 303 and anonymous.headers["location"].startswith("/login")


def test_name_and_bio_are_saved_and_shown_on_the_profile(server, ann):
    result = submit(ann, "/settings/profile", {"name": "Ann Marie Lee",
                                               "bio": "Knitting & <b>tea</b>.\r\nBerlin."},
                    from_page="/settings")
    page = follow(ann, result)
    assert flash_of(page) == "Profile saved."
    assert 'value="Ann Marie Lee"' in page.text
    profile = server.client().get("/u/ann")
    assert "Ann Marie Lee" in profile.text
    assert '<p class="profile__bio">Knitting &amp; &lt;b&gt;tea&lt;/b&gt;.\nBerlin.</p>' \
        in profile.text


def test_a_long_bio_is_refused_next_to_its_field_with_the_typed_text_kept(ann):
    result = submit(ann, "/settings/profile", {"name": "Ann New", "bio": "b" * 501},
                    from_page="/settings")
    assert result.status == 422
    assert "500 characters" in field_error(result, "settings-bio")
    assert field_error(result, "settings-name") is None
    assert "b" * 501 in result.text and 'value="Ann New"' in result.text
    assert ann.get("/api/me").json()["name"] == "Ann Lee"
    blank = submit(ann, "/settings/profile", {"name": " ", "bio": ""}, from_page="/settings")
    assert blank.status == 422 and "Enter your name" in field_error(blank, "settings-name")


def test_an_avatar_upload_shows_in_the_top_bar_on_cards_and_the_profile(server, ann,
                                                                        make_user, befriend):
    bob = make_user("bob", "Bob Stone")
    befriend(ann, bob)
    ann.post_json("/api/posts", {"body": "With a face now", "visibility": "friends"})
    page = follow(ann, upload_avatar(ann, image_bytes((120, 80))))
    assert flash_of(page) == "Profile picture updated."
    small = ann.get("/api/me").json()["avatar_url"].replace(f"-{AVATAR_LARGE}.",
                                                            f"-{AVATAR_SMALL}.")
    assert small in avatar_srcs(ann.get("/"))              # top bar and her card
    assert small in avatar_srcs(bob.get("/"))              # on her card in bob's feed
    assert small in avatar_srcs(bob.get("/friends"))       # bob's friend list
    profile = server.client().get("/u/ann")
    large = small.replace(f"-{AVATAR_SMALL}.", f"-{AVATAR_LARGE}.")
    assert f'src="{large}" alt="Profile picture of Ann Lee"' in profile.text
    assert server.client().get(small).status == 200
    removed = follow(ann, submit(ann, "/settings/avatar/remove", {}, from_page="/settings"))
    assert flash_of(removed) == "Profile picture removed."
    assert avatar_srcs(ann.get("/")) == [] and avatar_srcs(bob.get("/")) == []
    assert server.client().get(small).status == 404


def test_a_post_card_is_rendered_anew_when_its_author_changes_face_or_name(ann, make_user,
                                                                           befriend):
    bob = make_user("bob", "Bob Stone")
    befriend(ann, bob)
    ann.post_json("/api/posts", {"body": "Cached card", "visibility": "friends"})
    card = first_card(bob.get("/"))
    assert "Ann Lee" in card and "avatar--photo" not in card
    assert first_card(bob.get("/")) == card  # the same card, from the cache
    upload_avatar(ann, image_bytes((60, 60)))
    small = ann.get("/api/me").json()["avatar_url"].replace(f"-{AVATAR_LARGE}.",
                                                            f"-{AVATAR_SMALL}.")
    with_face = first_card(bob.get("/"))
    assert f'src="{small}"' in with_face
    ann.patch_json("/api/me", {"name": "Annie Lee"})
    renamed = first_card(bob.get("/"))
    assert "Annie Lee" in renamed and "Ann Lee" not in renamed and f'src="{small}"' in renamed


def test_a_non_image_avatar_is_refused_on_the_page(server, ann):
    result = upload_avatar(ann, b"plain text, not a picture", "text/plain")
    assert result.status == 415
    assert "PNG, JPEG, GIF or WebP" in field_error(result, "settings-image")
    assert ann.get("/api/me").json()["avatar_url"] is None


def test_an_avatar_form_without_the_token_is_refused(ann):
    body, ctype = encode_multipart({}, {"image": ("me.png", image_bytes(), "image/png")})
    result = ann.request("POST", "/settings/avatar", body=body, headers={"Content-Type": ctype})
    assert result.status == 403
    assert ann.get("/api/me").json()["avatar_url"] is None


def test_changing_the_password_keeps_this_session_and_ends_the_others(server, ann):
    phone = server.client()
    assert login(phone, "ann").status == 200
    page = follow(ann, submit(ann, "/settings/password", {"current_password": PASSWORD,
                                                          "new_password": NEW_PASSWORD},
                              from_page="/settings"))
    assert "Password changed" in flash_of(page)
    assert ann.get("/api/me").status == 200
    assert phone.get("/api/me").status == 401
    assert login(server.client(), "ann", NEW_PASSWORD).status == 200


def test_a_wrong_current_password_is_shown_at_its_field_and_changes_nothing(server, ann):
    result = submit(ann, "/settings/password", {"current_password": "not it",
                                                "new_password": NEW_PASSWORD},
                    from_page="/settings")
    assert result.status == 403
    assert "not your current password" in field_error(result, "settings-current")
    assert "not it" not in result.text and NEW_PASSWORD not in result.text
    assert login(server.client(), "ann", PASSWORD).status == 200
    short = submit(ann, "/settings/password", {"current_password": PASSWORD,
                                               "new_password": "short"}, from_page="/settings")
    assert short.status == 422 and "at least 8" in field_error(short, "settings-new")


def test_deleting_the_account_asks_first_then_needs_the_password(server, ann, make_user,
                                                                 befriend):
    bob = make_user("bob", "Bob Stone")
    befriend(ann, bob)
    upload_avatar(ann, image_bytes())
    avatar = ann.get("/api/me").json()["avatar_url"]
    ann.post_json("/api/posts", {"body": "bye", "visibility": "friends"})
    confirm = submit(ann, "/settings/delete", {}, from_page="/settings")
    assert confirm.status == 200
    assert "1 post, 0 photos, 1 friendship and 0 messages" in visible_text(confirm)
    assert ann.get("/api/me").status == 200  # nothing deleted yet
    wrong = submit(ann, "/settings/delete", {"confirm": "yes", "password": "nope"},
                   from_page="/settings")
    assert wrong.status == 403
    assert "not your current password" in field_error(wrong, "delete-password")
    gone = submit(ann, "/settings/delete", {"confirm": "yes", "password": PASSWORD},
                  from_page="/settings")
    assert gone.status == 303 and gone.headers["location"] == "/"
    landing = ann.get("/")
    assert "has been deleted" in flash_of(landing) or "have been deleted" in flash_of(landing)
    assert ann.get("/api/me").status == 401
    assert server.client().get(avatar).status == 404
    assert "Ann Lee" not in bob.get("/friends").text
    assert server.client().get("/u/ann").status == 404

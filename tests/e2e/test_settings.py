"""The settings page in headless Chromium, with JavaScript on and off: name and bio,
a profile picture seen in the top bar and on a post card, removing it, changing
the password, and deleting the account after its confirmation page."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from test_journey import sign_up

PASSWORD = "newcomer-pass-1"
NEW_PASSWORD = "another-pass-2"


def face_file(tmp_path):
    image = Image.new("RGB", (400, 260), (240, 200, 60))
    ImageDraw.Draw(image).ellipse((130, 60, 270, 200), fill=(40, 90, 200))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path = tmp_path / "face.jpg"
    path.write_bytes(out.getvalue())
    return path


def flash(page) -> str:
    return page.inner_text("[data-flash]")


@pytest.mark.parametrize("script", [True, False], ids=["javascript", "no-javascript"])
def test_settings_from_name_to_deleting_the_account(site, open_page, problems, tmp_path,
                                                     script):
    page = open_page(java_script_enabled=script)
    username = "setter" if script else "plainset"
    sign_up(page, site, username, "Sam Setter", PASSWORD)
    page.fill("#composer-body", "A post to carry my face")
    page.click("form.composer button:has-text('Post')")
    page.locator(".post", has_text="A post to carry my face").wait_for()

    # The top bar leads to the settings page.
    page.click("a[title='Settings']")
    page.wait_for_url(site.url + "/settings")

    page.fill("#settings-name", "Samantha Setter")
    page.fill("#settings-bio", "Tea, trains and\ntypography.")
    page.click("form[action='/settings/profile'] button")
    assert flash(page) == "Profile saved."
    page.goto(site.url + f"/u/{username}")
    assert page.inner_text("h1") == "Samantha Setter"
    assert page.inner_text(".profile__bio") == "Tea, trains and\ntypography."

    # A picture: in the top bar, on the post card and large on the profile.
    page.goto(site.url + "/settings")
    page.set_input_files("#settings-image", str(face_file(tmp_path)))
    page.click("form[action='/settings/avatar'] button")
    assert flash(page) == "Profile picture updated."
    top = page.locator(".me-chip img.avatar--photo")
    assert top.evaluate("img => img.complete && img.naturalWidth") == 48
    page.goto(site.url + f"/u/{username}")
    large = page.locator(".profile__avatar img")
    assert large.evaluate("img => img.complete && img.naturalWidth") == 256
    card = page.locator(".post", has_text="A post to carry my face")
    assert card.locator(".post__avatar img").evaluate("img => img.naturalWidth") == 48

    # Remove it: initials again.
    page.goto(site.url + "/settings")
    page.click("button:has-text('Remove picture')")
    assert flash(page) == "Profile picture removed."
    assert page.locator(".me-chip img").count() == 0
    assert page.inner_text(".me-chip .avatar") == "SS"

    # The password: a wrong current one is named at its field; the right one works.
    page.fill("#settings-current", "not my password")
    page.fill("#settings-new", NEW_PASSWORD)
    page.click("form[action='/settings/password'] button")
    assert "not your current password" in page.inner_text("#settings-current-error")
    # That page came with its 403, which the browser logs: expected, nothing else so far.
    assert all("403" in text for text in problems), problems
    problems.clear()
    page.fill("#settings-current", PASSWORD)
    page.fill("#settings-new", NEW_PASSWORD)
    page.click("form[action='/settings/password'] button")
    assert "Password changed" in flash(page)

    # Deleting asks first, and wants the (new) password.
    page.click("button:has-text('Delete my account')")
    assert page.inner_text("h1") == "Delete your account?"
    assert "1 post" in page.inner_text(".confirm__text")
    page.fill("#delete-password", NEW_PASSWORD)
    page.click("main button:has-text('Delete my account')")
    page.wait_for_url(site.url + "/")
    assert "deleted" in flash(page)
    assert problems == [], problems
    assert page.goto(site.url + f"/u/{username}").status == 404

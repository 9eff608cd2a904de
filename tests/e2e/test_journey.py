"""The newcomer's journey in a real browser, with JavaScript and without it."""

from __future__ import annotations

import io
import re

from e2e_support import DEMO_PASSWORD, DESKTOP, PHONE
from PIL import Image, ImageDraw


def photo_file(tmp_path):
    image = Image.new("RGB", (480, 300), (70, 130, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((180, 60, 300, 180), fill=(250, 200, 80))
    path = tmp_path / "holiday.jpg"
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def sign_up(page, site, username, name, password="newcomer-pass-1"):
    page.goto(site.url + "/")
    page.click("text=Create a new account")
    page.fill("#signup-name", name)
    page.fill("#signup-username", username)
    page.fill("#signup-password", password)
    page.click("button:has-text('Sign up')")
    page.wait_for_url(site.url + "/")
    assert f"Welcome to MiniFace, {name.split()[0]}!" in page.inner_text("[data-flash]")


def log_in(page, site, username, password=DEMO_PASSWORD):
    page.goto(site.url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("form button:has-text('Log in')")
    page.wait_for_url(site.url + "/")


def befriend_bob(newcomer, bob, site, username):
    newcomer.fill("#topbar-q", "bob")
    newcomer.press("#topbar-q", "Enter")
    newcomer.click("button:has-text('Add friend Bob')")
    assert "Friend request sent to Bob Okafor." in newcomer.inner_text("[data-flash]")
    log_in(bob, site, "bob")
    requests = bob.locator("#friend-requests")
    assert username in requests.inner_text()
    requests.locator(f"form[action='/friends/{username}/add'] button").click()
    assert "now friends" in bob.inner_text("[data-flash]")


def test_newcomer_befriends_bob_and_shares_a_photo_with_friends_only(site, open_page, problems,
                                                                     tmp_path):
    newcomer, bob, stranger = open_page(), open_page(), open_page()
    sign_up(newcomer, site, "newbie", "Nia Newcomer")
    assert "Your feed" in newcomer.inner_text("main") or newcomer.locator(".post").count() > 0
    befriend_bob(newcomer, bob, site, "newbie")

    newcomer.goto(site.url + "/")
    newcomer.fill("#composer-body", "Holiday photo, friends only")
    newcomer.set_input_files("input[name=image]", str(photo_file(tmp_path)))
    preview = newcomer.locator("[data-preview] img")
    preview.wait_for(state="visible")
    assert preview.get_attribute("src").startswith("data:image/jpeg")
    newcomer.select_option("#composer-visibility", "friends")
    newcomer.click("form.composer button:has-text('Post')")
    assert newcomer.inner_text("[data-flash]") == "Your post is up."

    card = newcomer.locator(".post", has_text="Holiday photo, friends only")
    photo = card.locator("img")
    assert photo.get_attribute("alt") == "Holiday photo, friends only"
    photo_url = site.url + photo.get_attribute("src")
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 480

    bob.goto(site.url + "/")
    assert bob.locator(".post", has_text="Holiday photo, friends only").count() == 1

    # A stranger, logged in or not, sees neither the post nor its photo.
    sign_up(stranger, site, "stranger", "Sam Stranger")
    stranger.goto(site.url + "/u/newbie")
    assert "Holiday photo" not in stranger.inner_text("main")
    assert stranger.request.get(photo_url).status == 404
    assert stranger.context.browser.new_context().request.get(photo_url).status == 404
    assert bob.request.get(photo_url).status == 200

    # Deleting asks first (JavaScript confirm), then the post is gone.
    newcomer.on("dialog", lambda dialog: dialog.accept())
    card.locator("summary").click()
    card.locator("button:has-text('Delete post')").click()
    assert newcomer.inner_text("[data-flash]") == "Post deleted."
    assert newcomer.locator(".post", has_text="Holiday photo").count() == 0
    assert bob.request.get(photo_url).status == 404
    assert problems == [], problems


def test_everything_works_with_javascript_off(site, open_page, problems, tmp_path):
    newcomer = open_page(java_script_enabled=False)
    bob = open_page(java_script_enabled=False)
    sign_up(newcomer, site, "plainweb", "Pat Plain")
    befriend_bob(newcomer, bob, site, "plainweb")

    newcomer.goto(site.url + "/")
    newcomer.fill("#composer-body", "Posted without JavaScript\nsecond line")
    newcomer.set_input_files("input[name=image]", str(photo_file(tmp_path)))
    newcomer.click("form.composer button:has-text('Post')")
    card = newcomer.locator(".post", has_text="Posted without JavaScript")
    assert card.locator("img").evaluate("img => img.naturalWidth") == 480
    assert "Posted without JavaScript\nsecond line" in card.locator(".post__text").inner_text()

    # The post menu is a <details>: it opens without script.
    card.locator("summary").click()
    card.locator("select[name=visibility]").select_option("private")
    card.locator("button:has-text('Save')").click()
    assert "only you" in newcomer.inner_text("[data-flash]")
    bob.goto(site.url + "/")
    assert bob.locator(".post", has_text="Posted without JavaScript").count() == 0

    # Deleting goes through a confirmation page.
    card = newcomer.locator(".post", has_text="Posted without JavaScript")
    card.locator("summary").click()
    card.locator("button:has-text('Delete post')").click()
    assert newcomer.locator("h1").inner_text() == "Delete this post?"
    newcomer.click("main button:has-text('Delete post')")
    assert newcomer.inner_text("[data-flash]") == "Post deleted."

    newcomer.click("button[title='Log out']")
    assert "Log in to MiniFace" in newcomer.inner_text("main")
    assert problems == [], problems


def test_home_page_layout_on_desktop_and_phone(site, open_page, problems, screenshots_dir):
    page = open_page()
    log_in(page, site, "alice")
    page.screenshot(path=str(screenshots_dir / "home-desktop.png"), full_page=True)
    nav = page.locator(".sidenav").bounding_box()
    main = page.locator("main").bounding_box()
    aside = page.locator(".shell__aside").bounding_box()
    assert nav["x"] < main["x"] < aside["x"], "three columns side by side"

    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshots_dir / "home-phone.png"))
    nav = page.locator(".sidenav").bounding_box()
    main = page.locator("main").bounding_box()
    assert nav["y"] + nav["height"] == PHONE["height"], "navigation is a bottom bar"
    assert main["width"] > PHONE["width"] - 40, "one column"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.set_viewport_size(DESKTOP)
    page.goto(site.url + "/u/alice")
    page.screenshot(path=str(screenshots_dir / "profile-desktop.png"), full_page=True)
    page.goto(site.url + "/friends")
    page.screenshot(path=str(screenshots_dir / "friends-desktop.png"), full_page=True)
    assert problems == [], problems


def test_keyboard_focus_is_visible(site, open_page):
    page = open_page()
    page.goto(site.url + "/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.focus("#login-username")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert page.evaluate("document.activeElement.id") == "login-password"
    assert outline == "solid"


def test_photos_carry_alt_text_and_inputs_have_labels(site, open_page):
    page = open_page()
    log_in(page, site, "alice")
    for path in ("/", "/u/carol", "/friends", "/people?q=a"):
        page.goto(site.url + path)
        assert page.locator("img:not([alt])").count() == 0, path
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')].filter(el =>
            !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)""")
        assert unlabelled == [], (path, unlabelled)
    page.goto(site.url + "/")
    assert re.search(r"\d+", page.locator('[data-badge="requests"]').inner_text())

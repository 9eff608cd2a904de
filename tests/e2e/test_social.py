"""Likes, comments, edits and notifications in real browsers: in place with
JavaScript, by plain forms without it, and a notification arriving live."""

from __future__ import annotations

import time

from e2e_support import DEMO_PASSWORD

LIVE_MS = 1000
RUG = "article.post:has-text('New rug. Opinions welcome.')"


def log_in(page, site, username):
    page.goto(site.url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("form button:has-text('Log in')")
    page.wait_for_url(site.url + "/")


def wait_live(page):
    page.wait_for_selector("html[data-live=on]", state="attached")


def api_state(page, post_id):
    answer = page.request.get(f"{page.url.split('/', 3)[0]}//{page.url.split('/')[2]}"
                              f"/api/posts/{post_id}")
    assert answer.ok
    return answer.json()


def test_like_unlike_comment_and_delete_in_place(site, open_page, problems, screenshots_dir):
    alice = open_page()
    log_in(alice, site, "alice")
    card = alice.locator(RUG)
    post_id = card.get_attribute("data-post-id")
    alice.evaluate("() => { window.stayedOnPage = true; }")   # gone if the page reloads

    like = card.locator("[data-like-button]")
    like.click()
    alice.wait_for_function(
        f"() => document.querySelector('#post-{post_id} [data-like-button]')"
        ".getAttribute('aria-pressed') === 'true'")
    assert card.locator("[data-like-text]").inner_text() == "You"
    assert api_state(alice, post_id)["liked"] is True
    like.click()
    alice.wait_for_function(
        f"() => document.querySelector('#post-{post_id} [data-like-button]')"
        ".getAttribute('aria-pressed') === 'false'")
    assert api_state(alice, post_id)["likes"] == 0
    assert card.locator("[data-like-summary]").is_hidden()

    box = card.locator("textarea[name=body]")
    box.fill("Love the <em>stripes</em>")
    box.press("Enter")
    comment = card.locator("li.comment", has_text="Love the <em>stripes</em>")
    comment.wait_for()
    assert card.locator("li.comment em").count() == 0           # text, not markup
    assert box.input_value() == ""
    assert card.locator("[data-comment-count]").inner_text() == "1 comment"
    assert api_state(alice, post_id)["comments"] == 1
    alice.screenshot(path=str(screenshots_dir / "post-card-comment.png"))

    comment.locator("button:has-text('Delete')").click()
    comment.wait_for(state="detached")
    assert card.locator("[data-comment-count]").is_hidden()
    assert api_state(alice, post_id)["comments"] == 0
    assert alice.evaluate("() => window.stayedOnPage === true")
    assert problems == []


def test_the_author_edits_a_post(site, open_page, problems):
    bob = open_page()
    log_in(bob, site, "bob")
    card = bob.locator(RUG)
    card.locator("summary[title='Post options']").click()
    card.locator("a:has-text('Edit text')").click()
    bob.fill("#edit-body", "New rug. Opinions welcome (be kind).")
    bob.click("button:has-text('Save')")
    bob.wait_for_selector("article.post:has-text('be kind') [data-edited]")
    assert "/posts/" in bob.url
    assert problems == []


def test_a_notification_arrives_live_in_a_second_browser(site, open_page, problems):
    alice, bob = open_page(), open_page()
    log_in(alice, site, "alice")
    log_in(bob, site, "bob")
    wait_live(bob)
    bell = bob.locator("[data-badge='notifications']")
    before = int(bell.locator("[data-badge-count]").inner_text() or 0)

    started = time.monotonic()
    alice.locator(RUG).locator("[data-like-button]").click()
    bob.wait_for_function(
        "n => Number(document.querySelector(\"[data-badge='notifications'] "
        "[data-badge-count]\").textContent) === n", arg=before + 1, timeout=LIVE_MS + 1000)
    assert time.monotonic() - started < (LIVE_MS + 1000) / 1000
    assert bell.is_visible()

    bob.click("[data-bell]")
    bob.wait_for_url(site.url + "/notifications")
    assert "Alice Martin liked your post" in " ".join(bob.inner_text("main").split())
    assert bob.locator("[data-badge='notifications']").is_hidden()
    assert problems == []


def test_everything_works_with_javascript_off(site, open_page, problems):
    alice = open_page(java_script_enabled=False)
    log_in(alice, site, "alice")
    card = alice.locator(RUG)
    post_id = card.get_attribute("data-post-id")

    card.locator("[data-like-button]").click()
    alice.wait_for_url(f"{site.url}/#post-{post_id}")
    card = alice.locator(RUG)
    assert card.locator("[data-like-button]").get_attribute("aria-pressed") == "true"
    assert card.locator("[data-like-text]").inner_text() == "You"
    card.locator("[data-like-button]").click()
    alice.wait_for_url(f"{site.url}/#post-{post_id}")
    assert alice.locator(RUG).locator("[data-like-button]").get_attribute("aria-pressed") \
        == "false"

    alice.locator(RUG).locator("textarea[name=body]").fill("Without scripts")
    alice.locator(RUG).locator("button[title='Send comment']").click()
    alice.wait_for_url(f"{site.url}/#c-*")
    card = alice.locator(RUG)
    assert card.locator("li.comment", has_text="Without scripts").count() == 1
    assert "Comment added." in alice.inner_text("[data-flash]")

    card.locator("li.comment", has_text="Without scripts").locator(
        "button:has-text('Delete')").click()
    alice.wait_for_url(f"{site.url}/#post-{post_id}")
    assert alice.locator(RUG).locator("li.comment", has_text="Without scripts").count() == 0

    alice.goto(site.url + "/notifications")
    assert alice.locator("h1").inner_text() == "Notifications"
    assert problems == []

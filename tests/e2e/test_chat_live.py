"""Chat in two real browsers: messages, badges and presence arrive without reloading."""

from __future__ import annotations

import time

from e2e_support import DEMO_PASSWORD, PHONE

LIVE_MS = 1000          # a message must show up in the other browser within a second


def log_in(page, site, username):
    page.goto(site.url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("form button:has-text('Log in')")
    page.wait_for_url(site.url + "/")


def wait_live(page):
    """Wait until live.js has its event stream open."""
    page.wait_for_selector("html[data-live=on]", state="attached")


def test_a_message_appears_live_in_the_friends_open_chat(site, open_page, problems,
                                                          screenshots_dir):
    alice, bob = open_page(), open_page()
    log_in(alice, site, "alice")
    log_in(bob, site, "bob")
    bob.goto(site.url + "/chat/alice")
    alice.goto(site.url + "/chat/bob")
    wait_live(bob)
    wait_live(alice)
    before = bob.locator(".bubble").count()

    alice.fill("#chat-body", "Live <b>hello</b> from Alice")
    started = time.monotonic()
    alice.press("#chat-body", "Enter")
    arrived = bob.locator(".bubble:not(.bubble--mine)", has_text="Live <b>hello</b> from Alice")
    arrived.wait_for(timeout=LIVE_MS)
    assert time.monotonic() - started < LIVE_MS / 1000 + 0.2
    assert bob.locator(".bubble").count() == before + 1
    assert bob.locator(".bubble b").count() == 0          # text, not markup
    assert bob.url.endswith("/chat/alice")                  # no reload, no navigation
    # Alice's own bubble is on the right, once, and her box is empty again.
    mine = alice.locator(".bubble--mine", has_text="Live <b>hello</b> from Alice")
    mine.wait_for()
    assert mine.count() == 1 and alice.input_value("#chat-body") == ""
    # Bob's chat list shows it as the last message, and it is read (he is looking).
    assert "Live <b>hello</b> from Alice" in bob.inner_text("[data-convo='alice']")
    bob.wait_for_function(
        "() => fetch('/api/messages').then(r => r.json()).then(d => "
        "d.conversations.find(c => c.with.username === 'alice').unread === 0)")
    bob.screenshot(path=str(screenshots_dir / "chat-desktop.png"))

    bob.fill("#chat-body", "Got it!")
    bob.click("[data-chat-form] button[type=submit]")
    alice.locator(".bubble:not(.bubble--mine)", has_text="Got it!").wait_for(timeout=LIVE_MS)
    assert problems == []


def test_badge_and_online_list_update_on_other_pages(site, open_page, problems):
    alice, carol = open_page(), open_page()
    log_in(carol, site, "carol")
    carol.goto(site.url + "/people")
    wait_live(carol)
    badge = carol.locator("[data-badge='messages'] [data-badge-count]").first
    unread = int(badge.inner_text() or 0)

    log_in(alice, site, "alice")
    wait_live(alice)
    alice.goto(site.url + "/chat/carol")
    alice.fill("#chat-body", "Are you coming tonight?")
    alice.press("#chat-body", "Enter")
    carol.wait_for_function(
        "n => document.querySelector('[data-badge=messages] [data-badge-count]').textContent"
        " === String(n)", arg=unread + 1, timeout=LIVE_MS * 2)
    assert carol.locator("[data-badge='messages']").first.is_visible()

    # On Alice's home page, Erin is not a friend and Bob is quiet: when Bob logs in,
    # his name joins the online list without a reload.
    alice.goto(site.url + "/")
    wait_live(alice)
    online = alice.locator("[data-online]")
    assert online.locator("a[href='/chat/bob']").count() == 0
    bob = open_page()
    log_in(bob, site, "bob")
    online.locator("a[href='/chat/bob']").wait_for(timeout=LIVE_MS * 3)
    assert problems == []


def test_chat_on_a_phone_shows_one_pane_at_a_time(site, open_page, problems, screenshots_dir):
    page = open_page(viewport=PHONE)
    log_in(page, site, "alice")
    page.goto(site.url + "/chat")
    assert page.locator(".chat__list").is_visible()
    page.click(".convo >> nth=0")
    page.wait_for_selector(".chat__pane .bubble")
    assert not page.locator(".chat__list").is_visible()
    assert page.locator("#chat-body").is_visible()
    page.screenshot(path=str(screenshots_dir / "chat-phone.png"))
    assert problems == []


def test_chat_works_with_javascript_off(site, open_page, problems):
    page = open_page(java_script_enabled=False)
    log_in(page, site, "alice")
    page.goto(site.url + "/chat/bob")
    page.fill("#chat-body", "Sent without JavaScript")
    page.click("[data-chat-form] button[type=submit]")
    page.wait_for_url(site.url + "/chat/bob#m-*")
    assert page.locator(".bubble--mine", has_text="Sent without JavaScript").count() == 1
    assert problems == []

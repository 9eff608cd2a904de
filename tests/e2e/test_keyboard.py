"""The main journeys with the keyboard alone: Tab, Shift+Tab, Enter, Space and
Escape; no clicks. At every stop of Tab the focused element must show a focus
ring (a computed outline or box-shadow), so focus never disappears.

One demo site serves the module; each journey changes something the others do
not look at (its own post, bob's puzzle post, erin's request, the chat with bob).
"""

from __future__ import annotations

import pytest
from e2e_support import DEMO_PASSWORD

MAX_TABS = 150  # the home page of the demo has about 90 stops

# The focused element and whether it shows a ring. A file input is invisible
# (opacity 0) by design; its label draws the ring (:focus-within).
FOCUS_STATE = """selector => {
  const el = document.activeElement;
  const drawn = el.matches('input[type=file]') ? el.parentElement : el;
  const style = getComputedStyle(drawn);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {matches: el.matches(selector), ring: outline || style.boxShadow !== 'none',
          what: el.outerHTML.slice(0, 120)};
}"""


def tab_to(page, selector: str, *, backwards: bool = False):
    """Press Tab (or Shift+Tab) until the focused element matches `selector`,
    asserting a visible focus ring at every stop."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        state = page.evaluate(FOCUS_STATE, selector)
        assert state["ring"], f"no focus ring on {state['what']}"
        if state["matches"]:
            return
    raise AssertionError(f"{selector} not reached in {MAX_TABS} presses of {key}")


@pytest.fixture(scope="module")
def alice(browser, module_site):
    """alice's browser page, logged in with the keyboard."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(module_site.url + "/login")
    tab_to(page, "#login-username")
    page.keyboard.type("alice")
    tab_to(page, "#login-password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(module_site.url + "/")
    yield page
    context.close()


def fresh(page, url):
    """Load `url` and start from the top of the page, as a keyboard user does."""
    page.goto(url)
    page.evaluate("document.activeElement && document.activeElement.blur()")


def flash(page) -> str:
    return page.inner_text("[data-flash]")


def test_skip_link_comes_first_and_jumps_to_the_content(alice, module_site):
    fresh(alice, module_site.url + "/friends")
    tab_to(alice, ".skip-link")
    assert alice.locator(".skip-link").bounding_box()["y"] >= 0  # shown on focus
    alice.keyboard.press("Enter")
    assert alice.evaluate("location.hash") == "#main"


def test_write_a_post_then_open_and_close_its_menu(alice, module_site):
    fresh(alice, module_site.url + "/")
    tab_to(alice, "#composer-body")
    alice.keyboard.type("Typed without a mouse")
    tab_to(alice, "#composer-visibility")
    tab_to(alice, "form.composer button[type=submit]")
    alice.keyboard.press("Enter")
    alice.wait_for_load_state()
    assert flash(alice) == "Your post is up."
    card = alice.locator(".post", has_text="Typed without a mouse")
    assert card.count() == 1

    tab_to(alice, f"#{card.get_attribute('id')} summary")
    alice.keyboard.press("Enter")
    assert card.locator("details.menu").get_attribute("open") is not None
    alice.keyboard.press("Escape")
    assert card.locator("details.menu").get_attribute("open") is None
    assert alice.evaluate(FOCUS_STATE, "summary")["matches"]  # focus back on the button


def puzzle_post(page):
    return page.locator(".post", has_text="Finally finished the 1,000-piece puzzle")


def test_like_a_post(alice, module_site):
    fresh(alice, module_site.url + "/")
    post_id = puzzle_post(alice).get_attribute("id")
    like = f"#{post_id} [data-like-button]"
    tab_to(alice, like)
    assert alice.get_attribute(like, "aria-pressed") == "false"
    alice.keyboard.press("Space")
    alice.wait_for_selector(f"{like}[aria-pressed='true']")
    assert "You" in alice.inner_text(f"#{post_id} [data-like-text]")


def test_comment_on_a_post(alice, module_site):
    fresh(alice, module_site.url + "/")
    post_id = puzzle_post(alice).get_attribute("id")
    tab_to(alice, f"#{post_id} textarea[name=body]")
    alice.keyboard.type("Well done, Bob!")
    alice.keyboard.press("Enter")  # the comment box sends on Enter
    alice.locator(f"#{post_id} [data-comment-list]", has_text="Well done, Bob!").wait_for()
    fresh(alice, module_site.url + "/")
    assert "Well done, Bob!" in puzzle_post(alice).inner_text()


def test_send_a_chat_message(alice, module_site):
    fresh(alice, module_site.url + "/chat/bob")
    tab_to(alice, "#chat-body")
    alice.keyboard.type("See you Saturday")
    tab_to(alice, ".chat__button")
    alice.keyboard.press("Enter")
    alice.locator(".bubble--mine", has_text="See you Saturday").wait_for()
    fresh(alice, module_site.url + "/chat/bob")
    assert alice.locator(".bubble--mine", has_text="See you Saturday").count() == 1


def test_accept_a_friend_request(alice, module_site):
    fresh(alice, module_site.url + "/friends")
    # Past Accept to Decline, then Shift+Tab back: focus order runs both ways.
    tab_to(alice, "form[action='/friends/erin/remove'] button")
    tab_to(alice, "form[action='/friends/erin/add'] button", backwards=True)
    alice.keyboard.press("Enter")
    alice.wait_for_load_state()
    assert "now friends" in flash(alice)
    fresh(alice, module_site.url + "/u/erin")
    assert alice.locator(".friend-actions .pill", has_text="Friends").count() == 1

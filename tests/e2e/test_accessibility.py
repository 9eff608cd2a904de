"""axe-core over every page, logged out and logged in, desktop and phone, light
and dark, with JavaScript on: no serious or critical violation, and no moderate
one that the README does not explain (axe_support.EXPLAINED_MODERATE).

One demo site and one browser page per visitor serve the whole module; each
page is loaded once and checked in the four layouts and schemes. Every page
route that answers GET must be in PAGES (or in REDIRECT_ONLY), so a new page
cannot slip past the check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_support import EXPLAINED_MODERATE, check_page, unacceptable
from e2e_support import DEMO_PASSWORD

from handlers.pages import PAGE_ROUTES

README = Path(__file__).resolve().parents[2] / "README.md"

# (label, who is logged in or None, path, the route it exercises or None).
# {own_post} is alice's public photo post, with likes and comments.
PAGES = [
    ("welcome", None, "/", "/"),
    ("log in", None, "/login", "/login"),
    ("sign up", None, "/signup", "/signup"),
    ("profile, logged out", None, "/u/alice", "/u/{username}"),
    ("post, logged out", None, "/posts/{own_post}", "/posts/{post_id:int}"),
    ("404, logged out", None, "/no/such/page", None),
    ("home", "alice", "/", "/"),
    ("own profile", "alice", "/u/alice", "/u/{username}"),
    ("profile that asked to be friends", "alice", "/u/erin", "/u/{username}"),
    ("stranger's profile", "alice", "/u/dave", "/u/{username}"),
    ("friends", "alice", "/friends", "/friends"),
    ("people search", "alice", "/people?q=o", "/people"),
    ("chat", "alice", "/chat", "/chat"),
    ("conversation", "alice", "/chat/bob", "/chat/{username}"),
    ("notifications", "alice", "/notifications", "/notifications"),
    ("post", "alice", "/posts/{own_post}", "/posts/{post_id:int}"),
    ("edit post", "alice", "/posts/{own_post}/edit", "/posts/{post_id:int}/edit"),
    ("settings", "alice", "/settings", "/settings"),
    ("delete account confirmation", "alice", "/settings/delete", "/settings/delete"),
    ("404", "alice", "/no/such/page", None),
]
# Routes that answer GET only with a redirect to a page above.
REDIRECT_ONLY = {"/chat/{username}/send"}
# Page states reached by an action rather than a URL: (label, who, start path, action).
STATES = [
    ("post menu open", "alice", "/", "open_post_menu"),
    ("delete confirmation", "alice", "/posts/{own_post}", "ask_to_delete"),
    ("log-in form with errors", None, "/login", "fail_login"),
    ("settings with errors", "alice", "/settings", "fail_settings"),
]


@pytest.fixture(scope="module")
def own_post(module_site) -> int:
    row = module_site.app.ctx.db.query_one(
        "SELECT id FROM posts WHERE body = 'Hello MiniFace! First post.'")
    return row["id"]


@pytest.fixture(scope="module")
def pages_by_visitor(browser, module_site):
    """One browser page per visitor (None: logged out), reused for every check."""
    contexts, pages = [], {}

    def page_for(who):
        if who not in pages:
            context = browser.new_context()
            context.set_default_timeout(10_000)
            contexts.append(context)
            page = pages[who] = context.new_page()
            if who is not None:
                log_in(page, module_site.url, who)
        return pages[who]

    yield page_for
    for context in contexts:
        context.close()


def log_in(page, url, username):
    page.goto(url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("form button:has-text('Log in')")
    page.wait_for_url(url + "/")


def assert_accessible(page, label):
    bad = unacceptable(check_page(page, label))
    assert not bad, "axe found:\n" + "\n".join(map(str, bad))


@pytest.mark.parametrize("label,who,path,route", PAGES, ids=[p[0] for p in PAGES])
def test_page_passes_axe(label, who, path, route, module_site, pages_by_visitor, own_post):
    page = pages_by_visitor(who)
    response = page.goto(module_site.url + path.format(own_post=own_post))
    assert response.status == (404 if route is None else 200)
    assert_accessible(page, label)


def open_post_menu(page):
    page.locator("details.menu summary").first.click()
    page.locator("details.menu[open] .menu__panel").first.wait_for()


def ask_to_delete(page):
    # Without the script's confirm(): the server's own confirmation page.
    form = page.locator("form.menu__form[action$='/delete']").first
    form.evaluate("form => form.removeAttribute('data-confirm')")
    page.locator("details.menu summary").first.click()
    form.locator("button").click()
    page.get_by_role("heading", name="Delete").wait_for()


def fail_login(page):
    page.fill("#login-username", "nobody")
    page.fill("#login-password", "not a password")
    page.click("form button:has-text('Log in')")
    page.locator(".form__error").wait_for()


def fail_settings(page):
    # Without the browser's own checks: the server's errors at their fields.
    page.fill("#settings-bio", "x")
    page.evaluate("document.querySelector('#settings-bio').removeAttribute('maxlength');"
                  "document.querySelector('#settings-bio').value = 'x'.repeat(501)")
    page.click("form[action='/settings/profile'] button")
    page.locator("#settings-bio-error").wait_for()


@pytest.mark.parametrize("label,who,path,action", STATES, ids=[s[0] for s in STATES])
def test_page_state_passes_axe(label, who, path, action, module_site, pages_by_visitor,
                               own_post):
    page = pages_by_visitor(who)
    page.goto(module_site.url + path.format(own_post=own_post))
    globals()[action](page)
    assert_accessible(page, label)


def test_every_page_route_is_checked():
    checked = {route for _, _, _, route in PAGES} | REDIRECT_ONLY
    pages = {pattern for pattern, handler in PAGE_ROUTES if hasattr(handler, "get")}
    missing = pages - checked
    assert not missing, f"add these pages to PAGES in {Path(__file__).name}: {sorted(missing)}"


def test_readme_explains_every_kept_moderate_finding():
    section = README.read_text().split("## Accessibility", 1)[-1]
    for rule in EXPLAINED_MODERATE:
        assert re.search(rf"`{re.escape(rule)}`", section), rule

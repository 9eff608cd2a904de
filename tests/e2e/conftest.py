"""Fixtures for the browser tests: MiniFace with its demo people, headless Chromium.

`site` is a real MiniFace (demo data seeded, fast password hashing) on port 0 in a
fresh data directory; `module_site` is the same, shared by one test module. `browser` is one headless Chromium for the whole session,
driven by Playwright; the tests are skipped when Chromium or Playwright is missing.
Every page a test opens through `open_page` records console errors and uncaught
exceptions, so a CSP violation (which Chromium reports on the console) fails the test.

Screenshots go to `$MINIFACE_SCREENSHOTS` when set, else to a temporary directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, FAST_ARGON2, STEP_TIMEOUT_MS

import reactor
from handlers.app import create_app
from handlers.config import AppConfig


class Site:
    def __init__(self, server, app):
        self.server = server
        self.app = app
        self.url = f"http://127.0.0.1:{server.port}"

    def stop(self):
        self.server.stop(timeout=2)
        self.app.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def start_site(data_dir: Path) -> Site:
    config = AppConfig(data_dir=data_dir, demo=True, **FAST_ARGON2)
    app = create_app(config)
    server = reactor.Server(app, host="127.0.0.1", port=0, access_log=False,
                            shutdown_grace=1.0).start()
    return Site(server, app)


@pytest.fixture
def site(tmp_path):
    live = start_site(tmp_path / "data")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def module_site(tmp_path_factory):
    """One demo site for a whole test module, for tests that only read pages (or
    that each change something no other test of the module looks at)."""
    live = start_site(tmp_path_factory.mktemp("site") / "data")
    yield live
    live.stop()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory) -> Path:
    configured = os.environ.get("MINIFACE_SCREENSHOTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class PageProblems(list):
    """Console errors and uncaught exceptions seen by the pages of one test."""

    def watch(self, page):
        page.on("console", lambda msg: msg.type == "error" and self.append(msg.text))
        page.on("pageerror", lambda exc: self.append(f"uncaught: {exc}"))
        return page


@pytest.fixture
def problems():
    return PageProblems()


@pytest.fixture
def open_page(browser, problems):
    """`open_page(**context options)` -> a page in a fresh browser context (its own
    cookies), watched for console errors; contexts close at the end of the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return problems.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()

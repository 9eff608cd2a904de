"""Screenshots of MiniFace for the README: `make screenshots`.

    python tests/e2e/screenshots.py [OUT_DIR]      (default: docs/screenshots)

Starts `miniface serve --demo` on port 0 in a temporary data directory, logs in
as alice in headless Chromium and saves one PNG per entry of SHOTS. The README
shows them; tests/e2e/test_screenshots.py fails when a listed shot has no file
(or the README does not show it), so a page added here must be photographed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from e2e_support import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, DESKTOP, PHONE

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "docs" / "screenshots"
WHO = "alice"
# Friends of alice who are logged in too, so the pages show someone online.
ONLINE = ("bob", "carol")
# (file name without .png, logged in?, path, viewport, colour scheme), in the order
# taken: home comes before notifications because opening those marks them read.
SHOTS = (
    ("welcome", False, "/", DESKTOP, "light"),
    ("home", True, "/", DESKTOP, "light"),
    ("profile", True, "/u/bob", DESKTOP, "light"),
    ("friends", True, "/friends", DESKTOP, "light"),
    ("chat", True, "/chat/bob", DESKTOP, "light"),
    ("notifications", True, "/notifications", DESKTOP, "light"),
    ("settings", True, "/settings", DESKTOP, "light"),
    ("home-phone", True, "/", PHONE, "light"),
    ("home-dark", True, "/", DESKTOP, "dark"),
)
SHOT_NAMES = tuple(name for name, *_ in SHOTS)
STARTUP_SECONDS = 60  # a loaded machine may take a while to seed the demo photos


def start_demo(data_dir: Path) -> tuple[subprocess.Popen, str]:
    """`miniface serve --demo` on a free port; returns the process and its URL."""
    command = [sys.executable, "-m", "handlers.cli", "serve", "--demo", "--port", "0",
               "--data-dir", str(data_dir), "--no-access-log"]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + STARTUP_SECONDS
    for line in server.stderr:  # the log says "listening on http://HOST:PORT"
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            # Keep reading the log, so a full pipe never blocks the server.
            threading.Thread(target=server.stderr.read, daemon=True).start()
            return server, found.group(1)
        if time.monotonic() > deadline:
            break
    server.kill()
    raise SystemExit(f"miniface serve did not start: {line.strip() if line else 'no output'}")


def take_all(url: str, out_dir: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        visitor = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
        member = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
        for friend in ONLINE:
            log_in(browser.new_context().new_page(), url, friend)
        log_in(member.new_page(), url, WHO)
        for name, logged_in, path, viewport, scheme in SHOTS:
            page = (member if logged_in else visitor).new_page()
            page.set_viewport_size(viewport)
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
            page.goto(url + path)
            page.wait_for_load_state("load")
            saved.append(out_dir / f"{name}.png")
            page.screenshot(path=str(saved[-1]))
            page.close()
        browser.close()
    return saved


def log_in(page, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("form button:has-text('Log in')")
    page.wait_for_url(url + "/")
    page.close()


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else OUT_DIR
    with tempfile.TemporaryDirectory(prefix="miniface-shots-") as tmp:
        server, url = start_demo(Path(tmp) / "data")
        try:
            for path in take_all(url, out_dir):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

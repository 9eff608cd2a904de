"""Constants shared by the browser tests and their fixtures."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "password123"
FAST_ARGON2 = dict(argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Playwright's default is 30 s; a page of ours answers in milliseconds, so a
# short timeout makes a broken step fail fast instead of eating the time budget.
STEP_TIMEOUT_MS = 5000

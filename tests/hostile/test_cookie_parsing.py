"""Cookie parsing was quadratic: SimpleCookie spent 1.7 s of loop time on a crafted
~30 KB quoted Cookie header, on any URL, without logging in. Our own linear parser
reads it in milliseconds, and a header over the cap is refused with 431."""

from __future__ import annotations

import time

from hostile_support import scaled

from reactor.cookies import MAX_COOKIE_HEADER_BYTES

# Backslash pairs inside quotes: what SimpleCookie's unquoting is quadratic on.
CRAFTED_FITS = 'a="' + "\\\\" * (MAX_COOKIE_HEADER_BYTES // 2 - 4) + '"'
CRAFTED_HUGE = 'a="' + "\\\\" * 15_000 + '"'   # 30 KB, under the 32 KiB head limit


def test_crafted_cookie_headers_cost_milliseconds(hostile_server, prober):
    server = hostile_server(fast_hashing=True)
    answers = []
    with prober(server) as probe:
        # Attack for a while (each request once held the loop 1.7 s; now it is fast).
        deadline = time.monotonic() + scaled(1.5, 15)
        while time.monotonic() < deadline:
            for path in ("/api/me", "/no/such/page", "/"):
                for cookie in (CRAFTED_FITS, CRAFTED_HUGE):
                    started = time.monotonic()
                    status, _, body = server.request("GET", path, headers={"Cookie": cookie},
                                                     timeout=60)
                    answers.append((path, len(cookie), status, time.monotonic() - started))
    slowest = max(took for *_, took in answers)
    print(f"\ncrafted cookies: {len(answers)} answers, slowest {slowest * 1000:.0f} ms; "
          f"prober {probe.report}")
    for path, size, status, took in answers:
        assert status == (431 if size > MAX_COOKIE_HEADER_BYTES else
                          {"/api/me": 401, "/no/such/page": 404, "/": 200}[path]), (path, size)
        assert took < 0.5, (path, size, took)
    probe.report.assert_fast()

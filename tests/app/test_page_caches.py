"""What pages reuse between requests (a card's relative times) is never stale: a change
anywhere shows on the next page."""

import pytest

from handlers.pages.present import relative_time, relative_time_until

# The read cache under these is sqlite's (handlers/readcache.py).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

T0 = 1_764_547_200 + 12_345


def test_relative_time_reads_the_same_until_the_time_it_gives(backend):
    """Every second of the first two hours, then every 7 s to eight days."""
    moments = [*range(T0 - 60, T0 + 7_300), *range(T0 + 7_300, T0 + 8 * 86_400, 7)]
    for now in moments:
        until = relative_time_until(T0, now)
        assert until > now
        text = relative_time(T0, now)
        # Up to the last second before `until` (checked at both ends and in between).
        for moment in (now + 1, (now + until) // 2, until - 1):
            if now < moment < until:
                assert relative_time(T0, moment) == text, (now, moment, until)


def test_a_card_s_relative_time_moves_on_with_the_clock(server, make_user, clock):
    alice = make_user("alice")
    alice.post_json("/api/posts", {"body": "timed", "visibility": "public"})
    assert "just now" in alice.get("/").text
    clock.advance(30)
    assert "just now" in alice.get("/").text
    clock.advance(20)  # 50 s
    page = alice.get("/").text
    assert "1 min ago" in page and "just now" not in page
    clock.advance(3 * 3600)
    assert "3 h ago" in alice.get("/").text

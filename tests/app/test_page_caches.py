"""What pages reuse between requests (layout fragments, the session, a card's relative
times) is never stale: a change anywhere shows on the next page."""

import re

import pytest
from appclient import PASSWORD, Client, login
from pages_helpers import csrf_of

from handlers.pages.present import relative_time, relative_time_until
from handlers.store import friends as friend_store
from handlers.store import users as user_store
from handlers.store.db import Database

# The read cache under these is sqlite's (handlers/readcache.py).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

T0 = 1_764_547_200 + 12_345
_LOGOUT_TOKEN_RE = re.compile(r'action="/logout">\s*<input type="hidden" name="csrf_token" value="([^"]+)"')


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


def test_the_layout_shows_a_change_made_by_another_process_on_the_next_page(server, make_user):
    """Another connection to the same file stands for another worker process."""
    alice, bob = make_user("alice", "Alice Liddell"), make_user("bob")
    fragments = server.app.ctx.fragments
    page = alice.get("/")
    assert 'me-chip__name">Alice<' in page.text
    assert 'data-badge="requests" hidden>' in page.text
    alice.get("/")
    assert fragments.hits > 0  # the second page reused the first one's fragments
    other = Database(server.config.db_path)
    try:
        friend_store.request_or_accept(other, from_id=bob.user["id"], to_id=alice.user["id"],
                                       now=int(server.clock()))
        page = alice.get("/")
        assert 'data-badge="requests">' in page.text  # the badge, no longer hidden
        assert "@bob" in page.text  # and the request in the aside
        user_store.update_profile(other, user_id=alice.user["id"], name="Ally Liddell")
        page = alice.get("/")
        assert 'me-chip__name">Ally<' in page.text
        assert "What's on your mind, Ally?" in page.text  # the composer
    finally:
        other.close()


def test_each_session_s_fragments_carry_its_own_csrf_token(server, make_user):
    alice = make_user("alice")
    second = server.client()
    assert login(second, "alice", PASSWORD).status == 200
    first_page, second_page = alice.get("/"), second.get("/")
    first_token, second_token = alice.csrf_token(), second.csrf_token()
    assert first_token != second_token
    for page, token in ((first_page, first_token), (second_page, second_token),
                        (alice.get("/"), first_token), (second.get("/"), second_token)):
        # The top bar's logout form, the composer and every card carry the session's token.
        assert _LOGOUT_TOKEN_RE.search(page.text).group(1) == token
        assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page.text)) == {token}
        assert csrf_of(page) == token


def test_a_flash_message_shows_once(server, make_user):
    alice = make_user("alice")
    alice.get("/")
    alice.cookies["mf_flash"] = "ok%3ASaved."
    page = alice.get("/")
    assert "Saved." in page.text
    assert "mf_flash" not in alice.cookies  # the page cleared it
    assert "Saved." not in alice.get("/").text


def _cookie_client(server, token: str) -> Client:
    client = server.client()
    client.cookies["mf_session"] = token
    return client


def test_logging_out_ends_the_remembered_session_at_once(server, make_user):
    alice = make_user("alice")
    token = alice.cookies["mf_session"]
    for _ in range(2):  # the session is now remembered between requests
        assert alice.get("/api/me").status == 200
    assert alice.post_form("/logout", {"csrf_token": csrf_of(alice.get("/"))}).status == 303
    # The same cookie, sent again after the logout, is nobody's.
    assert _cookie_client(server, token).get("/api/me").status == 401
    assert "signed-out" in _cookie_client(server, token).get("/").text


def test_a_password_change_ends_the_other_remembered_sessions_at_once(server, make_user):
    alice = make_user("alice")
    other = server.client()
    assert login(other, "alice", PASSWORD).status == 200
    for _ in range(2):
        assert other.get("/api/me").status == 200
    changed = alice.post_json("/api/me/password", {"current_password": PASSWORD,
                                                   "new_password": "another long secret"})
    assert changed.status == 204, changed
    assert other.get("/api/me").status == 401
    assert alice.get("/api/me").status == 200


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


@pytest.mark.parametrize("first, second", [
    ({"v": True}, {"v": 1}), ({"v": 0}, {"v": False}), ({"v": 1.0}, {"v": 1}),
    ({"v": [1, 2]}, {"v": (1, 2)}), ({"v": {"a": True}}, {"v": {"a": 1}}),
    ({"v": {"a": [1]}}, {"v": {"a": [True]}}), ({"v": "x", "w": "<"}, {"v": "x", "w": ">"}),
])
def test_a_fragment_is_reused_only_for_values_that_print_alike(tmp_path, backend, first, second):
    from handlers.pages.fragments import FragmentCache
    from handlers.views import Views

    (tmp_path / "page.mustache").write_text("[{{> _frag}}]\n")
    (tmp_path / "_frag.mustache").write_text("{{v}}|{{#v}}<{{a}}>{{/v}}|{{w}}|{{v.a}}\n")
    views = Views(tmp_path)
    fragments = FragmentCache(views, ("_frag",))
    for context in (first, second, first, second):
        assert views.render("page", context) == views.render_with_chevron("page", context)
    assert fragments.hits == 2 and fragments.misses == 2


def test_a_fragment_in_a_utf8_page_prints_as_chevron_would(tmp_path, backend):
    """Fragments go into a UTF-8 page as bytes with their last line as text: a partial
    after one on its line, an indented one, none at all, and non-ASCII text."""
    from handlers.pages.cards import CardCache
    from handlers.pages.fragments import FragmentCache
    from handlers.views import Views

    (tmp_path / "page.mustache").write_text(
        "{{> _frag}}{{> _pad}}\n  {{> _frag}}\n{{#xs}}{{> _frag}}{{/xs}}\n{{> _flat}}{{> _pad}}\n"
        "  {{> _pad}}\n{{> _post_card}}\n")
    (tmp_path / "_frag.mustache").write_text("<p>{{v}} · é</p>\n<i>{{v}}</i>  ")
    (tmp_path / "_flat.mustache").write_text("no newline · {{v}}")
    (tmp_path / "_pad.mustache").write_text("<b>\n</b>\n")
    (tmp_path / "_post_card.mustache").write_text("")
    views = Views(tmp_path)
    cards = CardCache()
    views.wrap("_post_card", cards.wrap)
    fragments = FragmentCache(views, ("_frag", "_flat", "_pad"), cards=cards)
    for context in ({"v": "a", "xs": [1, 2]}, {"v": "<b>", "xs": []}, {"v": "a", "xs": [1]}):
        expected = views.render_with_chevron("page", context).encode("utf-8")
        assert views.render_utf8("page", context, cards) == expected
        assert views.render("page", context).encode("utf-8") == expected
    assert fragments.hits > 0

"""The chat pages without JavaScript: list, conversation, sending by form, paging."""

from __future__ import annotations

import re

import pytest
from pages_helpers import csrf_of, visible_text


@pytest.fixture
def pair(make_user, befriend):
    ann, bob = make_user("ann", "Ann Lee"), make_user("bob", "Bob Stone")
    befriend(ann, bob)
    return ann, bob


def send_form(client, to: str, body: str):
    token = csrf_of(client.get(f"/chat/{to}"))
    return client.post_form(f"/chat/{to}/send", {"csrf_token": token, "body": body})


def bubbles(page) -> list[tuple[bool, str]]:
    """(mine, text) for each bubble, top to bottom."""
    found = re.findall(r'<li class="bubble( bubble--mine)?".*?<p class="bubble__text">(.*?)</p>',
                       page.text, re.S)
    return [(bool(mine), text) for mine, text in found]


def test_logged_out_visitors_are_sent_to_log_in(client):
    answer = client.get("/chat/bob")
    assert answer.status == 303 and answer.headers["location"].startswith("/login?next=")


def test_sending_by_form_redirects_to_the_new_message(pair):
    ann, bob = pair
    answer = send_form(ann, "bob", "Hi <b>Bob</b>\nsecond line http://example.com")
    assert answer.status == 303
    assert re.fullmatch(r"/chat/bob#m-\d+", answer.headers["location"])
    page = bob.get("/chat/ann")
    assert bubbles(page) == [(False, "Hi &lt;b&gt;Bob&lt;/b&gt;\nsecond line http://example.com")]
    assert "<b>Bob</b>" not in page.text
    assert 'href="http://example.com' not in page.text  # links are not made clickable


def test_mine_are_marked_and_oldest_come_first(pair):
    ann, bob = pair
    for who, to, text in ((ann, "bob", "one"), (bob, "ann", "two"), (ann, "bob", "three")):
        assert who.post_json(f"/api/messages/{to}", {"body": text}).status == 201
    assert bubbles(ann.get("/chat/bob")) == [(True, "one"), (False, "two"), (True, "three")]


def test_the_list_shows_last_message_and_unread_count_and_opening_reads(pair, make_user,
                                                                        befriend):
    ann, bob = pair
    cyd = make_user("cyd", "Cyd Moss")
    befriend(cyd, ann)
    bob.post_json("/api/messages/ann", {"body": "first"})
    bob.post_json("/api/messages/ann", {"body": "are you there?"})
    text = " ".join(visible_text(ann.get("/chat")).split())
    assert re.search(r"Bob Stone .*? are you there\? +2 +unread", text)
    assert "Start a chat" in text and "Cyd Moss" in text  # a friend not talked to yet
    assert re.search(r'data-badge="messages">\s*<span data-badge-count>2<', ann.get("/").text)
    ann.get("/chat/bob")
    assert ann.get("/api/messages").json()["conversations"][0]["unread"] == 0
    assert 'data-badge="messages" hidden' in ann.get("/").text


def test_an_empty_or_too_long_message_keeps_the_draft_and_says_why(pair):
    ann, _ = pair
    answer = send_form(ann, "bob", "   ")
    assert answer.status == 422
    assert "Not sent: write something." in visible_text(answer)
    long_text = "y" * 2001
    answer = send_form(ann, "bob", long_text)
    assert answer.status == 422 and long_text in answer.text
    assert ann.get("/api/messages/bob").json()["messages"] == []


def test_strangers_get_403_and_unknown_people_404(pair, make_user):
    ann, _ = pair
    make_user("cyd")
    assert ann.get("/chat/cyd").status == 403
    assert ann.get("/chat/nobody").status == 404
    token = csrf_of(ann.get("/chat"))
    assert ann.post_form("/chat/cyd/send", {"csrf_token": token, "body": "hi"}).status == 403


def test_a_send_without_the_csrf_token_is_refused(pair):
    ann, _ = pair
    assert ann.post_form("/chat/bob/send", {"body": "forged"}).status == 403
    assert ann.get("/api/messages/bob").json()["messages"] == []


def test_load_older_pages_back_through_the_conversation(pair):
    ann, bob = pair
    for i in range(35):
        ann.post_json("/api/messages/bob", {"body": f"n{i}"})
    page = bob.get("/chat/ann")
    assert [text for _, text in bubbles(page)] == [f"n{i}" for i in range(5, 35)]
    older = re.search(r'href="(/chat/ann\?before=\d+)"[^>]*>Load older', page.text).group(1)
    page = bob.get(older.replace("&amp;", "&"))
    assert [text for _, text in bubbles(page)] == [f"n{i}" for i in range(5)]
    assert "Load older" not in page.text and "Back to the newest" in page.text


def test_friends_are_linked_to_chat_from_profiles_and_the_navigation(pair):
    ann, _ = pair
    assert 'href="/chat/bob"' in ann.get("/u/bob").text
    assert 'href="/chat"' in ann.get("/").text


def test_online_friends_on_the_home_page_link_to_chat(pair):
    ann, bob = pair
    bob.get("/api/me")
    home = ann.get("/")
    assert re.search(r'data-online-list.*href="/chat/bob"', home.text, re.S)

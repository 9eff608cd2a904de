"""One rule for the characters people's text may hold (handlers/text_rules.py):
no C0 or C1 controls anywhere, no bidirectional overrides or isolates in names."""

from __future__ import annotations

import pytest
from appclient import signup

from handlers.text_rules import is_clean_name, is_clean_text

C1_AND_BIDI = ["\x85", "\x9b", "\x9d", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069"]


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\n", "\x7f"] + C1_AND_BIDI)
def test_a_name_with_a_control_or_bidi_override_is_422(server, client, char):
    answer = signup(client, "zed", f"Ze{char}d")
    assert answer.status == 422 and "name" in answer.json()["error"]["fields"], answer
    assert server.db.query_value("SELECT count(*) FROM users") == 0


@pytest.mark.parametrize("name", ["Zoë Ångström", "محمد", "李小龍", "Zed 😀", "\xa0Zed"])
def test_names_in_any_script_are_fine(client, name):
    assert signup(client, "zed", name).status == 201


@pytest.mark.parametrize("username", ["ze\u202ed", "ze\x9bd", "zed\u2066"])
def test_usernames_hold_none_of_them_either(client, username):
    answer = signup(client, username, "Zed")
    assert answer.status == 422 and "username" in answer.json()["error"]["fields"]


@pytest.mark.parametrize("char", ["\x9b", "\x85", "\x1b"])
def test_posts_and_messages_refuse_c1_and_c0_controls(make_user, befriend, char):
    alice, bob = make_user("alice"), make_user("bob")
    befriend(alice, bob)
    post = alice.post_json("/api/posts", {"body": f"a{char}[2J", "visibility": "public"})
    assert post.status == 422, post
    message = alice.post_json("/api/messages/bob", {"body": f"a{char}]52;c;AAAA\x07"})
    assert message.status == 422, message


def test_posts_keep_lines_tabs_and_right_to_left_marks(make_user):
    alice = make_user("alice")
    body = "line one\n\tline two \u202bשלום\u202c"
    answer = alice.post_json("/api/posts", {"body": body, "visibility": "public"})
    assert answer.status == 201 and answer.json()["body"] == body


def test_the_rules_themselves():
    assert is_clean_name("Zoë") and not is_clean_name("a\tb")
    assert is_clean_text("a\tb\nc") and not is_clean_text("a\rb")
    assert is_clean_text("\u202e") and not is_clean_name("\u202e")
    assert not is_clean_text("\x80") and is_clean_text("\xa0")

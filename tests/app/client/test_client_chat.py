"""Chat in the terminal client: two people in two pseudo terminals, messages live.

These tests need the chat endpoints; each one checks for them on the running
server and skips while they are absent, so they start running when chat lands.
"""


import pexpect
import pytest
from test_client_support import ClientHome, has_endpoint, has_event_stream

MENU_PROMPT = "miniface> "
LIVE = "Connected: new messages appear as they arrive."
POLLING = "Live updates are unavailable on this server"


@pytest.fixture
def pair(make_user, befriend):
    """Ann and Bob, friends, as logged-in HTTP clients."""
    ann, bob = make_user("ann", "Ann Lee"), make_user("bob", "Bob Builder")
    befriend(ann, bob)
    return ann, bob


def require_chat(url: str, token: str, live: bool | None = None) -> None:
    """Skip unless the server has chat (and an event stream, or none, as `live` says)."""
    if not has_endpoint(url, token, "/api/messages"):
        pytest.skip("the server has no chat endpoints yet")
    if live is not None and has_event_stream(url, token) != live:
        pytest.skip("the server has an event stream" if not live else
                    "the server has no event stream (GET /api/events) yet")


def open_chat(tmp_path, url: str, me: str, friend: str, ready: str,
              *options: str) -> pexpect.spawn:
    home = ClientHome(tmp_path / me, url)
    home.login(me)
    child = home.spawn(*options)
    child.expect_exact(MENU_PROMPT)
    child.sendline(f"chat {friend}")
    child.expect_exact("/quit leaves")
    child.expect_exact(ready)
    return child


def leave(child: pexpect.spawn) -> None:
    child.sendline("/quit")
    child.expect_exact(MENU_PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_two_people_chat_and_see_messages_as_they_arrive(tmp_path, url, pair):
    ann, bob = pair
    require_chat(url, ann.login_token, live=True)
    assert bob.post_json("/api/messages/ann", {"body": "an old hello"}).status == 201
    ann_term = open_chat(tmp_path, url, "ann", "bob", LIVE)
    assert "bob: an old hello" in ann_term.before  # the history came first
    bob_term = open_chat(tmp_path, url, "bob", "ann", LIVE)

    ann_term.sendline("hi Bob, are you there?")
    bob_term.expect(r"ann: hi Bob, are you there\?")
    ann_term.expect(r"me: hi Bob, are you there\?")

    ann_term.send("half a thou")  # typing, not sent: must survive an arriving message
    bob_term.sendline("yes, here!")
    ann_term.expect_exact("bob: yes, here!")
    ann_term.expect_exact("> half a thou")
    ann_term.sendline("ght")
    bob_term.expect_exact("ann: half a thought")

    bodies = [m["body"] for m in bob.get("/api/messages/ann").json()["messages"]]
    assert bodies[:3] == ["half a thought", "yes, here!", "hi Bob, are you there?"]
    leave(ann_term)
    leave(bob_term)


def test_message_from_someone_else_is_announced_not_mixed_in(tmp_path, url, pair,
                                                             make_user, befriend):
    ann, bob = pair
    require_chat(url, ann.login_token, live=True)
    cyd = make_user("cyd")
    befriend(cyd, ann)
    ann_term = open_chat(tmp_path, url, "ann", "bob", LIVE)
    assert cyd.post_json("/api/messages/ann", {"body": "psst"}).status == 201
    ann_term.expect_exact("(new message from @cyd")
    assert "psst" not in ann_term.before
    leave(ann_term)


def test_chat_polls_when_the_server_has_no_event_stream(tmp_path, url, pair):
    ann, bob = pair
    require_chat(url, ann.login_token, live=False)
    ann_term = open_chat(tmp_path, url, "ann", "bob", POLLING)
    assert bob.post_json("/api/messages/ann", {"body": "polled hello"}).status == 201
    ann_term.expect_exact("bob: polled hello", timeout=6)  # one 2 s poll, with margin
    leave(ann_term)


def test_chat_can_poll_instead_of_streaming(tmp_path, url, pair):
    ann, bob = pair
    require_chat(url, ann.login_token)
    home = ClientHome(tmp_path / "ann", url)
    home.login("ann")
    child = home.spawn("chat", "bob", "--poll")  # straight into the chat, no menu
    child.expect_exact("Checking for new messages every 2 s.")
    assert bob.post_json("/api/messages/ann", {"body": "polled hello"}).status == 201
    child.expect_exact("bob: polled hello", timeout=6)
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    unread = ann.get("/api/messages").json()["conversations"][0]["unread"]
    assert unread == 0  # fetching the conversation marked it read


def test_online_friends_are_listed(tmp_path, url, pair):
    ann, _ = pair
    require_chat(url, ann.login_token)
    home = ClientHome(tmp_path / "ann", url)
    home.login("ann")
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    child.sendline("online")
    child.expect(r"@bob\s+Bob Builder\s+online")
    child.sendline("friends")
    child.expect(r"@bob\s+Bob Builder\s+online")
    child.expect_exact(MENU_PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_chat_only_with_friends(tmp_path, url, pair, make_user):
    ann, _ = pair
    require_chat(url, ann.login_token)
    make_user("stranger")
    home = ClientHome(tmp_path / "ann", url)
    home.login("ann")
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    child.sendline("chat stranger")
    child.expect_exact("@stranger is not your friend; you can only chat with friends.")
    child.expect_exact(MENU_PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)

"""Likes, comments and notifications in the terminal client: one-shot commands, the
menu in a pseudo terminal, and notifications arriving live in the chat view."""

import json

import pexpect
import pytest
from test_client_chat import LIVE, leave, open_chat
from test_client_support import ClientHome

MENU_PROMPT = "miniface> "


@pytest.fixture
def pair(make_user, befriend):
    """Ann and Bob, friends; Bob has written a post (its id is `bob.post_id`)."""
    ann, bob = make_user("ann", "Ann Lee"), make_user("bob", "Bob Builder")
    befriend(ann, bob)
    bob.post_id = bob.post_json("/api/posts", {"body": "New rug", "visibility": "friends"}) \
        .json()["id"]
    return ann, bob


def test_like_and_unlike_from_a_script(home, pair):
    ann, bob = pair
    home.login("ann")
    liked = home.run("like", f"#{bob.post_id}")
    assert liked.returncode == 0, liked.stderr
    assert liked.stdout == f"You like post #{bob.post_id} (1 like).\n"
    assert bob.get(f"/api/posts/{bob.post_id}").json()["likes"] == 1
    state = json.loads(home.run("unlike", str(bob.post_id), "--json").stdout)
    assert state == {"likes": 0, "liked": False}
    missing = home.run("like", "999999")
    assert missing.returncode == 1 and missing.stderr == "No such post.\n"


def test_write_and_read_comments_from_a_script(home, pair):
    ann, bob = pair
    home.login("ann")
    written = home.run("comment", str(bob.post_id), "-", input="Looks\ncomfy\n")
    assert written.returncode == 0, written.stderr
    assert written.stdout.startswith(f"Commented on post #{bob.post_id} (c")
    listed = json.loads(home.run("comments", str(bob.post_id), "--json").stdout)
    assert [c["body"] for c in listed["comments"]] == ["Looks\ncomfy"]
    text = home.run("comments", str(bob.post_id)).stdout
    assert "Ann Lee @ann  just now" in text and "       Looks\n       comfy" in text
    empty = home.run("comment", str(bob.post_id), "   ")
    assert empty.returncode == 1 and "Nothing to say" in empty.stderr
    too_long = home.run("comment", str(bob.post_id), "x" * 2001)
    assert too_long.returncode == 1 and "2,000" in too_long.stderr
    feed = home.run("feed").stdout
    assert "1 comment" in feed


def test_notifications_command_lists_and_marks_read(tmp_path, url, pair):
    ann, bob = pair
    ann.post_json(f"/api/posts/{bob.post_id}/like")
    ann.post_json(f"/api/posts/{bob.post_id}/comments", {"body": "nice"})
    bob_home = ClientHome(tmp_path / "bob", url)
    bob_home.login("bob")
    listed = bob_home.run("notifications")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(f"● @ann commented on your post #{bob.post_id}")
    assert lines[1].startswith(f"● @ann liked your post #{bob.post_id}")
    page = json.loads(bob_home.run("notifications", "--json", "--mark-read").stdout)
    assert page["unread"] >= 2
    assert bob.get("/api/notifications").json()["unread"] == 0


def test_the_menu_likes_comments_and_shows_notifications(home, pair):
    ann, bob = pair
    bob.post_json(f"/api/posts/{bob.post_id}/comments", {"body": "Opinions welcome"})
    home.login("ann")
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    child.sendline(f"like {bob.post_id}")
    child.expect_exact(f"You like post #{bob.post_id} (1 like).")
    child.expect_exact(MENU_PROMPT)
    child.sendline(f"comments #{bob.post_id}")
    child.expect_exact("Opinions welcome")
    child.expect_exact("Enter to go back: ")
    child.sendline("Very nice")
    child.expect_exact(f"Commented on #{bob.post_id}")
    child.expect_exact("Very nice")                      # listed again
    child.expect_exact("Enter to go back: ")
    child.sendline("")
    child.expect_exact(MENU_PROMPT)
    bob.post_json(f"/api/posts/{bob.post_id}/comments", {"body": "thanks"})
    child.sendline("notifications")
    child.expect_exact(f"@bob also commented on post #{bob.post_id}")
    child.expect_exact("Marked")
    child.expect_exact(MENU_PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert [c["body"] for c in bob.get(f"/api/posts/{bob.post_id}/comments").json()
            ["comments"]] == ["Opinions welcome", "Very nice", "thanks"]
    assert ann.get("/api/notifications").json()["unread"] == 0


def test_notifications_arrive_live_in_the_chat_view(tmp_path, url, pair, make_user, befriend):
    ann, bob = pair
    bob_term = open_chat(tmp_path, url, "bob", "ann", LIVE)
    ann.post_json(f"/api/posts/{bob.post_id}/like")
    bob_term.expect_exact(f"(notification: @ann liked your post #{bob.post_id})")
    make_user("cyd").post_json("/api/friends/bob")
    bob_term.expect_exact("(notification: @cyd wants to be your friend)")
    leave(bob_term)

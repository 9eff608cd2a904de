"""The interactive client in a pseudo terminal (pexpect), against a real server."""

import json
import os
import stat

import pexpect
from test_client_support import PASSWORD, closed_port_url

MENU_PROMPT = "miniface> "


def log_in(child: pexpect.spawn, username: str, password: str = PASSWORD) -> None:
    child.expect_exact("Log in, sign up or quit?")
    child.sendline("login")
    child.expect_exact("Username: ")
    child.sendline(username)
    child.expect_exact("Password: ")
    child.sendline(password)


def quit_client(child: pexpect.spawn) -> int:
    child.sendline("quit")
    child.expect_exact("Bye.")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_log_in_with_hidden_password_post_and_see_it_in_the_feed(home, url, make_user):
    ann = make_user("ann", "Ann Lee")
    child = home.spawn()
    log_in(child, "ann")
    child.expect_exact("Logged in as Ann Lee (@ann).")
    assert PASSWORD not in child.before  # getpass did not echo it
    child.expect_exact(MENU_PROMPT)
    child.sendline("post")
    child.expect_exact("an empty line ends it")
    child.sendline("Hello from the terminal")
    child.sendline("")
    child.expect_exact("Photo (a file path, Enter for none): ")
    child.sendline("")
    child.expect_exact("Who can see it?")
    child.sendline("pub")
    child.expect(r"Posted #(\d+) \(public\)\.")
    post_id = child.match.group(1)
    child.expect_exact(MENU_PROMPT)
    child.sendline("feed")
    child.expect(rf"#{post_id}\s+Ann Lee @ann\s+just now · public")
    child.expect_exact("Hello from the terminal")
    child.expect_exact("the end")
    assert quit_client(child) == 0
    assert ann.get("/api/feed").json()["posts"][0]["body"] == "Hello from the terminal"
    assert stat.S_IMODE(os.stat(home.token_path).st_mode) == 0o600
    assert json.loads(home.token_path.read_text())["servers"][url]["username"] == "ann"


def test_saved_login_is_reused_and_logout_forgets_it(home, url, server, make_user):
    make_user("ann", "Ann Lee")
    home.login("ann")
    token = json.loads(home.token_path.read_text())["servers"][url]["token"]
    child = home.spawn()
    child.expect_exact("Ann Lee @ann")  # straight to the menu, no password asked
    child.expect_exact(MENU_PROMPT)
    child.sendline("logout")
    child.expect_exact("Logged out")
    child.expect_exact("Log in, sign up or quit?")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert json.loads(home.token_path.read_text())["servers"] == {}
    assert server.client().bearer(token).get("/api/me").status == 401


def test_sign_up_from_the_welcome_prompt(home, client):
    child = home.spawn()
    child.expect_exact("Log in, sign up or quit?")
    child.sendline("signup")
    child.expect_exact("Username: ")
    child.sendline("newbie")
    child.expect_exact("Your name: ")
    child.sendline("New Person")
    child.expect_exact("Password: ")
    child.sendline(PASSWORD)
    child.expect_exact("Repeat the password: ")
    child.sendline(PASSWORD)
    child.expect_exact("Welcome, New Person! You are logged in as @newbie.")
    child.expect_exact(MENU_PROMPT)
    assert quit_client(child) == 0
    assert client.post_json("/api/login", {"username": "newbie",
                                           "password": PASSWORD}).status == 200


def test_wrong_password_is_a_sentence_and_the_prompt_comes_back(home, make_user, client):
    make_user("ann")
    refused = client.post_json("/api/login", {"username": "ann", "password": "not-the-password"})
    message = refused.json()["error"]["message"].rstrip(".")
    child = home.spawn()
    log_in(child, "ann", "not-the-password")
    child.expect_exact(message[0].upper() + message[1:] + ".")
    child.expect_exact("Log in, sign up or quit?")
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_people_search_shows_friendship_and_sends_a_request(home, make_user):
    make_user("ann", "Ann Lee")
    bob = make_user("bobby", "Bob Builder")
    home.login("ann")
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    child.sendline("people bob")
    child.expect(r"1\s+@bobby\s+Bob Builder")
    child.expect_exact("Add as friend")
    child.sendline("1")
    child.expect_exact("Friend request sent to Bob Builder (@bobby).")
    child.expect_exact(MENU_PROMPT)
    incoming = bob.get("/api/friends/requests").json()["incoming"]
    assert [u["username"] for u in incoming] == ["ann"]
    child.sendline("people bob")
    child.expect(r"@bobby\s+Bob Builder\s+request sent")
    assert quit_client(child) == 0


def test_requests_accept_then_change_visibility_and_delete_a_post(home, make_user):
    ann = make_user("ann", "Ann Lee")
    assert make_user("bobby", "Bob Builder").post_json("/api/friends/ann").status == 201
    post = ann.post_json("/api/posts", {"body": "first draft", "visibility": "public"}).json()
    home.login("ann")
    child = home.spawn()
    # The request is also a notification: the bell's count is news of its own.
    child.expect_exact('You have 1 friend request ("requests") and 1 new notification '
                       '("notifications").')
    child.expect_exact(MENU_PROMPT)
    child.sendline("requests")
    child.expect(r"Asking to be your friend\s+1\s+@bobby")
    child.sendline("a 1")
    child.expect_exact("You and Bob Builder (@bobby) are now friends.")
    child.expect_exact("No pending friend requests.")
    child.sendline(f"visibility {post['id']}")
    child.expect_exact("Who can see it?")
    child.sendline("private")
    child.expect_exact(f"Post #{post['id']} is now only me.")
    child.sendline(f"delete #{post['id']}")
    child.expect_exact("Delete this post? [y/N]")
    child.sendline("y")
    child.expect_exact(f"Deleted post #{post['id']}.")
    child.expect_exact(MENU_PROMPT)
    assert ann.get(f"/api/posts/{post['id']}").status == 404
    assert [u["username"] for u in ann.get("/api/friends").json()["friends"]] == ["bobby"]
    assert quit_client(child) == 0


def test_server_error_inside_the_menu_is_a_sentence(home, make_user):
    ann = make_user("ann")
    message = ann.post_json("/api/friends/nobody_here").json()["error"]["message"].rstrip(".")
    home.login("ann")
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    child.sendline("add nobody_here")
    child.expect_exact(message[0].upper() + message[1:] + ".")
    child.expect_exact(MENU_PROMPT)
    assert quit_client(child) == 0


def test_ctrl_d_and_ctrl_c_leave_cleanly(home, make_user):
    make_user("ann")
    home.login("ann")
    for key in ("\x04", "\x03"):
        child = home.spawn()
        child.expect_exact(MENU_PROMPT)
        child.send(key)
        child.expect(pexpect.EOF)
        child.close()
        assert "Traceback" not in child.before
        assert child.exitstatus == 0


def test_unreachable_server_in_a_terminal_is_one_line(home):
    down = closed_port_url()
    child = home.spawn(server=down)
    child.expect(pexpect.EOF)
    child.close()
    assert child.before.strip() == f"Cannot reach MiniFace at {down} (connection refused)."
    assert child.exitstatus == 1


def test_menu_is_coloured_on_a_terminal_unless_no_color(home, make_user):
    make_user("ann")
    home.login("ann")
    home.env.pop("NO_COLOR")
    child = home.spawn()
    child.expect_exact("\x1b[1mminiface\x1b[0m> ")
    assert quit_client(child) == 0


def test_feed_pages_ten_posts_at_a_time(home, make_user):
    ann = make_user("ann", "Ann Lee")
    for n in range(12):
        assert ann.post_json("/api/posts", {"body": f"note {n:02}",
                                            "visibility": "private"}).status == 201
    home.login("ann")
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    child.sendline("feed")
    child.expect_exact("Enter for more, q to go back: ")
    assert "note 11" in child.before and "note 02" in child.before
    assert "note 01" not in child.before
    child.sendline("")
    child.expect_exact("the end")
    assert "note 01" in child.before and "note 00" in child.before
    assert quit_client(child) == 0


def test_a_session_ended_elsewhere_sends_back_to_the_login_prompt(home, make_user, server):
    make_user("ann")
    home.login("ann")
    token = json.loads(home.token_path.read_text())["servers"][home.url]["token"]
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    assert server.client().bearer(token).post_json("/api/logout").status == 204
    child.sendline("friends")
    child.expect_exact("Your session has ended; please log in again.")
    child.expect_exact("Log in, sign up or quit?")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    assert json.loads(home.token_path.read_text())["servers"] == {}

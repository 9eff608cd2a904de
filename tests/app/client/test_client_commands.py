"""`miniface client` one-shot commands, run as processes against a real server."""

import json
import os
import re
import stat

import pytest
from test_client_support import PASSWORD, ClientHome, closed_port_url, has_endpoint

from client import main as client_main


@pytest.fixture
def ann(make_user):
    return make_user("ann", "Ann Lee")


def saved_token(home: ClientHome) -> str:
    return json.loads(home.token_path.read_text())["servers"][home.url]["token"]


def test_login_saves_a_private_token_for_that_server(home, ann, server):
    result = home.run("login", "--username", "ann", "--password-stdin", input=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Logged in to {home.url} as Ann Lee (@ann).\n"
    assert stat.S_IMODE(os.stat(home.token_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(home.token_path.parent).st_mode) == 0o700
    me = server.client().bearer(saved_token(home)).get("/api/me")
    assert me.status == 200 and me.json()["username"] == "ann"


def test_login_takes_the_password_from_the_environment(home, ann):
    result = home.run("login", "--username", "ann", env={"MINIFACE_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    assert home.token_path.exists()


def test_post_then_feed_json_shows_the_post(home, ann):
    home.login("ann")
    posted = home.run("post", "Hello from a script", "--visibility", "friends")
    assert posted.returncode == 0, posted.stderr
    assert posted.stdout.startswith("Posted #") and "(friends)" in posted.stdout
    feed = home.run("feed", "--json")
    assert feed.returncode == 0, feed.stderr
    posts = json.loads(feed.stdout)["posts"]
    assert [(p["body"], p["visibility"], p["author"]["username"]) for p in posts] == \
        [("Hello from a script", "friends", "ann")]
    assert ann.get("/api/feed").json()["posts"][0]["body"] == "Hello from a script"


def test_post_reads_its_text_from_stdin_with_a_dash(home, ann):
    home.login("ann")
    result = home.run("post", "-", "--json", input="line one\nline two\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["body"] == "line one\nline two"


def test_feed_limit_pages_and_text_output_shows_cards(home, ann):
    for n in range(3):
        assert ann.post_json("/api/posts", {"body": f"post number {n}",
                                            "visibility": "public"}).status == 201
    home.login("ann")
    page = json.loads(home.run("feed", "--json", "--limit", "2").stdout)
    assert [p["body"] for p in page["posts"]] == ["post number 2", "post number 1"]
    assert page["next_before"] is not None
    text = home.run("feed").stdout
    assert "Ann Lee @ann  just now · public" in text
    assert text.index("post number 2") < text.index("post number 1") < text.index("post number 0")


def test_post_with_photo_is_uploaded_as_multipart(home, ann, tmp_path, png_bytes):
    photo = tmp_path / "red.png"
    photo.write_bytes(png_bytes())
    home.login("ann")
    result = home.run("post", "a red square", "--photo", str(photo), "--visibility",
                      "public", "--json")
    assert result.returncode == 0, result.stderr
    post = json.loads(result.stdout)
    assert post["body"] == "a red square" and post["image_url"]
    image = ann.get(post["image_url"])
    assert image.status == 200 and image.body.startswith(b"\x89PNG")


def test_post_with_a_missing_photo_says_so(home, ann, tmp_path):
    home.login("ann")
    result = home.run("post", "x", "--photo", str(tmp_path / "nope.png"))
    assert result.returncode == 1
    assert result.stderr == f"No photo at {tmp_path / 'nope.png'}.\n"


def test_friends_json_lists_friends(home, ann, make_user, befriend):
    befriend(ann, make_user("bob", "Bob Builder"))
    make_user("cyd")
    home.login("ann")
    result = home.run("friends", "--json")
    assert result.returncode == 0, result.stderr
    assert [u["username"] for u in json.loads(result.stdout)["friends"]] == ["bob"]
    assert "@bob  Bob Builder  friends" in home.run("friends").stdout


def test_wrong_password_shows_the_server_message_as_a_sentence(home, ann, client):
    refused = client.post_json("/api/login", {"username": "ann", "password": "wrong-pass"})
    message = refused.json()["error"]["message"].rstrip(".")
    result = home.run("login", "--username", "ann", "--password-stdin", input="wrong-pass\n")
    assert result.returncode == 1
    assert result.stderr == message[0].upper() + message[1:] + ".\n"
    assert not home.token_path.exists()


def test_invalid_signup_names_each_bad_field(home, client):
    refused = client.post_json("/api/signup", {"username": "no spaces!", "name": "N",
                                               "password": PASSWORD})
    result = home.run("signup", "--username", "no spaces!", "--name", "N", "--password-stdin",
                      input=PASSWORD + "\n")
    assert result.returncode == 1
    assert f"  username: {refused.json()['error']['fields']['username']}\n" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server_gives_one_line_and_status_1(home):
    down = closed_port_url()
    home.token_path.parent.mkdir(parents=True)
    home.token_path.write_text(json.dumps({"servers": {down: {"token": "t", "username": "x"}}}))
    for args in (["whoami"], ["feed", "--json"], ["logout"]):
        result = home.run(*args, server=down)
        assert result.returncode == 1, args
        assert result.stderr == f"Cannot reach MiniFace at {down} (connection refused).\n"
        assert result.stdout == ""


def test_commands_without_a_login_say_how_to_log_in(home):
    result = home.run("feed")
    assert result.returncode == 1
    assert result.stderr == (f"You are not logged in to {home.url}. "
                             "Log in with: miniface client login --username NAME\n")


def test_a_refused_token_is_forgotten(home, ann, server):
    home.login("ann")
    assert server.client().bearer(saved_token(home)).post_json("/api/logout").status == 204
    result = home.run("whoami")
    assert result.returncode == 1
    assert "Log in again" in result.stderr
    assert json.loads(home.token_path.read_text())["servers"] == {}


def test_logout_forgets_the_token_and_ends_the_session(home, ann, server):
    home.login("ann")
    token = saved_token(home)
    result = home.run("logout")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Logged out of {home.url}.\n"
    assert json.loads(home.token_path.read_text())["servers"] == {}
    assert server.client().bearer(token).get("/api/me").status == 401


@pytest.mark.parametrize("command", [[], ["login"], ["signup"], ["logout"], ["whoami"],
                                     ["post"], ["feed"], ["friends"], ["send"], ["chat"]])
def test_every_command_has_help(command, capsys):
    assert client_main([*command, "--help"]) == 0  # in-process: help needs no server
    assert capsys.readouterr().out.startswith("usage: miniface client")


def test_bad_arguments_exit_2_with_usage(home):
    result = home.run("feed", "--limit", "0")
    assert result.returncode == 2
    assert "usage: miniface client feed" in result.stderr


def test_send_delivers_a_message_to_a_friend(home, ann, make_user, befriend, url):
    if not has_endpoint(url, ann.login_token, "/api/messages"):
        pytest.skip("the server has no chat endpoints yet")
    bob = make_user("bob")
    befriend(ann, bob)
    home.login("ann")
    result = home.run("send", "bob", "see you at noon")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Sent to @bob.\n"
    assert [m["body"] for m in bob.get("/api/messages/ann").json()["messages"]] == \
        ["see you at noon"]


def test_throttled_login_says_when_to_try_again(home, ann, client):
    for _ in range(10):
        refused = client.post_json("/api/login", {"username": "ann", "password": "nope-nope"})
        if refused.status == 429:
            break
    assert refused.status == 429
    result = home.run("login", "--username", "ann", "--password-stdin", input=PASSWORD + "\n")
    assert result.returncode == 1
    # The server counts down on the real clock between the two requests.
    said = re.search(r"\nTry again in (\d+) seconds\.\n$", result.stderr)
    assert said and 0 <= int(refused.headers["retry-after"]) - int(said.group(1)) <= 2


def test_menu_on_a_closed_stdin_leaves_cleanly(home):
    result = home.run(input="")
    assert result.returncode == 0
    assert "Log in, sign up or quit?" in result.stdout
    assert result.stderr == ""


def test_menu_reads_a_script_from_a_pipe(home, ann):
    home.login("ann")
    result = home.run(input="post\npiped post\n\n\npublic\nmine\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "Posted #" in result.stdout and result.stdout.rstrip().endswith("Bye.")
    assert ann.get("/api/feed").json()["posts"][0]["body"] == "piped post"

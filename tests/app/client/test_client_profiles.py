"""Profiles in the terminal client: show one, change the name and bio, set and remove
the picture; text from the server is printed without its control characters."""

import json

from appclient import image_bytes
from test_client_interactive import MENU_PROMPT, quit_client


def test_profile_name_bio_and_picture_from_a_script(home, make_user, tmp_path):
    ann = make_user("ann", "Ann Lee")
    home.login("ann")
    shown = home.run("profile")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "Ann Lee @ann\n(no bio yet)\n"
    assert home.run("set-name", "Ann Marie Lee").stdout == "Name changed.\n"
    saved = home.run("set-bio", "-", input="Knits.\nReads.\n")
    assert saved.returncode == 0 and saved.stdout == "Bio saved.\n"
    assert home.run("profile").stdout == "Ann Marie Lee @ann\nKnits.\nReads.\n"
    too_long = home.run("set-bio", "x" * 501)
    assert too_long.returncode == 1 and "500" in too_long.stderr
    picture = tmp_path / "me.png"
    picture.write_bytes(image_bytes((80, 60)))
    uploaded = home.run("avatar", str(picture))
    assert uploaded.returncode == 0, uploaded.stderr
    assert "Profile picture set: http" in uploaded.stdout
    url = ann.get("/api/me").json()["avatar_url"]
    assert url and url in uploaded.stdout
    assert json.loads(home.run("profile", "--json").stdout)["avatar_url"] == url
    not_image = tmp_path / "notes.png"
    not_image.write_bytes(b"just words")
    refused = home.run("avatar", str(not_image))
    assert refused.returncode == 1 and "PNG, JPEG, GIF or WebP" in refused.stderr
    assert home.run("avatar", "--remove").stdout == "Profile picture removed.\n"
    assert ann.get("/api/me").json()["avatar_url"] is None
    assert home.run("avatar").returncode == 1
    assert home.run("set-bio", "").stdout == "Bio cleared.\n"


def test_another_person_s_bio_is_printed_without_terminal_controls(home, make_user):
    make_user("ann", "Ann Lee")
    bob = make_user("bob", "Bob Stone")
    # A bio may hold tabs and new lines; a right-to-left override is format, not text.
    bob.patch_json("/api/me", {"bio": "Builds\tthings \u202eevil"})
    home.login("ann")
    shown = home.run("profile", "bob")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "Bob Stone @bob\nBuilds\tthings evil\n"


def test_the_menu_shows_profiles_and_changes_the_name_and_bio(home, make_user, befriend):
    ann = make_user("ann", "Ann Lee")
    bob = make_user("bob", "Bob Stone")
    befriend(ann, bob)
    bob.patch_json("/api/me", {"bio": "Builds boats."})
    home.login("ann")
    child = home.spawn()
    child.expect_exact(MENU_PROMPT)
    child.sendline("profile @bob")
    child.expect_exact("Bob Stone @bob  (friends)")
    child.expect_exact("Builds boats.")
    child.expect_exact(MENU_PROMPT)
    child.sendline("profile")
    child.expect_exact("(no bio yet)")
    child.expect_exact("Change (name / bio / nothing)")
    child.sendline("bio")
    child.expect_exact("New bio, one line (empty clears it): ")
    child.sendline("Knits on trains.")
    child.expect_exact("Bio saved.")
    child.expect_exact(MENU_PROMPT)
    child.sendline("bio")  # an alias of profile
    child.expect_exact("Knits on trains.")
    child.expect_exact("Change (name / bio / nothing)")
    child.sendline("n")  # a prefix shared by name and nothing: asked again
    child.expect_exact("Please answer one of: name, bio, nothing.")
    child.sendline("name")
    child.sendline("Ann Marie Lee")
    child.expect_exact("Name changed to Ann Marie Lee.")
    child.expect_exact(MENU_PROMPT)
    child.sendline("profile")
    child.expect_exact("Change (name / bio / nothing)")
    child.sendline("bio")
    child.sendline("x" * 501)
    child.expect_exact("500")  # the server's sentence names the limit
    child.expect_exact(MENU_PROMPT)
    assert quit_client(child) == 0
    me = ann.get("/api/me").json()
    assert (me["name"], me["bio"]) == ("Ann Marie Lee", "Knits on trains.")

"""Sign up, log in and log out through the HTML forms, over real HTTP."""

from __future__ import annotations

from pages_helpers import csrf_of, field_error, flash_of, page_token, submit, visible_text

PASSWORD = "correct horse battery"


def follow(client, result):
    assert result.status == 303, result
    return client.get(result.headers["location"])


def test_signup_form_logs_the_newcomer_in_and_greets_them(client):
    result = submit(client, "/signup", {"username": "ada", "name": "Ada Lovelace",
                                        "password": PASSWORD}, from_page="/signup")
    home = follow(client, result)
    assert home.status == 200
    assert "Welcome to MiniFace, Ada!" in flash_of(home)
    assert "What's on your mind, Ada?" in home.text
    assert "mf_session" in client.cookies


def test_signup_errors_sit_next_to_their_fields_and_typed_values_stay(client):
    result = submit(client, "/signup", {"username": "a b", "name": "Ada",
                                        "password": "short-pw-secret"[:5]}, from_page="/signup")
    assert result.status == 422
    assert "letters, digits or _" in field_error(result, "signup-username")
    assert "at least 8 characters" in field_error(result, "signup-password")
    assert field_error(result, "signup-name") is None
    assert 'value="a b"' in result.text and 'value="Ada"' in result.text
    assert "short" not in result.text
    assert 'aria-invalid="true"' in result.text


def test_signup_with_a_taken_username_says_so_in_any_letter_case(client, make_user):
    make_user("grace")
    result = submit(client, "/signup", {"username": "GRACE", "name": "Another Grace",
                                        "password": PASSWORD}, from_page="/signup")
    assert result.status == 409
    assert "taken" in field_error(result, "signup-username")
    assert 'value="Another Grace"' in result.text
    assert PASSWORD not in result.text


def test_login_form_accepts_good_credentials_and_returns_to_next(client, make_user):
    make_user("alan", "Alan Turing")
    result = submit(client, "/login", {"username": "alan", "password": PASSWORD,
                                       "next": "/friends"}, from_page="/login?next=/friends")
    assert result.headers["location"] == "/friends"
    assert "Welcome back, Alan!" in flash_of(follow(client, result))


def test_login_refuses_off_site_next_targets(client, make_user):
    make_user("alan")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        result = submit(client, "/login", {"username": "alan", "password": PASSWORD,
                                           "next": target}, from_page="/login")
        assert result.headers["location"] == "/", target
        client.cookies.pop("mf_session")


def test_login_with_a_wrong_password_keeps_the_username_but_never_the_password(client,
                                                                               make_user):
    make_user("alan")
    result = submit(client, "/login", {"username": "alan", "password": "wrong password 123"},
                    from_page="/login")
    assert result.status == 422
    assert "Wrong username or password." in visible_text(result)
    assert 'value="alan"' in result.text
    assert "wrong password 123" not in result.text
    assert "mf_session" not in client.cookies


def test_login_with_empty_fields_marks_each_field(client):
    result = submit(client, "/login", {"username": " ", "password": ""}, from_page="/login")
    assert result.status == 422
    assert field_error(result, "login-username") == "Enter your username."
    assert field_error(result, "login-password") == "Enter your password."


def test_repeated_failed_logins_get_429_with_the_time_to_wait(client, make_user, server):
    make_user("alan")
    limit = server.config.login_failure_limit
    for _ in range(limit):
        assert submit(client, "/login", {"username": "alan", "password": "nope nope"},
                      from_page="/login").status == 422
    result = submit(client, "/login", {"username": "alan", "password": PASSWORD},
                    from_page="/login")
    assert result.status == 429
    assert int(result.headers["retry-after"]) > 0
    assert "Try again in 30 seconds." in visible_text(result)
    assert 'value="alan"' in result.text


def test_logout_ends_the_session(make_user):
    alice = make_user("alice")
    token = page_token(alice, "/")
    result = alice.post_form("/logout", {"csrf_token": token})
    assert result.status == 303 and result.headers["location"] == "/"
    assert "mf_session" not in alice.cookies
    welcome = alice.get("/")
    assert "Log in to MiniFace" in welcome.text
    assert "You have logged out." in flash_of(welcome)
    # The flash shows once: the page that showed it clears the cookie.
    assert flash_of(alice.get("/")) is None


def test_logged_in_visitors_skip_the_login_and_signup_forms(make_user):
    alice = make_user("alice")
    assert alice.get("/login?next=/people").headers["location"] == "/people"
    assert alice.get("/signup").headers["location"] == "/"


def test_pages_that_need_a_login_send_visitors_to_it_and_back(client):
    result = client.get("/friends")
    assert result.status == 303
    assert result.headers["location"] == "/login?next=/friends"
    login_page = client.get(result.headers["location"])
    assert 'name="next" value="/friends"' in login_page.text


def test_anonymous_forms_use_a_cookie_bound_token(client):
    page = client.get("/login")
    assert csrf_of(page) == client.cookies["mf_csrf"]
    # Another browser's token does not work with this browser's cookie.
    other = client.post_form("/login", {"csrf_token": "x" * 32, "username": "a",
                                        "password": "b"})
    assert other.status == 403

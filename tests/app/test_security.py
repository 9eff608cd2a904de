"""CSRF rules, security headers, error shapes, hostile input, and password secrecy."""

import logging

import pytest
from appclient import PASSWORD, image_bytes, login, signup

import reactor

EXPECTED_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
FOREIGN = "http://evil.example"


def post_count(server) -> int:
    return server.db.query_value("SELECT count(*) FROM posts")


# -- CSRF ---------------------------------------------------------------------


def test_cookie_requests_from_another_origin_are_refused(server, make_user):
    alice = make_user("alice")
    refused = alice.post_json("/api/posts", {"body": "hi"}, headers={"Origin": FOREIGN})
    assert refused.status == 403 and refused.error_code == "forbidden"
    null_origin = alice.post_json("/api/posts", {"body": "hi"}, headers={"Origin": "null"})
    assert null_origin.status == 403
    assert post_count(server) == 0
    same = alice.post_json("/api/posts", {"body": "hi"},
                           headers={"Origin": f"http://127.0.0.1:{server.port}"})
    assert same.status == 201


@pytest.mark.parametrize("ctype", ["application/x-www-form-urlencoded", "text/plain", None])
def test_cookie_requests_must_be_json(server, make_user, ctype):
    alice = make_user("alice")
    headers = {"Content-Type": ctype} if ctype else {}
    for method, path in (("POST", "/api/posts"), ("POST", "/api/friends/bob"),
                         ("POST", "/api/logout"), ("DELETE", "/api/friends/bob")):
        answer = alice.request(method, path, body=b"body=hi", headers=headers)
        assert answer.status == 403, (method, path)
    assert post_count(server) == 0
    assert alice.get("/api/me").status == 200  # the logout was refused too


def test_cookie_multipart_needs_the_csrf_token(server, make_user):
    alice = make_user("alice")
    photo = {"image": ("a.png", image_bytes(), "image/png")}
    assert alice.post_multipart("/api/posts", {"body": "x"}, photo).status == 403
    wrong = alice.post_multipart("/api/posts", {"body": "x", "csrf_token": "guess"}, photo)
    assert wrong.status == 403
    assert post_count(server) == 0
    assert list(server.uploads_dir.iterdir()) == []
    token = alice.csrf_token()
    assert alice.post_multipart("/api/posts", {"body": "x", "csrf_token": token},
                                photo).status == 201
    by_header = alice.post_multipart("/api/posts", {"body": "y"}, photo,
                                     headers={"X-CSRF-Token": token})
    assert by_header.status == 201


def test_another_sessions_csrf_token_does_not_work(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    answer = alice.post_multipart("/api/posts", {"body": "x", "csrf_token": bob.csrf_token()})
    assert answer.status == 403


def test_bearer_requests_need_no_csrf_token(server, make_user):
    alice = make_user("alice")
    robot = server.client().bearer(alice.login_token)
    answer = robot.post_multipart("/api/posts", {"body": "from a script"},
                                  headers={"Origin": FOREIGN})
    assert answer.status == 201
    gone = robot.request("DELETE", f"/api/posts/{answer.json()['id']}")
    assert gone.status == 204


def test_signup_and_login_from_another_origin_are_refused(client):
    assert client.post_json("/api/signup", {"username": "mallory", "name": "M",
                                            "password": PASSWORD},
                            headers={"Origin": FOREIGN}).status == 403
    signup(client, "alice")
    answer = client.post_json("/api/login", {"username": "alice", "password": PASSWORD},
                              headers={"Origin": FOREIGN})
    assert answer.status == 403 and "set-cookie" not in answer.headers


# -- headers and error shapes ----------------------------------------------------


def assert_security_headers(result):
    for name, value in EXPECTED_HEADERS.items():
        assert result.headers.get(name) == value, (name, result)


def test_every_kind_of_response_carries_the_security_headers(server, make_user):
    alice = make_user("alice")
    post = alice.post_multipart("/api/posts", {"body": "x", "csrf_token": alice.csrf_token()},
                                {"image": ("a.png", image_bytes(), "image/png")}).json()
    results = [
        alice.get("/api/me"), alice.get("/api/nowhere"), alice.request("PUT", "/api/me"),
        alice.get("/nowhere"), alice.get("/healthz"), alice.get(post["image_url"]),
        alice.get("/assets/style.css"), alice.request("HEAD", "/api/me"),
        server.client().get("/api/me"), login(server.client(), "alice", "wrong password"),
    ]
    for result in results:
        assert_security_headers(result)


def test_api_errors_have_the_json_shape_and_their_headers(client):
    not_allowed = client.request("PUT", "/api/feed")
    assert not_allowed.status == 405
    assert not_allowed.json() == {"error": {"code": "method_not_allowed",
                                            "message": not_allowed.json()["error"]["message"]}}
    assert set(not_allowed.headers["allow"].split(", ")) == {"GET", "HEAD"}
    missing = client.get("/api/nothing/here")
    assert missing.status == 404 and missing.error_code == "not_found"
    assert missing.headers["content-type"].startswith("application/json")


def test_html_errors_are_pages_with_the_message_escaped(client):
    answer = client.get("/nothing/<script>alert(1)</script>")
    assert answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)" not in answer.text


class Boom(reactor.Handler):
    def get(self):
        raise RuntimeError("kaboom")


class BoomLater(reactor.Handler):
    def get(self):
        return self.server.defer(_fail)


class TeapotLater(reactor.Handler):
    def get(self):
        return self.server.defer(_teapot)


def _fail():
    raise RuntimeError("kaboom later")


def _teapot():
    raise reactor.HTTPError(418, "short and stout", code="teapot")


def test_unexpected_errors_become_logged_500s_in_both_shapes(server, client, caplog):
    for path in ("/api/boom", "/boom", "/api/boom-later"):
        server.app.router.add(path, BoomLater if "later" in path else Boom)
    server.app.router.add("/api/teapot", TeapotLater)
    caplog.set_level(logging.ERROR, logger="handlers.app")
    api = client.get("/api/boom")
    assert api.status == 500 and api.error_code == "internal_error"
    assert "kaboom" not in api.text
    page = client.get("/boom")
    assert page.status == 500 and page.headers["content-type"].startswith("text/html")
    later = client.get("/api/boom-later")
    assert later.status == 500 and later.error_code == "internal_error"
    assert_security_headers(later)
    teapot = client.get("/api/teapot")
    assert teapot.status == 418 and teapot.json()["error"] == {"code": "teapot",
                                                              "message": "short and stout"}
    assert_security_headers(teapot)
    logged = [r for r in caplog.records if r.exc_info]
    assert {str(r.exc_info[1]) for r in logged} == {"kaboom", "kaboom later"}


# -- hostile input -----------------------------------------------------------------

NASTY = [
    "Robert'); DROP TABLE users;--",
    "\" OR 1=1 --",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "{{ name }} {{{ raw }}} %s %(x)s",
    "emoji 🎉 and ünïcödé",
]


def test_injection_strings_come_back_intact_from_every_text_field(server, make_user):
    alice = make_user("alice")
    for i, nasty in enumerate(NASTY):
        created = signup(server.client(), f"user{i}", nasty)
        assert created.status == 201 and created.json()["name"] == nasty
        post = alice.post_json("/api/posts", {"body": nasty, "visibility": "public"})
        assert post.status == 201 and post.json()["body"] == nasty
        assert alice.get(f"/api/posts/{post.json()['id']}").json()["body"] == nasty
        assert alice.get(f"/api/users/user{i}").json()["name"] == nasty
        search = alice.get("/api/users?q=" + _quote(nasty))
        assert search.status == 200
    assert server.db.query_value("SELECT count(*) FROM users") == 1 + len(NASTY)
    bodies = [p["body"] for p in alice.get("/api/feed").json()["posts"]]
    assert sorted(bodies) == sorted(NASTY)


def test_injection_strings_in_paths_and_queries_are_harmless(make_user):
    alice = make_user("alice")
    assert alice.get("/api/users/" + _quote("x' OR '1'='1")).status == 404
    assert alice.post_json("/api/friends/" + _quote("' OR 1=1 --")).status == 404
    assert alice.get("/api/users?q=" + _quote("%' OR '1'='1")).json()["users"] == []


def test_json_answers_cannot_be_sniffed_as_html(make_user):
    alice = make_user("alice")
    answer = alice.post_json("/api/posts", {"body": NASTY[2]})
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"


def _quote(text: str) -> str:
    from urllib.parse import quote
    return quote(text, safe="")


# -- password secrecy -----------------------------------------------------------------


def test_a_password_never_appears_in_logs_or_responses(app_server, caplog):
    secret = "Sup3r-secret-passphrase"
    caplog.set_level(logging.DEBUG)
    server = app_server(server_overrides={"access_log": True})
    client = server.client()
    answers = [
        signup(client, "alice", "Alice", secret),
        signup(client, "ALICE", "Alice", secret),
        signup(client, "b", "", secret),
        login(client, "alice", secret + "x"),
        login(client, "nobody", secret),
        login(client, "alice", secret),
        client.get("/api/me"),
        client.post_json("/api/logout"),
    ]
    for _ in range(6):
        answers.append(login(client, "alice", secret + "!"))
    assert answers[-1].status == 429
    for answer in answers:
        assert secret not in answer.text
        assert all(secret not in v for _, v in answer.header_list)
    lines = [record.getMessage() for record in caplog.records]
    assert any('"POST /api/login HTTP/1.1" 401' in line for line in lines)  # we saw the log
    assert not [line for line in lines if secret in line]
    stored = server.db.query_value("SELECT password_hash FROM users")
    assert secret not in stored and stored.startswith("$argon2id$")

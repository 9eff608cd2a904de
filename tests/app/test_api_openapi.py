"""The OpenAPI document matches the router, and real answers match its schemas."""

import re

import pytest
from appclient import encode_multipart, image_bytes

HTTP_VERBS = {"get", "post", "put", "patch", "delete", "options"}


def routed_api_operations(server) -> set:
    """{(openapi path, verb)} for every /api/ route the running app has."""
    operations = set()
    for pattern, handler_cls in server.app.router.routes:
        if not pattern.startswith("/api/"):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", pattern)
        for method in handler_cls.allowed_methods() - {"HEAD"}:
            operations.add((path, method.lower()))
    return operations


def documented_operations(document) -> set:
    return {(path, verb) for path, item in document["paths"].items()
            for verb in item if verb in HTTP_VERBS}


@pytest.fixture
def document(client):
    answer = client.get("/api/openapi.json")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    return answer.json()


def test_the_document_is_openapi_3(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["paths"]


def test_every_routed_operation_is_documented_and_vice_versa(server, document):
    assert routed_api_operations(server) == documented_operations(document)


def test_every_reference_resolves(document):
    text = repr(document)
    for ref in re.findall(r"#/components/(\w+)/(\w+)", text):
        assert ref[1] in document["components"][ref[0]], ref


def test_every_operation_documents_its_success_and_401(document):
    for path, verb in documented_operations(document):
        operation = document["paths"][path][verb]
        statuses = set(operation["responses"])
        assert any(s.startswith("2") for s in statuses), (path, verb)
        if operation.get("security") != []:
            assert "401" in statuses, (path, verb)


def test_every_body_and_every_limit_documents_its_refusals(document):
    for path, verb in documented_operations(document):
        operation = document["paths"][path][verb]
        statuses = set(operation["responses"])
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= statuses, (path, verb)
        if operation.get("security") != [] and verb != "get":
            assert "403" in statuses, (path, verb)  # a cookie request from another origin
        names = {p["name"] for p in operation.get("parameters", [])}
        if "limit" in names:
            assert {"400", "422"} <= statuses, (path, verb)


# -- answers against schemas -----------------------------------------------------------


def resolve(document, schema):
    while "$ref" in schema:
        _, _, kind, name = schema["$ref"].split("/")
        schema = document["components"][kind][name]
    return schema


_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool,
          "null": type(None)}


def check(document, schema, value, where="$"):
    """A small JSON Schema check: type, required, properties, items, enum, null,
    string lengths and patterns."""
    schema = resolve(document, schema)
    types = schema.get("type")
    if types:
        types = [types] if isinstance(types, str) else types
        assert any(isinstance(value, _TYPES[t]) and not (t == "integer" and
                                                         isinstance(value, bool))
                   for t in types), f"{where}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, str):
        assert schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)), \
            f"{where}: {value!r} has the wrong length"
        assert re.search(schema.get("pattern", ""), value), f"{where}: {value!r} does not match"
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            assert key in value, f"{where}: missing {key}"
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                check(document, properties[key], item, f"{where}.{key}")
            elif properties:
                raise AssertionError(f"{where}: undocumented property {key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(document, schema["items"], item, f"{where}[{i}]")


def response_schema(document, path, verb, status):
    answer = document["paths"][path][verb]["responses"][str(status)]
    answer = resolve(document, answer) if "$ref" in answer else answer
    return answer["content"]["application/json"]["schema"]


def assert_documented(document, path, verb, result):
    check(document, response_schema(document, path, verb, result.status), result.json())


def avatar_upload(client, data: bytes) -> tuple:
    body, ctype = encode_multipart({"csrf_token": client.csrf_token()},
                                   {"image": ("a.png", data, "image/png")})
    return body, {"Content-Type": ctype}


def test_real_answers_match_the_documented_schemas(server, document, make_user, befriend):
    alice, bob = make_user("alice"), make_user("bob")
    make_user("carol").post_json("/api/friends/alice")
    befriend(alice, bob)
    post = alice.post_multipart("/api/posts", {"body": "hi", "csrf_token": alice.csrf_token()},
                                {"image": ("a.png", image_bytes(), "image/png")})
    assert_documented(document, "/api/posts", "post", post)
    post_id = post.json()["id"]
    client = server.client()
    cases = [
        ("/api/signup", "post", client.post_json("/api/signup", {
            "username": "dave", "name": "Dave", "password": "12345678"})),
        ("/api/signup", "post", client.post_json("/api/signup", {"username": "x"})),
        ("/api/login", "post", client.post_json("/api/login", {
            "username": "dave", "password": "12345678"})),
        ("/api/me", "get", alice.get("/api/me")),
        ("/api/feed", "get", bob.get("/api/feed")),
        ("/api/posts/{id}", "get", bob.get(f"/api/posts/{post_id}")),
        ("/api/posts/{id}", "patch", alice.patch_json(f"/api/posts/{post_id}",
                                                      {"visibility": "public"})),
        ("/api/posts/{id}", "get", bob.get("/api/posts/9999")),
        ("/api/users", "get", alice.get("/api/users?q=a")),
        ("/api/users/{username}", "get", alice.get("/api/users/bob")),
        ("/api/users/{username}/posts", "get", bob.get("/api/users/alice/posts")),
        ("/api/friends", "get", alice.get("/api/friends")),
        ("/api/friends/requests", "get", alice.get("/api/friends/requests")),
        ("/api/friends/{username}", "post", alice.post_json("/api/friends/dave")),
        ("/api/friends/{username}", "post", alice.post_json("/api/friends/dave")),
        ("/api/me", "get", server.client().get("/api/me")),
        ("/api/me", "patch", alice.patch_json("/api/me", {"bio": "Hello."})),
        ("/api/me", "patch", alice.patch_json("/api/me", {"bio": "x" * 501})),
        ("/api/me/avatar", "put", alice.request(
            "PUT", "/api/me/avatar", *avatar_upload(alice, image_bytes()))),
        ("/api/me/avatar", "put", alice.request(
            "PUT", "/api/me/avatar", *avatar_upload(alice, b"not an image"))),
        ("/api/users/{username}", "get", bob.get("/api/users/alice")),
        ("/api/me/avatar", "delete", alice.delete("/api/me/avatar")),
    ]
    for path, verb, result in cases:
        assert_documented(document, path, verb, result)


# -- the document's field rules are the server's ------------------------------------------

SAMPLES = ["", " ", "a", "ab", "abc", "bob_42", "bob\n", "a b", "a\tb", "a\nb", "a\r\nb", "a\rb",
           "\x1b[2J", "\x85", "\x7f", "\u202eevil", "\u00e9t\u00e9", "\U0001f600", " \r\n ",
           "x" * 30, "x" * 31, "x" * 80, "x" * 81]


def long_samples(limit: int) -> list[str]:
    return ["x" * limit, "x" * (limit + 1), "x" * (limit - 1) + "\r\n", "x" * limit + "\r\n",
            "x" * limit + "\n", " " * limit, "\r\n" * limit]


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


@pytest.mark.parametrize("text", SAMPLES)
def test_username_and_name_schemas_accept_what_signup_accepts(text):
    from handlers.api.openapi_fields import NAME_PATTERN, USERNAME_PATTERN
    from handlers.auth import validate_signup

    problems = validate_signup(text, text, "a fine password")
    assert matches(USERNAME_PATTERN, text) == ("username" not in problems)
    assert (matches(NAME_PATTERN, text) and len(text) <= 80) == ("name" not in problems)


@pytest.mark.parametrize("kind", ["post", "photo post", "message", "comment"])
def test_text_schemas_accept_what_the_server_accepts(kind):
    from handlers import messages, posts, reactions
    from handlers.api.openapi_fields import text_pattern
    from handlers.errors import Invalid

    limit, validate = {
        "post": (posts.MAX_BODY_CHARS,
                 lambda t: posts.validate_post(t, "public", has_image=False)),
        "photo post": (posts.MAX_BODY_CHARS,
                       lambda t: posts.validate_post(t, "public", has_image=True)),
        "message": (messages.MAX_MESSAGE_CHARS, messages.validate_message_body),
        "comment": (reactions.MAX_COMMENT_CHARS, reactions.validate_comment)}[kind]
    for text in SAMPLES + long_samples(limit):
        try:
            validate(text)
            accepted = True
        except Invalid:
            accepted = False
        pattern = text_pattern(limit, blank=kind == "photo post")
        assert matches(pattern, text) == accepted, (kind, text[-20:])


def test_an_edit_with_no_known_member_is_invalid_by_the_schema_too(make_user, document):
    """PATCH /api/me and PATCH /api/posts/{id} ignore members they do not know, so
    {"colour": "red"} changes nothing and is 422: the schema requires one of the
    known members (not just any one member)."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    alice = make_user("alice")
    post_id = alice.post_json("/api/posts", {"body": "hi"}).json()["id"]
    for path, url, known in (("/api/me", "/api/me", {"bio": "Hello."}),
                             ("/api/posts/{id}", f"/api/posts/{post_id}", {"visibility": "friends"})):
        schema = document["paths"][path]["patch"]["requestBody"]["content"][
            "application/json"]["schema"]
        validator = jsonschema_rs.validator_for(schema)
        for body, status in (({"colour": "red"}, 422), ({}, 422), ({**known, "colour": "red"}, 200)):
            assert alice.patch_json(url, body).status == status, (path, body)
            assert validator.is_valid(body) == (status == 200), (path, body)

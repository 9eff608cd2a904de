"""The document's text fields accept exactly what the server accepts, edge by edge.

Every text field with a length limit, white space rules or trimming is swept with
edge inputs (empty, only white space of each kind, the limit, one over it, the
limit with white space around it, control characters inside and around, CRLF
line ends, characters outside the BMP, ...) sent to a real server, and each
server verdict (2xx accepted, 422 refused; 400 for a search query) is compared
with the field's schema in the served /api/openapi.json as three readers see it
(and every accepted one's answer must match the documented answer, in which the
text is as stored: trimmed where it is trimmed, CRLF made LF):

- jsonschema-rs, the validator schemathesis checks requests and answers with;
- Python's `re` and `len`, which schemathesis (Hypothesis) generates strings with;
- ECMAScript (node, `u` flag), the dialect JSON Schema names for `pattern`
  (skipped when node is not installed).

A disagreement names the field, the reader and the input.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from urllib.parse import quote

import pytest
from appclient import encode_multipart, image_bytes, login, signup

jsonschema_rs = pytest.importorskip("jsonschema_rs")

from handlers.api.users import MAX_QUERY_CHARS  # noqa: E402
from handlers.auth import NAME_MAX_CHARS  # noqa: E402
from handlers.messages import MAX_MESSAGE_CHARS  # noqa: E402
from handlers.posts import MAX_BODY_CHARS  # noqa: E402
from handlers.profiles import BIO_MAX_CHARS  # noqa: E402
from handlers.reactions import MAX_COMMENT_CHARS  # noqa: E402

# Inputs of every field: white space of each kind alone and around text (the
# characters str.strip() trims, U+FEFF and U+200B, which it does not), controls
# inside and around, line ends, and characters that are fine.
EDGES = [
    "", " ", "a", " a ", "a ", " a", "\t", "\n", "\r\n", " \r\n ", "\r", "\x0b", "\x0c",
    "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2028", "\u3000", "\ufeff", "\u200b",
    "\x00", "\x1b[2J", "\x7f", "\x9b", "\u202e", "evil\u202etxt", "a\x0bb", "\x0ba", "a\x0b",
    "\x85a\x85", "\x1ca\x1f", "\x0c a \x0c", "\ufeffa\ufeff", "\u200ba", "\x00a", "a\x00",
    "a\rb", "a\r", "\ra", "a\r\nb", "a\r\r\nb", "a\r\n", "\r\na", "a\n\nb", "a\tb",
    "\u00e9t\u00e9", "\U0001f600", "\ud7ff\ue000", "a\u2028b",
]


def limit_edges(n: int) -> list[str]:
    """Inputs around a limit of `n` characters."""
    return [
        "x" * n, "x" * (n + 1), "x" * (n - 1), " " + "x" * n, "x" * n + " ",
        " " + "x" * (n - 1), "x" * (n - 1) + " ", "   " + "x" * n + "\n\t \r\n",
        " " + "x" * (n + 1) + " ", "\u3000" + "x" * n + "\u3000", "\x0b" + "x" * n + "\x85",
        "x" * (n - 1) + "\r\n", "x" * n + "\r\n", "x" * (n - 1) + "\r\nx", "x" * n + "\r\nx",
        "x" + "\r\n" * (n - 2) + "x", "x" + "\r\n" * (n - 1) + "x", "\r\n" * n,
        "\r\n" * (n + 1), " " * n, " " * (n + 1), "\U0001f600" * n, "\U0001f600" * (n + 1),
        "x" * (n - 1) + "\x0bx", "x" * (n - 2) + " \x0b",
    ]


class Sweep:
    """A server with alice (who has a text post, a photo post and a friend, bob)."""

    def __init__(self, app_server):
        self.server = app_server(signups_per_address=10_000)
        self.alice = self._logged_in("alice")
        bob = self._logged_in("bob")
        assert self.alice.post_json("/api/friends/bob").status == 201
        assert bob.post_json("/api/friends/alice").status == 200
        answer = self.alice.post_json("/api/posts", {"body": "hello"})
        assert answer.status == 201, answer
        self.post_id = answer.json()["id"]
        self.photo = image_bytes(size=(4, 4))
        body, ctype = encode_multipart({"body": "a photo"},
                                       {"image": ("p.png", self.photo, "image/png")})
        answer = self.alice.request("POST", "/api/posts", body=body,
                                    headers={"Content-Type": ctype})
        assert answer.status == 201, answer
        self.photo_post_id = answer.json()["id"]
        self.document = self.alice.get("/api/openapi.json").json()
        self.signups = 0

    def _logged_in(self, username: str):
        client = self.server.client()
        assert signup(client, username).status == 201
        answer = login(client, username)
        assert answer.status == 200, answer
        return client.bearer(answer.json()["token"])

    def body_schema(self, path: str, verb: str, field: str) -> dict:
        body = self.document["paths"][path][verb]["requestBody"]["content"]
        return body["application/json"]["schema"]["properties"][field]

    def multipart_schema(self, path: str, verb: str, field: str, with_file: bool) -> dict:
        """A multipart text part's schema; without a file, the `anyOf` branch that
        requires the part (which implies the part's own schema)."""
        body = self.document["paths"][path][verb]["requestBody"]["content"]
        form = body["multipart/form-data"]["schema"]
        if with_file:
            return form["properties"][field]
        branch, = [b for b in form["anyOf"] if b.get("required") == [field]]
        return branch["properties"][field]

    def multipart_post(self, text: str, with_photo: bool):
        files = {"image": ("p.png", self.photo, "image/png")} if with_photo else None
        body, ctype = encode_multipart({"body": text}, files)
        return self.alice.request("POST", "/api/posts", body=body,
                                  headers={"Content-Type": ctype})

    def query_schema(self, path: str, verb: str, name: str) -> dict:
        for parameter in self.document["paths"][path][verb]["parameters"]:
            if parameter["name"] == name:
                return parameter["schema"]
        raise KeyError(name)

    def answer_validator(self, path: str, verb: str, status: int):
        """jsonschema-rs for the answer `status` of an operation, $refs and all."""
        answer = self.document["paths"][path][verb]["responses"][str(status)]
        schema = answer["content"]["application/json"]["schema"]
        return jsonschema_rs.validator_for({**schema, "components": self.document["components"]})

    def signup_name(self, text: str):
        self.signups += 1
        return self.server.client().post_json("/api/signup", {
            "username": f"sweep{self.signups}", "name": text, "password": "a fine password"})


# field -> (its limit, the schema's place: where, path, verb, name[, with a file],
# how to send a value)
FIELDS = {
    "signup name": (NAME_MAX_CHARS, ("body", "/api/signup", "post", "name"),
                    lambda s, text: s.signup_name(text)),
    "profile name": (NAME_MAX_CHARS, ("body", "/api/me", "patch", "name"),
                     lambda s, text: s.alice.patch_json("/api/me", {"name": text})),
    "bio": (BIO_MAX_CHARS, ("body", "/api/me", "patch", "bio"),
            lambda s, text: s.alice.patch_json("/api/me", {"bio": text})),
    "post body": (MAX_BODY_CHARS, ("body", "/api/posts", "post", "body"),
                  lambda s, text: s.alice.post_json("/api/posts", {"body": text})),
    "multipart post body": (MAX_BODY_CHARS, ("multipart", "/api/posts", "post", "body", False),
                            lambda s, text: s.multipart_post(text, with_photo=False)),
    "photo post body": (MAX_BODY_CHARS, ("multipart", "/api/posts", "post", "body", True),
                        lambda s, text: s.multipart_post(text, with_photo=True)),
    "photo post edit": (MAX_BODY_CHARS, ("body", "/api/posts/{id}", "patch", "body"),
                        lambda s, text: s.alice.patch_json(f"/api/posts/{s.photo_post_id}",
                                                           {"body": text})),
    "comment": (MAX_COMMENT_CHARS, ("body", "/api/posts/{id}/comments", "post", "body"),
                lambda s, text: s.alice.post_json(f"/api/posts/{s.post_id}/comments",
                                                  {"body": text})),
    "message": (MAX_MESSAGE_CHARS, ("body", "/api/messages/{username}", "post", "body"),
                lambda s, text: s.alice.post_json("/api/messages/bob", {"body": text})),
    "search query": (MAX_QUERY_CHARS, ("query", "/api/users", "get", "q"),
                     lambda s, text: s.alice.get("/api/users?q=" + quote(text, safe=""))),
}
REFUSED = {"search query": 400}


def python_verdict(schema: dict, text: str) -> bool:
    """The field's rules as Python's `re` and `len` read them."""
    return (len(text) >= schema.get("minLength", 0)
            and len(text) <= schema.get("maxLength", len(text))
            and ("pattern" not in schema or re.search(schema["pattern"], text) is not None))


NODE_SCRIPT = r"""
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = cases.map(([schema, text]) => {
  const length = [...text].length;
  return length >= (schema.minLength ?? 0) && length <= (schema.maxLength ?? length)
    && (schema.pattern === undefined || new RegExp(schema.pattern, "u").test(text));
});
process.stdout.write(JSON.stringify(out));
"""


def ecmascript_verdicts(cases: list[tuple[dict, str]]) -> list[bool]:
    done = subprocess.run([shutil.which("node"), "-e", NODE_SCRIPT],
                          input=json.dumps(cases), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_schema_and_server_agree_on_every_edge(app_server):
    sweep = Sweep(app_server)
    cases, disagreements = [], []
    for field, (limit, (where, *place), send) in FIELDS.items():
        schema = {"body": sweep.body_schema, "multipart": sweep.multipart_schema,
                  "query": sweep.query_schema}[where](*place)
        path, verb = place[:2]
        validator = jsonschema_rs.validator_for(schema)
        refused_status = REFUSED.get(field, 422)
        verdicts = set()
        for text in EDGES + limit_edges(limit):
            answer = send(sweep, text)
            assert answer.status < 300 or answer.status == refused_status, (field, text, answer)
            accepted = answer.status < 300
            if accepted:  # and answered as the document says (the text as stored)
                errors = [error.message for error in
                          sweep.answer_validator(path, verb, answer.status).iter_errors(
                              answer.json())]
                assert not errors, (field, shown(text), errors[:3])
            verdicts.add(accepted)
            for reader, verdict in (("jsonschema-rs", validator.is_valid(text)),
                                    ("python re", python_verdict(schema, text))):
                if verdict != accepted:
                    disagreements.append((field, reader, shown(text), accepted))
            cases.append((field, schema, text, accepted))
        # Both verdicts seen: a sweep the server accepts or refuses whole tests nothing.
        assert verdicts == {True, False}, field
    if shutil.which("node"):
        verdicts = ecmascript_verdicts([(schema, text) for _, schema, text, _ in cases])
        disagreements += [(field, "ecmascript", shown(text), accepted)
                          for verdict, (field, _, text, accepted) in zip(verdicts, cases, strict=True)
                          if verdict != accepted]
    assert not disagreements, disagreements


def shown(text: str) -> str:
    return repr(text) if len(text) <= 24 else f"{text[:10]!r}...{text[-10:]!r} ({len(text)})"


def test_white_space_is_what_str_strip_trims():
    from handlers.text_rules import WHITE_SPACE

    spaces = re.compile(f"[{WHITE_SPACE}]")
    assert [c for c in range(0x110000) if chr(c).isspace()] == \
        [c for c in range(0x110000) if spaces.fullmatch(chr(c))]

"""Server text the terminal client prints is stripped of control and format
characters, and answers too large to be honest are not read."""

import json

import pytest
from test_client_support import ClientHome

import reactor
from client.api import MAX_RESPONSE_BYTES, ApiClient, ApiError
from client.events import EventParser
from client.safe_text import clean, strip_unsafe

# OSC 52 (write the clipboard), a screen clear, a title change, an 8-bit CSI,
# a carriage return that rewrites the line, a right-to-left override.
HOSTILE = ("hi\x1b]52;c;ZXZpbA==\x07 \x1b[2J\x1b]0;pwned\x07 \x9b31m"
           "\rfake line \u202eevil\u202c zero\u200bwidth")


def test_strip_unsafe_keeps_text_lines_and_tabs():
    assert strip_unsafe(HOSTILE) == "hi]52;c;ZXZpbA== [2J]0;pwned 31mfake line evil zerowidth"
    assert strip_unsafe("Zoë\tline\nnext 😀 李") == "Zoë\tline\nnext 😀 李"


def test_clean_walks_every_string_of_a_json_value():
    value = {"posts": [{"body": "a\x1bb", "id": 3, "liked": True, "x\x9b": None}]}
    assert clean(value) == {"posts": [{"body": "ab", "id": 3, "liked": True, "x": None}]}


def test_event_data_is_cleaned_when_decoded():
    parser = EventParser()
    parser.feed_line('data: {"body": "a\\u001b[2Jb"}')
    assert parser.feed_line("").json() == {"body": "a[2Jb"}


@pytest.fixture
def written_raw(server, make_user):
    """A post and a name written straight into the database, as a compromised
    or older server could hold them: the API's checks never saw them."""
    ann = make_user("ann", "Ann Lee")
    server.db.execute("UPDATE users SET name = :name WHERE username = 'ann'",
                      {"name": "Ann\x1b]0;owned\x07 Lee"})
    server.db.execute("INSERT INTO posts (author_id, body, visibility, created_at)"
                      " VALUES (:id, :body, 'public', 1800000000)",
                      {"id": ann.user["id"], "body": HOSTILE})
    return ann


def test_the_feed_prints_no_escape_sequences(home: ClientHome, written_raw):
    home.login("ann")
    for args in (("feed",), ("feed", "--json")):
        result = home.run(*args)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x9b" not in result.stdout
        assert "\u202e" not in result.stdout and "\r" not in result.stdout
        assert "fake line" in result.stdout
    assert json.loads(home.run("feed", "--json").stdout)["posts"][0]["author"]["name"] == \
        "Ann]0;owned Lee"


class Hostile(reactor.Handler):
    """A server posing as MiniFace: escape codes in its errors, or endless answers."""

    def get(self, rest):
        if rest == "me":
            body = json.dumps({"error": {"code": "x", "message": "gone\x1b[2J\x9b",
                                         "fields": {"a\x1b": "b\x07"}}})
            return reactor.Response(body.encode(), 400, content_type="application/json")
        return reactor.Response(b"[" + b"0," * (MAX_RESPONSE_BYTES // 2) + b"0]",
                                content_type="application/json")


@pytest.fixture
def hostile_url():
    router = reactor.Router()
    router.add("/api/{rest:path}", Hostile)
    server = reactor.Server(router, host="127.0.0.1", port=0, access_log=False).start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop(timeout=2)


def test_error_texts_from_the_server_are_cleaned(hostile_url):
    with pytest.raises(ApiError) as caught:
        ApiClient(hostile_url).me()
    assert str(caught.value) == "Gone[2J.\n  a: b"


def test_an_answer_over_the_cap_is_refused_without_reading_it(hostile_url):
    with pytest.raises(ApiError) as caught:
        ApiClient(hostile_url).feed()
    assert caught.value.code == "bad_response" and "MiB" in str(caught.value)

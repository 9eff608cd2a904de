"""The terminal client's pieces that need no server: formatting, token file, wire formats."""

import io
import json
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
import python_multipart

from client.api import (
    ApiError,
    encode_multipart,
    error_from_response,
    normalize_server_url,
)
from client.config import TokenStore, config_dir
from client.events import EventParser, ServerEvent
from client.format import (
    Style,
    display_width,
    relative_time,
    render_post,
    render_table,
    render_user_rows,
)

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone(timedelta(0)))
PLAIN = Style(False)


def ago(**delta) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(("delta", "expected"), [
    ({"seconds": 5}, "just now"),
    ({"seconds": -30}, "just now"),          # a server clock slightly ahead
    ({"minutes": 5}, "5 min ago"),
    ({"minutes": 59, "seconds": 59}, "59 min ago"),
    ({"hours": 3}, "3 h ago"),
    ({"hours": 30}, "yesterday"),
    ({"days": 4}, "4 days ago"),
])
def test_relative_time_reads_like_speech(delta, expected):
    assert relative_time(ago(**delta), NOW) == expected


def test_relative_time_gives_a_date_after_a_week():
    assert relative_time("2026-03-12T09:00:00Z", NOW) in ("12 Mar", "11 Mar", "13 Mar")
    assert relative_time("2024-03-12T09:00:00Z", NOW).endswith("2024")


def test_relative_time_passes_through_what_it_cannot_parse():
    assert relative_time("soon", NOW) == "soon"


def test_style_is_off_without_a_tty_or_with_no_color():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert Style.for_stream(Tty(), {"TERM": "xterm"}).enabled
    assert not Style.for_stream(Tty(), {"TERM": "xterm", "NO_COLOR": "1"}).enabled
    assert not Style.for_stream(io.StringIO(), {"TERM": "xterm"}).enabled
    assert Style(True).bold("x") == "\x1b[1mx\x1b[0m"
    assert PLAIN.bold("x") == "x"


def test_display_width_ignores_colour_codes_and_counts_wide_characters():
    assert display_width(Style(True).red("abc")) == 3
    assert display_width("日本") == 4


def test_table_columns_line_up_whatever_the_colours():
    rows = [["@al", "Al", "friends"], ["@bartholomew", "Bart", ""]]
    plain = render_table(rows, PLAIN).splitlines()
    assert plain[0].index("Al") == plain[1].index("Bart")
    coloured = render_table(rows, Style(True), [("bold",), (), ("green",)])
    assert [display_width(line) for line in coloured.splitlines()] == \
        [len(line) for line in plain]


def test_user_rows_name_the_friendship_state():
    users = [{"username": "bob", "name": "Bob", "friendship": "request_received"},
             {"username": "cy", "name": "Cy", "friendship": "friends"}]
    text = render_user_rows(users, PLAIN, numbered=True, start=3)
    assert " 3  @bob  Bob  wants to be your friend" in text
    assert " 4  @cy   Cy   friends" in text
    noted = render_user_rows(users, PLAIN, online={"cy"}, notes={"cy": "2 unread"})
    assert noted.splitlines()[1] == "  @cy   Cy   online, 2 unread"


def test_post_card_shows_author_time_visibility_text_and_photo():
    post = {"id": 7, "author": {"username": "ann", "name": "Ann Lee"}, "body": "one\ntwo",
            "visibility": "private", "image_url": "/photos/x.png", "created_at": ago(minutes=5)}
    card = render_post(post, PLAIN, server="http://h:1", now=NOW).splitlines()
    assert card[0] == "#7  Ann Lee @ann  5 min ago · only me"
    assert card[1:3] == ["     one", "     two"]
    assert card[3] == "     [photo] http://h:1/photos/x.png"


def test_multipart_body_parses_back_with_a_real_parser():
    body, content_type = encode_multipart(
        {"body": 'héllo "x"', "visibility": "friends"},
        [("image", 'a "b".png', "image/png", b"\x89PNG\r\n--not-a-boundary")])
    fields, files = {}, {}
    python_multipart.parse_form(
        {"Content-Type": content_type, "Content-Length": str(len(body))}, io.BytesIO(body),
        lambda f: fields.__setitem__(f.field_name, f.value),
        lambda f: files.__setitem__(f.field_name, (f.file_name, f.file_object.getvalue())))
    assert fields == {b"body": 'héllo "x"'.encode(), b"visibility": b"friends"}
    assert files == {b"image": (b"a %22b%22.png", b"\x89PNG\r\n--not-a-boundary")}


def test_event_parser_joins_data_lines_and_skips_comments():
    parser = EventParser()
    lines = [": heartbeat", "", "event: message", "id: 4", 'data: {"a":', "data: 1}", "",
             "data: plain", ""]
    events = [e for e in map(parser.feed_line, lines) if e is not None]
    assert events == [ServerEvent("message", '{"a":\n1}', "4"), ServerEvent("message", "plain", "4")]
    assert events[0].json() == {"a": 1}


def test_api_error_reads_as_sentences_with_fields_and_retry():
    body = json.dumps({"error": {"code": "invalid", "message": "check the form",
                                 "fields": {"username": "3 to 30 letters, digits or _"}}})
    error = error_from_response(422, "Unprocessable", {"Retry-After": "7"}, body.encode())
    assert (error.status, error.code) == (422, "invalid")
    assert str(error) == ("Check the form.\n  username: 3 to 30 letters, digits or _\n"
                          "Try again in 7 seconds.")


def test_api_error_without_json_names_the_status():
    error = error_from_response(502, "Bad Gateway", {}, b"<html>oops</html>")
    assert isinstance(error, ApiError)
    assert error.sentence() == "The server answered 502 Bad Gateway."


@pytest.mark.parametrize(("given", "expected"), [
    ("127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http://example.org/", "http://example.org"),
    ("https://example.org/mini/", "https://example.org/mini"),
])
def test_server_urls_are_normalized(given, expected):
    assert normalize_server_url(given) == expected


def test_server_url_must_be_http():
    with pytest.raises(ValueError):
        normalize_server_url("ftp://example.org")


def test_config_dir_follows_xdg_and_ignores_a_relative_value(tmp_path):
    assert config_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "miniface"
    assert config_dir({"XDG_CONFIG_HOME": "rel", "HOME": str(tmp_path)}) == \
        tmp_path / ".config" / "miniface"


def test_token_store_keeps_one_token_per_server_in_a_private_file(tmp_path):
    store = TokenStore(tmp_path / "cfg" / "token.json")
    store.save("http://a:1", "t1", "ann")
    store.save("http://b:2", "t2", "bob")
    assert store.load("http://a:1") == {"token": "t1", "username": "ann"}
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700
    assert store.forget("http://a:1") is True
    assert store.load("http://a:1") is None
    assert store.load("http://b:2")["token"] == "t2"
    assert store.forget("http://a:1") is False


def test_token_store_survives_a_damaged_file(tmp_path):
    path = tmp_path / "token.json"
    path.write_text("{not json")
    store = TokenStore(path)
    assert store.load("http://a:1") is None
    store.save("http://a:1", "t", "ann")
    assert store.load("http://a:1")["token"] == "t"

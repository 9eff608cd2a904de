"""The Cookie header parser: the browser's contract, linear time, a size cap."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reactor import HTTPError
from reactor.cookies import MAX_COOKIE_HEADER_BYTES, parse_cookies


@pytest.mark.parametrize("header, expected", [
    ("mf_session=abc; theme=dark", {"mf_session": "abc", "theme": "dark"}),
    (" a = 1 ;b=2;;c", {"a": "1", "b": "2"}),
    ('quoted="x y"; empty=; eq=a=b', {"quoted": "x y", "empty": "", "eq": "a=b"}),
    ('a=first; a=second', {"a": "first"}),
    ('odd="\\"unterminated', {"odd": '"\\"unterminated'}),
    ('esc="a\\\\b\\"c"', {"esc": 'a\\\\b\\"c'}),
    ("=novalue; x=1", {"x": "1"}),
    ("", {}),
    (None, {}),
])
def test_cookies_split_on_semicolons_and_the_first_equals_sign(header, expected):
    assert parse_cookies(header) == expected


def test_a_crafted_quoted_header_costs_milliseconds():
    # gh-123067: SimpleCookie took 6.6 s on this 32 KB header (Python 3.11.7).
    header = 'a="' + "\\\\" * (MAX_COOKIE_HEADER_BYTES // 2 - 4) + '"'
    assert len(header) <= MAX_COOKIE_HEADER_BYTES
    started = time.perf_counter()
    assert len(parse_cookies(header)["a"]) == len(header) - 4
    assert time.perf_counter() - started < 0.05


def test_a_header_over_the_cap_is_431():
    parse_cookies("a=" + "x" * (MAX_COOKIE_HEADER_BYTES - 2))
    with pytest.raises(HTTPError) as caught:
        parse_cookies("a=" + "x" * (MAX_COOKIE_HEADER_BYTES - 1))
    assert caught.value.status == 431 and "Cookie header" in caught.value.message


def simple_cookie(raw: str) -> dict:
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


@pytest.mark.parametrize("raw", [
    "mf_session=abc-DEF_123", "a=1; b=2", "a=1;b=2", " a=1 ;\tb=2 ", "a=",
    "mf_flash=ok%3APost%20deleted.", "a=1;", 'a="quoted value"; b=2', "a = 1", "x=[1]",
])
def test_what_browsers_send_reads_as_simple_cookie_read_it(raw):
    # Where the two differ it is on purpose: the first of a repeated name wins (the
    # most specific path comes first), and names such as Path or $Version are
    # cookies (browsers send no attributes), as RFC 6265 §5.4 has it.
    assert parse_cookies(raw) == simple_cookie(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab$Pp=;% \t-_."[]:,Ae\\', max_size=40))
def test_any_header_parses_to_names_and_values_taken_from_it(raw):
    for name, value in parse_cookies(raw).items():
        assert name and "=" not in name and ";" not in name and ";" not in value
        assert name in raw and value in raw

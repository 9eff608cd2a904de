"""Request.cookies reads a Cookie header exactly as http.cookies.SimpleCookie does."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reactor.messages import parse_cookies


def simple_cookie(raw: str) -> dict:
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


@pytest.mark.parametrize("raw", [
    "mf_session=abc-DEF_123", "a=1; b=2", "a=1;b=2", " a=1 ;\tb=2 ", "a=1; a=2", "a=",
    "mf_flash=ok%3APost%20deleted.", "a=1;", "a=1; ; b=2", "path=1; a=2", "a=1; Path=/",
    "$a=1; b=2", 'a="quoted value"; b=2', "a=1 b=2", "a = 1", "\xa0a=1", "a=\u00e9",
    "a=1; secure", "x=[1]",
])
def test_known_headers_read_as_simple_cookie_reads_them(raw):
    assert parse_cookies(raw) == simple_cookie(raw)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab$Pp=;% \t-_.\"[]:,Ae", max_size=24))
def test_any_header_reads_as_simple_cookie_reads_it(raw):
    assert parse_cookies(raw) == simple_cookie(raw)

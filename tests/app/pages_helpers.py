"""Helpers for the HTML page tests: read tokens and visible text out of pages."""

from __future__ import annotations

import html
import re

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]*)"')
_TAG_RE = re.compile(r"<[^>]+>")


def csrf_of(result) -> str:
    """The CSRF token the page's forms carry."""
    match = _CSRF_RE.search(result.text)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def page_token(client, path: str = "/") -> str:
    """GET `path` (which sets any cookie the forms need) and return its form token."""
    page = client.get(path)
    assert page.status == 200, page
    return csrf_of(page)


def submit(client, action: str, fields: dict, *, from_page: str = "/"):
    """Post a form the way a browser does: token from a page, then the POST."""
    token = page_token(client, from_page)
    return client.post_form(action, {"csrf_token": token, **fields})


def visible_text(result) -> str:
    """The page as a person reads it: tags dropped, entities decoded."""
    return html.unescape(_TAG_RE.sub(" ", result.text))


def field_error(result, field_id: str) -> str | None:
    """The error paragraph rendered for input `field_id`, if any."""
    match = re.search(rf'<p class="field__error" id="{field_id}-error">([^<]*)</p>', result.text)
    return html.unescape(match.group(1)) if match else None


def flash_of(result) -> str | None:
    match = re.search(r"data-flash>.*?<span>([^<]*)</span>", result.text, re.S)
    return html.unescape(match.group(1)) if match else None

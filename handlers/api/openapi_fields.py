"""The field rules of the OpenAPI document, from the constants the server checks.

Each schema here says exactly what the server accepts for a field, so that a
request the document calls valid is one the server takes and an invalid one is
refused (tests/app/test_schemathesis.py holds the two to that):

- text (posts, messages, comments): no C0 or C1 control characters but tab and
  line feed (handlers/text_rules.py); a Windows line end ("\\r\\n") is accepted
  and stored as "\\n". Posts without a photo, messages and comments need one
  character besides white space; their length counts every character.
- a bio: the same characters, but stored trimmed, and the limit counts the
  trimmed text; white space around it (control characters among it included,
  since trimming removes them) is free.
- names: 1 to 80 characters counted before trimming, something besides white
  space, no control characters and no bidirectional overrides.
- a search query: up to 100 characters once trimmed, any characters.
- usernames: 3 to 30 ASCII letters, digits or `_`; passwords 8 to 256 characters.

"White space" is `str.isspace`, the characters `str.strip()` trims
(text_rules.WHITE_SPACE), never `\\s`, whose meaning differs between regex
dialects. The patterns use "\\uXXXX" escapes, which mean the same to ECMAScript
(JSON Schema's dialect; jsonschema-rs, which schemathesis validates with) and to
Python's `re` (which test tools generate strings with).
"""

from __future__ import annotations

from ..auth import NAME_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS
from ..text_rules import FORBIDDEN_IN_NAMES, FORBIDDEN_IN_TEXT, WHITE_SPACE

__all__ = ["NAME_PATTERN", "whole", "USERNAME_PATTERN", "name_schema", "password_schema", "stored_name_schema",
           "stored_text_schema", "text_pattern", "text_schema", "trimmed_pattern",
           "trimmed_text_pattern", "username_schema"]

# Every pattern ends with "(?![\\s\\S])" ("nothing follows"), not "$": in Python's
# `re`, which test tools generate and check with, "$" also matches before a final
# line feed, so "bob\n" would pass for a username.
_END = "(?![\\s\\S])"



def whole(pattern: str) -> str:
    """`pattern` matching the whole string, in every dialect."""
    return f"^(?:{pattern}){_END}"


USERNAME_MIN_CHARS, USERNAME_MAX_CHARS = 3, 30
USERNAME_PATTERN = f"^[A-Za-z0-9_]{{{USERNAME_MIN_CHARS},{USERNAME_MAX_CHARS}}}{_END}"
NAME_PATTERN = (f"^[^{FORBIDDEN_IN_NAMES}]*[^{FORBIDDEN_IN_NAMES}{WHITE_SPACE}]"
                f"[^{FORBIDDEN_IN_NAMES}]*{_END}")
_SPACE = f"[{WHITE_SPACE}]"

# One character of text: anything but a forbidden control, or a "\r\n" pair, which
# the server stores as "\n" and counts as one character. So the length limit is a
# count in the pattern, not `maxLength` (which would count the pair as two).
_CHAR = f"(?:[^{FORBIDDEN_IN_TEXT}]|\\r\\n)"
_INK = f"[^{FORBIDDEN_IN_TEXT}{WHITE_SPACE}]"  # a character of text that is not white space
_NON_BLANK_AHEAD = f"(?={_CHAR}*{_INK})"


def text_pattern(max_chars: int, *, blank: bool = False) -> str:
    """Up to `max_chars` characters of text; unless `blank`, one of them is not
    white space."""
    if blank:
        return f"^{_CHAR}{{0,{max_chars}}}{_END}"
    return f"^{_NON_BLANK_AHEAD}{_CHAR}{{1,{max_chars}}}{_END}"


def trimmed_text_pattern(max_chars: int) -> str:
    """Text stored trimmed (a bio): up to `max_chars` characters once the white
    space around it is gone, and any white space around it, the white-space
    controls (vertical tab, form feed, a lone carriage return, U+001C-U+001F,
    U+0085) included, since trimming removes them before the text is checked.
    Empty or only white space is allowed (it is stored as "")."""
    inner = f"(?:{_CHAR}{{0,{max_chars - 2}}}{_INK})?" if max_chars > 1 else ""
    return f"^{_SPACE}*(?:{_INK}{inner}{_SPACE}*)?{_END}"


def trimmed_pattern(max_chars: int) -> str:
    """Any text of up to `max_chars` characters once trimmed (a search query)."""
    ink = f"[^{WHITE_SPACE}]"
    return f"^{_SPACE}*(?:{ink}(?:[\\s\\S]{{0,{max_chars - 2}}}{ink})?{_SPACE}*)?{_END}"


# What the server answers: text as stored. A stored text never holds a control
# character but tab and line feed, nor a carriage return (CRLF became LF), so
# each character is one of _STORED and `maxLength` counts it exactly.
_STORED = f"[^{FORBIDDEN_IN_TEXT}]"
_NAME_INK = f"[^{FORBIDDEN_IN_NAMES}{WHITE_SPACE}]"


def stored_name_schema() -> dict:
    """A display name as answered: trimmed, 1 to NAME_MAX_CHARS characters."""
    return {"type": "string", "minLength": 1, "maxLength": NAME_MAX_CHARS,
            "pattern": f"^{_NAME_INK}(?:[^{FORBIDDEN_IN_NAMES}]*{_NAME_INK})?{_END}"}


def stored_text_schema(max_chars: int, *, blank: bool = False, trimmed: bool = False,
                       description: str = "") -> dict:
    """Text as answered: up to `max_chars` characters, lines and tabs but no other
    control character; `blank` may be empty or white space; `trimmed` (a bio) has
    no white space around it and may be empty."""
    if trimmed:
        pattern = f"^(?:{_INK}(?:{_STORED}*{_INK})?)?{_END}"
    elif blank:
        pattern = f"^{_STORED}*{_END}"
    else:
        pattern = f"^(?={_STORED}*{_INK}){_STORED}*{_END}"
    schema = {"type": "string", "maxLength": max_chars, "pattern": pattern}
    if not (blank or trimmed):
        schema["minLength"] = 1
    if description:
        schema["description"] = description
    return schema


def username_schema() -> dict:
    return {"type": "string", "minLength": USERNAME_MIN_CHARS, "maxLength": USERNAME_MAX_CHARS,
            "pattern": USERNAME_PATTERN, "description": "3 to 30 letters, digits or _"}


def name_schema() -> dict:
    return {"type": "string", "minLength": 1, "maxLength": NAME_MAX_CHARS,
            "pattern": NAME_PATTERN,
            "description": f"1 to {NAME_MAX_CHARS} characters (white space around it "
                           "included), not only white space, no control characters or "
                           "bidirectional overrides; stored without the white space around it"}


def password_schema() -> dict:
    return {"type": "string", "minLength": PASSWORD_MIN_CHARS, "maxLength": PASSWORD_MAX_CHARS,
            "format": "password"}


def text_schema(max_chars: int, *, blank: bool = False, trimmed: bool = False,
                description: str = "") -> dict:
    """Multi-line text of up to `max_chars` characters; `blank` allows text that is
    empty or only white space; `trimmed` is text stored trimmed, whose limit counts
    the trimmed text (blank allowed)."""
    if trimmed:
        rule = (f"Up to {max_chars:,} characters once the white space around it is trimmed "
                "(a \\r\\n line end counts as one), no control characters but tab and line "
                "feed inside that; empty or only white space is stored as \"\".")
        return {"type": "string", "pattern": trimmed_text_pattern(max_chars),
                "description": f"{description} {rule}".strip()}
    rule = (f"Up to {max_chars:,} characters (a \\r\\n line end counts as one), no "
            "control characters but tab and line feed" + ("." if blank else ", not only white space."))
    schema = {"type": "string", "pattern": text_pattern(max_chars, blank=blank),
              "description": f"{description} {rule}".strip()}
    if not blank:
        schema["minLength"] = 1
    return schema

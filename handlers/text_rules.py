"""Which characters text from people may hold: the one rule, for every field.

Names, posts and messages are shown in pages, in logs and in terminals (the
terminal client prints them). Characters that control the display instead of
being part of the text have no place in them:

- C0 controls and DEL (U+0000-U+001F, U+007F): NUL, line breaks in a name, ESC,
  which starts terminal escape sequences (screen clears, title changes, OSC 52
  clipboard writes).
- C1 controls (U+0080-U+009F): a terminal that reads 8-bit controls treats U+009B
  as CSI and U+009D as OSC, the same sequences without an ESC.
- In names only, the bidirectional overrides and isolates (U+202A-U+202E,
  U+2066-U+2069): they reorder what is displayed after them, so a name could
  read as another one ("Trojan Source", CVE-2021-42574). Posts and messages keep
  them, because people who write right-to-left use them in running text (the
  terminal client strips them before printing).

Multi-line text (posts, messages) keeps tab and line feed. Usernames are
narrower still (`auth.USERNAME_RE`: ASCII letters, digits and `_`).
"""

from __future__ import annotations

import re

__all__ = ["FORBIDDEN_IN_NAMES", "FORBIDDEN_IN_TEXT", "WHITE_SPACE", "is_clean_name",
           "is_clean_text"]

# The rules as ranges of "\uXXXX" escapes, which mean the same to Python's `re`
# and to the ECMAScript patterns of the OpenAPI document (api/openapi_fields.py).
_C0_AND_DEL = "\\u0000-\\u001f\\u007f"
_C1 = "\\u0080-\\u009f"
_BIDI_OVERRIDES = "\\u202a-\\u202e\\u2066-\\u2069"
# White space as the server sees it: the characters of `str.isspace`, which
# `str.strip()` trims and which make a text blank. Spelled out, because `\s`
# means something else in each dialect that reads the document's patterns:
# ECMAScript (JSON Schema's dialect, and jsonschema-rs, schemathesis's validator)
# adds U+FEFF and leaves out U+001C-U+001F and U+0085, which Python's `re` has.
# A test compares this with `str.isspace` over every code point.
WHITE_SPACE = ("\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a"
               "\\u2028\\u2029\\u202f\\u205f\\u3000")

# Multi-line text: the same controls less tab (U+0009) and line feed (U+000A).
FORBIDDEN_IN_TEXT = "\\u0000-\\u0008\\u000b-\\u001f\\u007f" + _C1

# Single-line text (names): every control character and the bidi overrides.
FORBIDDEN_IN_NAMES = _C0_AND_DEL + _C1 + _BIDI_OVERRIDES

_NAME_FORBIDDEN = re.compile(f"[{FORBIDDEN_IN_NAMES}]")
_TEXT_FORBIDDEN = re.compile(f"[{FORBIDDEN_IN_TEXT}]")


def is_clean_name(text: str) -> bool:
    """True if `text` may be a name, or a single-line query for one."""
    return _NAME_FORBIDDEN.search(text) is None


def is_clean_text(text: str) -> bool:
    """True if `text` may be the body of a post or message (lines and tabs allowed)."""
    return _TEXT_FORBIDDEN.search(text) is None

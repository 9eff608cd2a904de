"""Making server text safe to print in a terminal.

Names, posts, messages and error texts come from other people through the
server, and a terminal obeys what it prints: ESC and the 8-bit controls start
sequences that clear the screen, retitle the window or write the clipboard (OSC
52); CR rewrites the line; bidirectional overrides reorder what follows. Every
string decoded from the server passes through `clean` before anything is
printed, so no code path that prints can forget it.

What is removed: control characters (Unicode category Cc: C0, DEL and C1) except
newline and tab, format characters (Cf: bidi overrides and isolates, zero-width
characters, soft hyphens) and lone surrogates (Cs), which no terminal can show.
Our own colours are added after cleaning, by `format.Style`.
"""

from __future__ import annotations

import unicodedata

__all__ = ["clean", "strip_unsafe"]

_KEPT = frozenset("\n\t")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def strip_unsafe(text: str) -> str:
    """`text` without control and format characters (newline and tab stay)."""
    if text.isprintable():  # the common case: no controls, no format characters
        return text
    return "".join(ch for ch in text
                   if ch in _KEPT or unicodedata.category(ch) not in _UNSAFE_CATEGORIES)


def clean(value):
    """A decoded JSON value with every string in it (keys too) passed through
    `strip_unsafe`; numbers, booleans and None are returned as they are."""
    if isinstance(value, str):
        return strip_unsafe(value)
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {strip_unsafe(str(key)): clean(item) for key, item in value.items()}
    return value

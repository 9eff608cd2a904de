"""The bits of HTTP grammar (RFC 9110 §5) that several modules check against.

Every class is spelled out in ASCII ranges, so a pattern means the same on
latin-1 text as on bytes.
"""

from __future__ import annotations

import re

__all__ = ["TOKEN", "FIELD_VALUE", "FIELD", "TOKEN_RE"]

# RFC 9110 §5.6.2 token characters; a method and a field name are tokens.
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# A field value without control characters other than HTAB. It is one character
# class (OWS is stripped afterwards): a pattern that tells trailing OWS from the
# value by backtracking is quadratic in runs of spaces.
FIELD_VALUE = r"[^\x00-\x08\x0a-\x1f\x7f]*"
# One field line without its CRLF: name ":" OWS value OWS.
FIELD = re.compile(r"(" + TOKEN + r"):(" + FIELD_VALUE + r")")
TOKEN_RE = re.compile(TOKEN)

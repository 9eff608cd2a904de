"""Reading the Cookie request header: one linear pass, a size cap.

`http.cookies.SimpleCookie` unquotes values with backslash escapes in a way that
is quadratic on CPython before 3.11.10 / 3.12.6 (gh-123067): a crafted ~32 KB
quoted Cookie header held the loop for 1.7 s per request, and any URL reaches
the parser without logging in. Our contract is the browser's (RFC 6265 §4.2.1,
§5.4): pairs separated by ";", the name up to the first "=", the value after
it. Surrounding double quotes are dropped, as the cookie-value grammar allows
them; nothing else is unescaped (RFC 6265 values have no escapes). Pieces
without "=" are ignored, and when a name repeats the first one wins (browsers
send the cookie with the most specific path first).
"""

from __future__ import annotations

from .errors import HTTPError

__all__ = ["MAX_COOKIE_HEADER_BYTES", "parse_cookies"]

# Browsers keep each cookie under 4 KiB (RFC 6265 §6.1 asks for at least that), and
# nginx's default buffers stop a request line or header at 8 KiB. A site's own
# cookies are far smaller; past 8 KiB the header is an accident (other apps on the
# same host share cookies: ports do not separate them) or an attack, and the
# answer says so instead of parsing it.
MAX_COOKIE_HEADER_BYTES = 8 * 1024


def parse_cookies(header: str | None) -> dict[str, str]:
    """{name: value} from a Cookie header value (None or "" gives {}).

    Raises `HTTPError(431)` when the header is over MAX_COOKIE_HEADER_BYTES.
    """
    if not header:
        return {}
    if len(header) > MAX_COOKIE_HEADER_BYTES:
        raise HTTPError(431, f"The Cookie header is over {MAX_COOKIE_HEADER_BYTES // 1024} KiB;"
                             " clear this site's cookies and try again.")
    cookies: dict[str, str] = {}
    for piece in header.split(";"):
        name, eq, value = piece.partition("=")
        name = name.strip()
        if not eq or not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies[name] = value
    return cookies

"""What handlers and services build on: finished futures and the handler base classes.

Deferred work has one contract, the reactor's: `server.defer(fn)` runs blocking
work on the pool, and `server.then(future, fn, on_error=...)` returns a future of
`fn(result)` with `fn` run on the loop thread (which owns the database). A handler
may return any such future; `Application` renders its result or its error.
`completed(value)` and `failed(exc)` make finished futures, so a service can
answer at once through the same interface.
"""

from __future__ import annotations

import ipaddress
import json
from concurrent.futures import Future

import reactor

from .config import proxy_networks
from .errors import BadRequest, Invalid, TooLarge, UnsupportedMediaType
from .forms import JSON, body_size, media_type

__all__ = ["AppHandler", "ApiHandler", "before_param", "client_address", "completed", "failed",
           "offset_param", "optional_limit", "page_params", "request_page"]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
LIMIT_RULE = f"1 to {MAX_PAGE_SIZE}"
# The largest JSON body the API reads. The biggest real one is a 5,000-character
# post, at most 60 KB even with every character \u-escaped; parsing runs on the
# loop thread, where 16 MiB of JSON would stall every connection for seconds.
MAX_JSON_BODY_BYTES = 64 * 1024
# The largest id sqlite stores (a signed 64-bit INTEGER); a bigger `before` cannot
# be bound, and every id is below this one anyway.
MAX_ID = 2**63 - 1


def completed(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def failed(exc: BaseException) -> Future:
    future: Future = Future()
    future.set_exception(exc)
    return future


def client_address(request, trusted_proxies: tuple = ()) -> str:
    """The address the throttles and admission limits key a client by: its IP
    address ("" when unknown).

    Behind a load balancer every connection comes from the balancer. When the peer
    is in `trusted_proxies` (networks, `config.proxy_networks`), `X-Forwarded-For`
    is read from the right, each proxy having appended the address it saw: the first
    entry that is not itself a trusted proxy is the client. Entries to its left were
    written by the client and are never believed; a malformed entry where the client
    should be makes the balancer the client, as without the header.
    """
    addr = request.remote_addr
    peer = str(addr[0]) if isinstance(addr, tuple) and addr else str(addr or "")
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in (request.headers.get("x-forwarded-for") or "").split(",")]
    for hop in reversed(hops):
        if not hop or not _is_trusted(hop, trusted_proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


def _is_trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def page_params(request) -> tuple[int, int | None]:
    """(limit, before) from `?limit=&before=`; 400 when they are not positive integers.

    `limit` defaults to 20; above 100 it is refused with 422 naming `limit` (API.md
    "Conventions": max 100), so a client never takes a short page for the end of
    the list. `before` is capped at MAX_ID, which means "from the newest".
    """
    limit = _positive_int(request.arg("limit"), "limit")
    before = _positive_int(request.arg("before"), "before")
    if limit is not None and limit > MAX_PAGE_SIZE:
        raise Invalid({"limit": LIMIT_RULE}, f"`limit` may be up to {MAX_PAGE_SIZE}.")
    return limit or DEFAULT_PAGE_SIZE, before


def optional_limit(request) -> int | None:
    """`?limit=` for a list that is whole without one (None when absent or empty);
    400 unless a positive integer, 422 above MAX_PAGE_SIZE (as `page_params`)."""
    limit = _positive_int(request.arg("limit"), "limit")
    if limit is not None and limit > MAX_PAGE_SIZE:
        raise Invalid({"limit": LIMIT_RULE}, f"`limit` may be up to {MAX_PAGE_SIZE}.")
    return limit


def offset_param(request) -> int:
    """`?offset=`: how many items of a list to skip (0 when absent; 400 unless a
    whole number)."""
    raw = request.arg("offset")
    if raw is None or raw == "":
        return 0
    if raw.isascii() and raw.isdigit():
        return _positive_int(raw.lstrip("0") or None, "offset") or 0
    raise BadRequest("`offset` must be a whole number.")


def before_param(request, name: str = "before") -> int | None:
    """A keyset `before` from query parameter `name` (400 unless a positive integer)."""
    return _positive_int(request.arg(name), name)


def request_page(rows: list, limit: int) -> tuple[list, int | None]:
    """(the first `limit` friend-request rows, the next page's `before` or None),
    from rows fetched with `limit + 1`: an extra row means another page follows."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, rows[-1]["request_id"]


def _positive_int(raw, name: str) -> int | None:
    """The number in `raw`, at most MAX_ID; None when absent."""
    if raw is None or raw == "":
        return None
    digits = raw.lstrip("0")
    if not raw.isascii() or not raw.isdigit() or not digits:
        raise BadRequest(f"`{name}` must be a positive integer.")
    # Compare lengths first: int() of thousands of digits is slow, then refused.
    if len(digits) > len(str(MAX_ID)):
        return MAX_ID
    return min(int(digits), MAX_ID)


class AppHandler(reactor.Handler):
    """Base for MiniFace handlers. Dependencies (from `AppContext.route_deps`):
    `ctx`, `db`, `config`, `sessions`, `views`."""

    @property
    def session(self):
        """The request's session or None (looked up once per request)."""
        return self.sessions.current(self.request)

    @property
    def viewer_id(self) -> int | None:
        session = self.session
        return session.user_id if session else None

    def now(self) -> int:
        return self.ctx.now()

    def cached(self, key, compute):
        """`compute()`'s result, reused by later requests until the database
        changes (handlers/readcache.py); `key` names the question and its inputs."""
        return self.ctx.reads.fetch(self.request, key, compute)

    @property
    def client(self) -> str:
        """The client's address, as throttles key it (`client_address`)."""
        return client_address(self.request, proxy_networks(self.config.trusted_proxies))


class ApiHandler(AppHandler):
    """Base for `/api/` handlers: authentication, CSRF and JSON bodies."""

    def require_session(self, *, form_allowed: bool = False):
        """The session (401 without one), after the CSRF rules for unsafe methods.

        With `form_allowed`, a cookie-authenticated multipart request passes here
        and sets `self.form_token_required`: check its `csrf_token` field after
        parsing with `self.sessions.check_form_token`.
        """
        session = self.sessions.require(self.request)
        self.form_token_required = self.sessions.check_api_csrf(
            self.request, session, form_allowed=form_allowed)
        return session

    def check_anonymous_csrf(self) -> None:
        """CSRF rules for endpoints that need no session (signup, login)."""
        self.sessions.check_api_csrf(self.request, self.session)

    def json_body(self) -> dict:
        """The body as a JSON object: 415 unless it is JSON, 413 over
        MAX_JSON_BODY_BYTES, 400 if it does not parse."""
        if media_type(self.request) != JSON:
            raise UnsupportedMediaType("Send the body as application/json.")
        if body_size(self.request) > MAX_JSON_BODY_BYTES:
            raise TooLarge(f"JSON bodies may be up to {MAX_JSON_BODY_BYTES // 1024} KiB.")
        try:
            value = self.request.json()
            # JSON may escape a lone surrogate ("\\ud800"), which no UTF-8 text
            # (sqlite, logs, pages) can hold: refuse it here, once for every field.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeError, RecursionError):
            raise BadRequest("The body is not valid JSON.") from None
        if not isinstance(value, dict):
            raise BadRequest("The body must be a JSON object.")
        return value

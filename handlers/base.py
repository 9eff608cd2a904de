"""What handlers and services build on: futures that continue on the loop thread,
and the handler base classes.

Futures. `server.defer(fn)` runs blocking work on the pool. `then_on_loop(server,
future, fn)` returns a plain `Future` of `fn(result)`, with `fn` run on the loop
thread (which owns the database). Failures travel along the chain: if `future`
failed, `fn` is skipped and the new future fails the same way (or `on_error`
decides). A handler may return any such future; `Application` renders its result
or its error. `completed(value)` and `failed(exc)` make finished futures, so a
service can answer at once through the same interface.
"""

from __future__ import annotations

import json
from concurrent.futures import Future

import reactor
from reactor import HTTPError

from .errors import BadRequest, TooLarge, UnsupportedMediaType
from .forms import body_size

__all__ = ["AppHandler", "ApiHandler", "completed", "failed", "page_params", "then_on_loop"]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
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


def then_on_loop(server, future: Future, fn, *, on_error=None) -> Future:
    """A future of `fn(result of future)`, with `fn` run on the loop thread.

    When `fn` returns a future itself (it called another service), the returned
    future completes with that one's outcome.

    `on_error(exc)` (also on the loop thread), when given, handles an `HTTPError`
    from `future` or from `fn`: its return value becomes the result (re-raise to
    pass the error on). Other exceptions are bugs and always propagate.
    """
    out: Future = Future()

    def run(done: Future) -> None:
        try:
            try:
                value = fn(done.result())
            except HTTPError as exc:
                if on_error is None:
                    raise
                value = on_error(exc)
        except BaseException as exc:  # handed on to whoever waits on `out`
            out.set_exception(exc)
            return
        if isinstance(value, Future):
            # `fn` started more work (another service): `out` ends when it does.
            _forward(then_on_loop(server, value, _same, on_error=on_error), out)
        else:
            out.set_result(value)

    future.add_done_callback(lambda done: server.call_soon_threadsafe(run, done))
    return out


def _same(value):
    return value


def _forward(source: Future, target: Future) -> None:
    def copy(done: Future) -> None:
        exc = done.exception()
        if exc is not None:
            target.set_exception(exc)
        else:
            target.set_result(done.result())
    source.add_done_callback(copy)


def page_params(request) -> tuple[int, int | None]:
    """(limit, before) from `?limit=&before=`; 400 when they are not positive integers.

    `limit` defaults to 20 and is capped at 100 (API.md "Conventions"); `before`
    is capped at MAX_ID, which means "from the newest".
    """
    limit = _positive_int(request.arg("limit"), "limit")
    before = _positive_int(request.arg("before"), "before")
    return min(limit or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE), before


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
    def server(self):
        return self.request.server

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
        ctype = (self.request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
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

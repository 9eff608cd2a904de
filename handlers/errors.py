"""MiniFace's errors: each carries the HTTP status, the API error code and a message.

They are `reactor.HTTPError`s, so any handler (JSON or HTML) can raise them and
`Application.handle` renders them: the API.md JSON shape under `/api/`, an HTML
page elsewhere. A 422 names its bad fields in `fields` ({"username": "3 to 30 ..."}).
"""

from __future__ import annotations

import html
from http import HTTPStatus

from reactor import HTTPError

__all__ = [
    "AppError", "BadRequest", "Conflict", "Forbidden", "Invalid", "NotFound", "RateLimited", "TooLarge",
    "Unauthorized", "Unavailable", "UnsupportedMediaType", "error_body", "error_code", "minimal_error_page",
]

# The codes API.md lists, by status; a status not listed falls back to its class.
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 408: "timeout", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
    500: "internal_error", 503: "unavailable",
}


class AppError(HTTPError):
    """Base of the fixed-status errors below; subclasses set the three class attributes."""

    status_code = 400
    error_code = "bad_request"
    default_message = "The request is malformed."

    def __init__(self, message: str | None = None, *, headers=None, details=None):
        super().__init__(self.status_code, message or self.default_message, headers=headers,
                         code=self.error_code, details=details)


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status_code, error_code, default_message = 401, "unauthorized", "Log in first."


class Forbidden(AppError):
    status_code, error_code, default_message = 403, "forbidden", "You may not do that."


class NotFound(AppError):
    status_code, error_code, default_message = 404, "not_found", "Not found."


class Conflict(AppError):
    status_code, error_code, default_message = 409, "conflict", "That conflicts with the current state."


class TooLarge(AppError):
    status_code, error_code, default_message = 413, "too_large", "Too large."


class UnsupportedMediaType(AppError):
    status_code, error_code, default_message = (415, "unsupported_media_type",
                                                "Unsupported media type.")


class Invalid(HTTPError):
    """422 with one message per bad field: `Invalid({"name": "1 to 80 characters"})`."""

    def __init__(self, fields: dict[str, str], message: str = "Some fields are invalid."):
        super().__init__(422, message, code="invalid", details={"fields": dict(fields)})
        self.fields = dict(fields)


class RateLimited(HTTPError):
    """429 with `Retry-After` (whole seconds, at least 1)."""

    def __init__(self, retry_after: int, message: str = "Too many attempts. Try again later."):
        retry_after = max(1, int(retry_after))
        super().__init__(429, message, headers=[("Retry-After", str(retry_after))],
                         code="rate_limited")
        self.retry_after = retry_after


class Unavailable(HTTPError):
    """503 with `Retry-After`: a capacity limit shared by everyone is reached; the
    client did nothing wrong and may retry."""

    def __init__(self, message: str = "The server is busy; try again in a moment.", *,
                 retry_after: int = 1):
        retry_after = max(1, int(retry_after))
        super().__init__(503, message, headers=[("Retry-After", str(retry_after))],
                         code="unavailable")
        self.retry_after = retry_after


def error_code(exc: HTTPError) -> str:
    """The snake_case code of `exc`: its own, else the API.md code for its status."""
    if exc.code:
        return exc.code
    return CODES.get(exc.status, "bad_request" if exc.status < 500 else "internal_error")


def error_body(exc: HTTPError) -> dict:
    """The API.md error object: {"error": {"code", "message", "fields"?}}."""
    error = {"code": error_code(exc), "message": exc.message or _default_message(exc.status)}
    fields = (exc.details or {}).get("fields")
    if fields:
        error["fields"] = fields
    return {"error": error}


def minimal_error_page(status: int, message: str) -> str:
    """A small self-contained HTML error page (used when no template is available)."""
    title = html.escape(f"{status} {_default_message(status)}")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title} · MiniFace</title></head><body><main><h1>{title}</h1>"
            f"<p>{html.escape(message)}</p><p><a href=\"/\">Back to MiniFace</a></p>"
            "</main></body></html>")


def _default_message(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


"""Errors that carry the HTTP status to answer.

`ProtocolError` is the peer's fault at the HTTP layer (answer, then close); its
subclasses name the common kinds, so a caller picks the status by the type
(`MalformedRequest` 400, `FieldsTooLarge` 431). `HTTPError` is raised by
applications to answer a status; the app decides how to render it (the reactor
renders it as plain text when nothing else does).
"""

from __future__ import annotations


class HTTPError(Exception):
    """An application-level error that becomes a response with `status`.

    `headers` are added to that response (for example `Allow` on 405 or
    `Retry-After` on 429); `code` is a short snake_case name for JSON bodies.
    """

    def __init__(self, status: int, message: str = "", *, headers=None, code: str | None = None,
                 details: dict | None = None):
        super().__init__(message or str(status))
        self.status = status
        self.message = message
        self.headers = list(headers or ())
        self.code = code
        self.details = details or {}


class NotFound(HTTPError):
    def __init__(self, message: str = "Not found"):
        super().__init__(404, message, code="not_found")


class MethodNotAllowed(HTTPError):
    def __init__(self, allowed):
        allow = ", ".join(sorted(allowed))
        super().__init__(405, "Method not allowed", headers=[("Allow", allow)],
                         code="method_not_allowed")
        self.allowed = allowed


class ProtocolError(Exception):
    """The peer broke HTTP/1.1; answer `status` with `message` and close.

    `request` is the request head when the error was found after it parsed (a body
    over the limit, a bad chunk, conflicting framing), else None. `headers` are
    added to the answer (`Retry-After` on a 503, say).
    """

    def __init__(self, status: int, message: str, *, headers=()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)
        self.request = None


class MalformedRequest(ProtocolError):
    """The bytes are not a well-formed HTTP/1.1 request: 400, then close."""

    def __init__(self, message: str):
        super().__init__(400, message)


class FieldsTooLarge(ProtocolError):
    """Header fields or trailers over their limit (RFC 6585 §5): 431, then close."""

    def __init__(self, message: str):
        super().__init__(431, message)

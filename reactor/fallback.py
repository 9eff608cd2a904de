"""What the reactor answers by itself when the application cannot.

An application renders its own errors; these are the plain-text answers for what
reaches the connection anyway: an `HTTPError` the application let through, a
handler that raised (a logged 500), a failed future, and protocol errors when the
application offers no `render_protocol_error`.
"""

from __future__ import annotations

import logging

from .errors import HTTPError, ProtocolError
from .messages import FileBody, Response
from .serializer import serialize_head, simple_response

__all__ = ["discard_outcome", "error_response", "failure_response", "outcome",
           "protocol_error_bytes"]

log = logging.getLogger("reactor.connection")


def error_response(exc: HTTPError) -> Response:
    """A plain-text response for an `HTTPError` the application did not render."""
    response = Response.text((exc.message or "Error") + "\n", exc.status)
    response.headers.extend(exc.headers)
    return response


def failure_response(request, exc: Exception) -> Response:
    """The answer when a handler raised `exc`: its status for an `HTTPError`,
    else a 500, logged with the traceback (a bug, not the peer's fault)."""
    if isinstance(exc, HTTPError):
        return error_response(exc)
    log.error("handler failed for %s %s", request.method, request.target, exc_info=exc)
    return Response.text("Internal Server Error\n", 500)


def outcome(request, future):
    """What a completed future answers: its result, or the failure response."""
    try:
        return future.result()
    except Exception as exc:
        return failure_response(request, exc)


def discard_outcome(request, future) -> None:
    """Release what a future made for a client that has gone."""
    request.close()
    if future.cancelled():
        return
    result = future.result() if not future.exception() else None
    if isinstance(result, Response) and isinstance(result.body, FileBody):
        result.body.close()


def protocol_error_bytes(app, exc: ProtocolError, request, server_name: bytes) -> bytes:
    """The answer to a protocol error: the app's own rendering when it offers one
    (`app.render_protocol_error(request, status, message) -> Response`) and the
    request head is known, else plain text. The error's own headers (Retry-After)
    are added to either."""
    render = getattr(app, "render_protocol_error", None)
    if request is not None and render is not None:
        try:
            response = render(request, exc.status, exc.message)
            body = response.body if isinstance(response.body, bytes) else b""
            head = serialize_head(exc.status, [*response.headers, *exc.headers],
                                  length=len(body), keep_alive=False, server=server_name)
            return head if request.method == "HEAD" else head + body
        except Exception:
            log.exception("the application failed to render a %d", exc.status)
    return simple_response(exc.status, exc.message, headers=exc.headers, server=server_name)

"""How many body bytes a request may send, decided from its head alone.

The reactor asks the application (`Application.body_limit`) as soon as a request
head has parsed, before it reads any of the body or answers `Expect: 100-continue`;
a declared Content-Length over the answer is refused with 413 at once, and a
chunked body is cut off with 413 when it passes it. So an anonymous client cannot
make the server receive and hold megabytes on a route that needs kilobytes.

A handler class states its cap as `max_body_bytes` (MAX_REQUEST_BODY_BYTES when it
says nothing; the login and signup handlers say MAX_AUTH_BODY_BYTES). A class with
`accepts_uploads = True` takes a photo: a multipart POST (or whichever methods its
`upload_methods` names: PUT for the avatar) from a logged-in person may then carry `max_image_bytes` plus UPLOAD_FORM_OVERHEAD_BYTES. The numbers and
their reasons are in handlers/config.py.
"""

from __future__ import annotations

from .config import MAX_REQUEST_BODY_BYTES, UPLOAD_FORM_OVERHEAD_BYTES
from .forms import MULTIPART, media_type

__all__ = ["body_limit"]


def _logged_in(ctx, request) -> bool:
    # This runs on the loop, before the body is read. With PostgreSQL checking the
    # session is a network round trip, which the loop never waits for: a request
    # that carries a token at all gets the upload cap, and the handler checks the
    # session before any byte of it is decoded (the server's bytes-in-flight
    # budget still bounds what such requests hold).
    if getattr(ctx.db, "blocks_on_network", False):
        return ctx.sessions.carries_token(request)
    return ctx.sessions.current(request) is not None


def body_limit(ctx, router, request) -> int:
    """The most body bytes `request` (a parsed head) may send."""
    route, _ = router.match(request.path)
    handler_cls = route.handler_cls if route is not None else None
    if (getattr(handler_cls, "accepts_uploads", False)
            and request.method in getattr(handler_cls, "upload_methods", ("POST",))
            and media_type(request) == MULTIPART and _logged_in(ctx, request)):
        return ctx.config.max_image_bytes + UPLOAD_FORM_OVERHEAD_BYTES
    return getattr(handler_cls, "max_body_bytes", MAX_REQUEST_BODY_BYTES)

"""HTML error pages (404, 403, 500, ...) in the site's own layout.

`Application` calls `render_error(request, status, message, deps)` for every error
outside `/api/`; `deps` are the route dependencies (views, sessions, ...). The
page greets a logged-in viewer with the usual top bar when the session can still
be looked up; when anything fails here the app falls back to its minimal page.
"""

from __future__ import annotations

from .base import PageHandler

__all__ = ["ErrorPage", "render_error", "HEADINGS"]

HEADINGS = {
    400: "That request did not make sense",
    403: "You can't do that",
    404: "This page isn't available",
    405: "That doesn't work here",
    409: "That clashes with what is already there",
    413: "That is too big",
    415: "That kind of file isn't supported",
    422: "Something in the form needs fixing",
    429: "Slow down a little",
    500: "Something went wrong on our side",
    503: "MiniFace is busy",
}
# Messages that say no more than the status; the page replaces them with advice.
GENERIC_MESSAGES = ("", "not found", "something went wrong", "internal server error")
DEFAULT_MESSAGES = {
    404: "The link may be broken, or the page may have been removed — or it is "
         "only visible to some people.",
    500: "It is not you, it is us. Try again in a moment.",
}


class ErrorPage(PageHandler):
    """Not routed: built by `render_error` to reuse the layout of every page."""

    def render(self, status: int, message: str) -> str:
        heading = HEADINGS.get(status) or ("Something went wrong" if status >= 500
                                           else "That did not work")
        if status in DEFAULT_MESSAGES and message.strip(" .").lower() in GENERIC_MESSAGES:
            message = DEFAULT_MESSAGES[status]
        context = self.layout_context()
        context.update({"title": heading, "page": "error", "status": status,
                        "heading": heading, "message": message})
        return self.views.render("error", context)


def render_error(request, status: int, message: str, deps: dict) -> str:
    """The HTML of the error page for `status`, with `message` (escaped) under it."""
    return ErrorPage(request, **deps).render(status, message)

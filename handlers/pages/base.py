"""`PageHandler`: what every HTML page shares.

- the layout context (viewer, CSRF token, navigation, badges, flash message) that
  `_top` and `_sidenav` read, merged under each page's own context by `page()`;
- forms: parsing, and the CSRF check that every POST passes first;
- actions end in `done()`: a 303 redirect back (to the form's `next` field when it
  is a local path) carrying a short confirmation in the `mf_flash` cookie, which
  the next page shows once and clears.

CSRF. A logged-in form echoes its session's token (`csrf_token` field). Logged-out
forms (log in, sign up) have no session yet, so they use a double-submit token: a
random `mf_csrf` cookie that the form must echo. Either way a cross-site page can
neither read the token nor set our cookie, and `check_origin` refuses a foreign
`Origin` first.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from urllib.parse import quote, unquote

from reactor import Response

from ..base import AppHandler
from ..errors import Forbidden
from ..forms import MULTIPART, Form, FormLimits, media_type, parse_form
from ..posts import photo_url
from ..sessions import check_origin
from ..store import comments as comment_store
from ..store import friends as friend_store
from ..store import messages as message_store
from ..store import notifications as notification_store
from ..store.visibility import DEFAULT_VISIBILITY
from . import present
from .cards import PostCard, key_of

# The composer as every page without a failed post shows it.
_EMPTY_COMPOSER = {"body": "", "error": "",
                   "visibility_options": present.visibility_options(DEFAULT_VISIBILITY)}

__all__ = ["PageHandler", "FLASH_COOKIE", "ANON_CSRF_COOKIE", "safe_next"]

log = logging.getLogger(__name__)

FLASH_COOKIE = "mf_flash"
ANON_CSRF_COOKIE = "mf_csrf"
# A post card shows its latest two comments (UI.md v1.1); the post's page shows more.
CARD_COMMENTS = 2
# A flash only has to survive one redirect; a minute covers a slow page load.
FLASH_MAX_AGE_SECONDS = 60
FLASH_MAX_CHARS = 200
# The logged-out CSRF cookie outlives a login page left open over lunch.
ANON_CSRF_MAX_AGE_SECONDS = 24 * 3600
_FLASH_ICONS = {"ok": "check", "error": "x"}
# What a URL may hold unencoded (RFC 3986 reserved characters, and "%" so that
# escapes already present stay as sent); quote() keeps letters, digits and "_.-~".
_URL_SAFE = ":/?#[]@!$&'()*+,;=%"


# The paths a page's forms return to are few: the page's own, asked on every page.
_SAFE_NEXT_CACHED_CHARS = 256


@functools.lru_cache(maxsize=1024)
def _safe_next_cached(value: str, default: str) -> str:
    return _safe_next(value, default)


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site ("/u/bob?x=1"), else `default` (see
    `_safe_next`); short values are remembered."""
    if value is not None and len(value) <= _SAFE_NEXT_CACHED_CHARS:
        return _safe_next_cached(value, default)
    return _safe_next(value, default)


def _safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site ("/u/bob?x=1"), else `default`.

    Refuses absolute URLs, scheme-relative "//host" and backslash tricks that some
    browsers read as "//", so a `next` field cannot send anyone off-site. The
    result is ASCII: other characters are percent-encoded (UTF-8), since it goes
    into a `Location` header, where "€" cannot be written and U+0085 may be read
    as a line break.
    """
    if (not value or not value.startswith("/") or value.startswith("//")
            or "\\" in value or any(ch < " " for ch in value)):
        return default
    return quote(value, safe=_URL_SAFE)


class PageHandler(AppHandler):
    """Base for handlers that answer with HTML pages or redirects."""

    nav = ""  # which sidebar link is current: "home", "profile", "friends", "chat", "people"

    # -- who is asking ---------------------------------------------------------

    @property
    def viewer(self) -> dict | None:
        """The logged-in user as a template dict (`present.user_view`), or None."""
        if "viewer_view" not in self.request.context:
            session = self.session
            # Every session of a user read while the database is unchanged carries the
            # same user, so the view is kept as long (and, like it, never changed).
            view = self.cached(("viewer_view", session.user_id), lambda: present.user_view(
                session.user, friendship="self")) if session else None
            self.request.context["viewer_view"] = view
        return self.request.context["viewer_view"]

    def login_redirect(self) -> Response:
        """To the login page, coming back here afterwards (a form POST cannot be
        replayed after logging in, so it comes back to the home page)."""
        if self.request.method not in ("GET", "HEAD"):
            return Response.redirect("/login", 303)
        return Response.redirect("/login?next=" + quote(self.request.target, safe="/"), 303)

    # -- rendering ---------------------------------------------------------------

    def page(self, template: str, context: dict, status: int = 200) -> Response:
        """Render `template` inside the layout; `context` keys win over layout keys."""
        data = self.layout_context()
        data.update(context)
        html = self.views.render_utf8(template, data, getattr(self.ctx, "cards", None))
        response = Response(html, status, content_type="text/html; charset=utf-8")
        # Pages are personal (names, friend requests, CSRF tokens): no shared cache.
        response.set_header("Cache-Control", "no-store")
        if self.request.cookies.get(FLASH_COOKIE):
            response.delete_cookie(FLASH_COOKIE)
        if self.session is None and self._new_anon_token is not None:
            response.set_cookie(ANON_CSRF_COOKIE, self._new_anon_token,
                                max_age=ANON_CSRF_MAX_AGE_SECONDS,
                                secure=self.config.secure_cookies)
        return response

    def layout_context(self) -> dict:
        """What `_top`, `_sidenav` and the shared partials read on every page."""
        viewer = self.viewer
        return {
            "title": "MiniFace",
            "page": self.nav or "page",
            "viewer": viewer,
            "csrf_token": self.csrf_token(),
            "return_to": safe_next(self.request.target),
            "nav": {self.nav: True} if self.nav else {},
            "badges": self.badges() if viewer else {},
            "flash": self.read_flash(),
            "search_q": "",
        }

    def badges(self) -> dict:
        """Counts for the badges: friend requests, unread messages and notifications."""
        db, viewer_id = self.db, self.viewer_id

        def counts() -> dict:
            return {"requests": self.requests_count(),
                    "messages": message_store.unread_total(db, user_id=viewer_id),
                    "notifications": notification_store.unread_count(db, recipient_id=viewer_id)}

        # Kept until the database changes; shared between requests, so never changed.
        return self.cached(("badges", viewer_id), counts)

    def requests_count(self) -> int:
        """Friend requests waiting on the viewer, kept until the database changes."""
        db, viewer_id = self.db, self.viewer_id
        return self.cached(("requests_count", viewer_id),
                           lambda: friend_store.count_incoming_requests(db, user_id=viewer_id))

    def post_views(self, posts: list[dict], comments: dict | None = None,
                   now: int | None = None) -> list[PostCard]:
        """The posts as `_post_card` reads them, each with its latest comments: fetched
        for the whole list in one query unless `comments` ({post_id: [comment]}) is
        given. Their cards come from the card cache (cards.py). `now`: the clock's
        second they show (the current one by default)."""
        viewer_id, db = self.viewer_id, self.db
        if now is None:
            now = self.now()
        if comments is not None:
            return [PostCard(p, comments=comments.get(p["id"], []), viewer_id=viewer_id, now=now,
                             image_url=photo_url) for p in posts]
        post_ids = tuple([p["id"] for p in posts])

        def shown_and_keys():
            comments = comment_store.latest_comments_of(db, post_ids=post_ids,
                                                        per_post=CARD_COMMENTS)
            return [(shown, key_of(p, shown, viewer_id))
                    for p in posts for shown in (comments.get(p["id"], []),)]

        # The same posts and comments while the database is unchanged: so are their keys.
        make = PostCard.of
        return [make(p, shown, viewer_id, now, photo_url, key) for p, (shown, key) in zip(
            posts, self.cached(("cards", viewer_id, post_ids), shown_and_keys), strict=True)]

    def composer(self, body: str = "", visibility: str = DEFAULT_VISIBILITY,
                 error: str = "") -> dict:
        if not body and not error and visibility == DEFAULT_VISIBILITY:
            return _EMPTY_COMPOSER  # shared: read-only, as the read cache's results
        return {"body": body, "error": error,
                "visibility_options": present.visibility_options(visibility)}

    # -- flash messages ------------------------------------------------------------

    def read_flash(self) -> dict | None:
        raw = self.request.cookies.get(FLASH_COOKIE)
        if not raw:
            return None
        kind, _, message = unquote(raw).partition(":")
        if kind not in _FLASH_ICONS or not message:
            return None
        return {"kind": kind, "message": message[:FLASH_MAX_CHARS], "icon": _FLASH_ICONS[kind]}

    def done(self, location: str, message: str = "", kind: str = "ok") -> Response:
        """303 to `location`, with `message` shown once on the page it lands on."""
        response = Response.redirect(location, 303)
        if message:
            # quote() leaves only characters that are safe inside a cookie value.
            value = quote(f"{kind}:{message[:FLASH_MAX_CHARS]}", safe="")
            response.set_cookie(FLASH_COOKIE, value, max_age=FLASH_MAX_AGE_SECONDS,
                                secure=self.config.secure_cookies)
        return response

    def next_location(self, form: Form, default: str = "/") -> str:
        return safe_next(form.get("next"), default)

    # -- forms and CSRF --------------------------------------------------------------

    _new_anon_token = None

    def csrf_token(self) -> str:
        """The token forms on this page carry (see the module doc)."""
        session = self.session
        if session is not None:
            return session.csrf_token
        token = self.request.cookies.get(ANON_CSRF_COOKIE)
        if not token:
            if self._new_anon_token is None:
                self._new_anon_token = secrets.token_urlsafe(24)
            token = self._new_anon_token
        return token

    def read_form(self) -> Form:
        """The urlencoded body of a small form, CSRF-checked. Multipart bodies can be
        big: parse those with `server.defer(parse_form, ...)` and `check_csrf` after."""
        form = parse_form(self.request, FormLimits.from_config(self.config))
        self.check_csrf(form)
        return form

    def is_multipart(self) -> bool:
        return media_type(self.request) == MULTIPART

    def check_csrf(self, form: Form) -> None:
        """403 unless the form echoes this browser's CSRF token."""
        check_origin(self.request)
        sent = form.get("csrf_token") or ""
        session = self.session
        if session is not None:
            self.sessions.check_form_token(session, sent)
            return
        expected = self.request.cookies.get(ANON_CSRF_COOKIE) or ""
        if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            log.info("refused %s %s: CSRF token missing or wrong", self.request.method,
                     self.request.target)
            raise Forbidden("The form is stale or not ours; reload the page and try again.")

"""Sessions: who is asking, and whether an unsafe request really comes from us.

A session is a random token (`secrets.token_urlsafe(32)`, 256 bits) handed to the
client once, at login: in the `mf_session` cookie (HttpOnly; SameSite=Lax;
Path=/) and in the login answer for `Authorization: Bearer <token>`. The
database keeps only its SHA-256, so a leaked database holds no live sessions.
Each session also has a CSRF token that HTML forms and multipart uploads echo.

CSRF rules (API.md "Conventions"), for unsafe methods (POST, PUT, PATCH, DELETE):

- Bearer requests need nothing: a browser never attaches that header by itself.
- Otherwise an `Origin` naming another origin (or "null") is refused with 403.
- Cookie-authenticated API requests must also be `application/json` (a cross-site
  form cannot send that type), carry the token in `X-CSRF-Token` (a cross-site page
  cannot set headers), or be multipart with the token in a `csrf_token` field
  (checked after parsing with `check_form_token`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import secrets

from .errors import Forbidden, Unauthorized
from .forms import JSON, MULTIPART, media_type
from .store import sessions as session_store
from .store import users as user_store

__all__ = ["COOKIE_NAME", "Session", "SessionManager", "check_origin", "hash_token",
           "is_unsafe"]

log = logging.getLogger(__name__)

COOKIE_NAME = "mf_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CONTEXT_KEY = "session"


@dataclasses.dataclass(frozen=True)
class Session:
    """The logged-in user of one request. `via` is "cookie" or "bearer"."""

    user_id: int
    username: str
    name: str
    user_created_at: int
    csrf_token: str
    expires_at: int
    token_hash: str
    via: str
    bio: str = ""
    avatar_name: str | None = None

    @property
    def user(self) -> dict:
        """The user as the store returns users: {id, username, name, created_at, bio,
        avatar_name}."""
        return {"id": self.user_id, "username": self.username, "name": self.name,
                "created_at": self.user_created_at, "bio": self.bio,
                "avatar_name": self.avatar_name}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_unsafe(request) -> bool:
    return request.method in _UNSAFE_METHODS


def check_origin(request) -> None:
    """403 when an unsafe request's `Origin` names another origin than this host.

    A missing Origin passes: browsers send it on every cross-origin POST, and
    scripts and the terminal client have no origin to send.
    """
    origin = request.headers.get("origin")
    if origin is None or not is_unsafe(request):
        return
    host = request.headers.get("host", "")
    if origin not in (f"http://{host}", f"https://{host}"):
        log.info("refused %s %s from origin %r", request.method, request.target, origin)
        raise Forbidden("Cross-origin requests are not allowed.")


class SessionManager:
    """Creates, finds and ends sessions; one per application."""

    def __init__(self, db, config, reads=None):
        self.db = db
        self.config = config
        # Sessions are kept between requests until the database changes
        # (handlers/readcache.py); None looks every request up.
        self.reads = reads
        self._last_touch: dict[int, int] = {}

    def create(self, user_id: int) -> tuple[str, Session]:
        """A new session for `user_id`: (the token to hand out, the session)."""
        now = self.config.now()
        token = secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        session_store.delete_expired_sessions(self.db, now=now)
        session_store.create_session(self.db, user_id=user_id, token_hash=token_hash,
                                     csrf_token=secrets.token_urlsafe(32), now=now,
                                     expires_at=now + self.config.session_ttl)
        session = self._lookup(token_hash, "cookie")
        return token, session

    def current(self, request) -> Session | None:
        """The request's session, or None; looked up once per request.

        A Bearer token takes precedence over the cookie; an invalid Bearer token
        means no session (it never falls back to the cookie).
        """
        if _CONTEXT_KEY not in request.context:
            request.context[_CONTEXT_KEY] = self._resolve(request)
        return request.context[_CONTEXT_KEY]

    def as_logged_out(self, request) -> None:
        """Answer this request as if it carried no session (nothing is looked up)."""
        request.context[_CONTEXT_KEY] = None

    def carries_token(self, request) -> bool:
        """Whether the request brings a session token at all (not checked: no
        database is asked)."""
        return bool(_bearer_token(request) or request.cookies.get(COOKIE_NAME))

    def require(self, request) -> Session:
        """The request's session; raises 401 without one."""
        session = self.current(request)
        if session is None:
            raise Unauthorized("Log in first.")
        return session

    def end(self, request) -> bool:
        """Delete the request's session (logout); False if there was none."""
        session = self.current(request)
        if session is None:
            return False
        session_store.delete_session(self.db, token_hash=session.token_hash)
        request.context[_CONTEXT_KEY] = None
        return True

    def set_cookie(self, response, token: str) -> None:
        response.set_cookie(COOKIE_NAME, token, max_age=self.config.session_ttl, path="/",
                            http_only=True, same_site="Lax", secure=self.config.secure_cookies)

    def clear_cookie(self, response) -> None:
        response.set_cookie(COOKIE_NAME, "", max_age=0, path="/", http_only=True,
                            same_site="Lax", secure=self.config.secure_cookies)

    # -- CSRF ----------------------------------------------------------------

    def check_api_csrf(self, request, session: Session | None, *, form_allowed=False) -> bool:
        """Apply the API's CSRF rules to an unsafe request (see the module doc).

        Returns True when the caller must still check a `csrf_token` form field
        (a cookie-authenticated multipart request without the header); raises
        403 when the request is refused. `form_allowed` is set by the endpoints
        that accept multipart bodies.
        """
        if not is_unsafe(request) or _bearer_token(request) is not None:
            return False
        check_origin(request)
        if session is None or session.via != "cookie":
            return False
        header_token = request.headers.get(CSRF_HEADER)
        if header_token is not None:
            self.check_form_token(session, header_token)
            return False
        ctype = media_type(request)
        if ctype == JSON:
            return False
        if form_allowed and ctype == MULTIPART:
            return True
        raise Forbidden("Send JSON, or the CSRF token with a form.")

    def check_form_token(self, session: Session, token: str | None) -> None:
        """403 unless `token` is the session's CSRF token (compared in constant time)."""
        if not token or not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
            raise Forbidden("The form is stale or not ours; reload the page and try again.")

    # -- lookup ----------------------------------------------------------------

    def _resolve(self, request) -> Session | None:
        token = _bearer_token(request)
        via = "bearer"
        if token is None:
            token = request.cookies.get(COOKIE_NAME)
            via = "cookie"
        if not token:
            return None
        token_hash = hash_token(token)
        if self.reads is None:
            session = self._lookup(token_hash, via)
        else:
            # The Session itself is kept until the database changes (a logout, a
            # password change or a deleted account anywhere drops it); its expiry is
            # checked on every request.
            session = self.reads.fetch(request, ("session", token_hash, via),
                                       lambda: self._lookup(token_hash, via))
            if session is not None and session.expires_at <= self.config.now():
                session = None
        if session is not None:
            self._touch(session.user_id)
        return session

    def _lookup(self, token_hash: str, via: str) -> Session | None:
        row = session_store.find_session(self.db, token_hash=token_hash)
        return self._session(row, token_hash, via)

    def _session(self, row, token_hash: str, via: str) -> Session | None:
        """The Session of a stored row, or None when there is none or it expired."""
        if row is None or row["expires_at"] <= self.config.now():
            return None
        return Session(user_id=row["user_id"], username=row["username"], name=row["name"],
                       user_created_at=row["created_at"], csrf_token=row["csrf_token"],
                       expires_at=row["expires_at"], token_hash=token_hash, via=via,
                       bio=row["bio"], avatar_name=row["avatar_name"])

    def _touch(self, user_id: int) -> None:
        # Presence needs "active lately", not every request: write at most every
        # `presence_touch_interval` seconds per user.
        now = self.config.now()
        last = self._last_touch.get(user_id)
        if last is not None and now - last < self.config.presence_touch_interval:
            return
        self._last_touch[user_id] = now
        user_store.touch_last_seen(self.db, user_id=user_id, now=now)


def _bearer_token(request) -> str | None:
    value = request.headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()

"""`create_app(config)` builds MiniFace; `Application.handle(request)` answers requests.

The application is the one catch of the app layer (STYLE.md §6): every request
goes through `handle`, which dispatches through the router and turns what comes
back into a finished `Response`:

- an `HTTPError` becomes its status, rendered as the API.md JSON error under
  `/api/` and as an HTML page elsewhere, with the error's headers (Allow,
  Retry-After);
- any other exception is logged with its traceback and becomes a 500 in the same
  two shapes;
- every response, errors included, gets the security headers below.

Handlers may return a future (blocking work on the pool, continued on the loop
with `server.then`). `handle` then returns `server.then` of it, which finishes
the handler's result, or renders its error, on the loop thread, just as for an
immediate response.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path

from reactor import HTTPError, Response, StaticFiles

from . import body_limits, errors, media
from .admission import HashingGate
from .auth import Passwords
from .config import DATABASE_POOL, HASHING_POOL, LIVE_POOL, UPLOADS_POOL, AppConfig
from .dbthreads import DatabaseThreads
from .friends import FriendEvents
from .live import LiveHub
from .media import Media
from .readcache import ReadCache
from .sessions import SessionManager
from .store import open_database, users
from .store.db import Database

__all__ = ["Application", "AppContext", "create_app", "SECURITY_HEADERS"]

log = logging.getLogger(__name__)

VIEWS_DIR = Path(__file__).resolve().parent.parent / "views"

# No inline scripts or styles anywhere (UI.md): the site works under this policy.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
_SECURITY_HEADER_NAMES = frozenset(name.lower() for name, _ in SECURITY_HEADERS)
# The demo people all share this password (see store/seed.py).
DEMO_PASSWORD = "password123"


class AppContext:
    """What handlers and services share: settings, the database, sessions, passwords,
    views. One per application; handlers reach it as `self.ctx`."""

    def __init__(self, config: AppConfig, db: Database, views=None):
        self.config = config
        self.db = db
        self.views = views
        # Post cards rendered once (pages/cards.py), when the views have them.
        self.cards = None
        # Layout fragments rendered once per distinct content (pages/fragments.py).
        self.fragments = None
        self.passwords = Passwords(config)
        # Read results reused until the database changes (sessions, home page).
        self.reads = ReadCache(db)
        # Admission to password hashing, per process (admission.py); sign-ups per
        # address and failed log-ins are counted in the database (auth.py).
        self.hashing = HashingGate(per_client=config.hashing_per_client,
                                   in_flight=config.hashing_in_flight, pool=HASHING_POOL)
        self.sessions = SessionManager(db, config, self.reads)
        self.friend_events = FriendEvents()
        self.media = Media(db, config.uploads_dir)
        # Live updates: this process's event streams (handlers/live.py).
        self.live = LiveHub(self)

    def now(self) -> int:
        return self.config.now()

    def route_deps(self) -> dict:
        """The keyword dependencies every routed handler receives."""
        return {"ctx": self, "db": self.db, "config": self.config,
                "sessions": self.sessions, "views": self.views}


class Application:
    """The MiniFace app: an object with `handle(request)` for `reactor.Server`."""

    def __init__(self, ctx: AppContext, router, render_error_page=None):
        self.ctx = ctx
        self.router = router
        self._render_error_page = render_error_page
        self.server = None
        self._networked = bool(getattr(ctx.db, "blocks_on_network", False))
        self._on_threads = self._networked and ctx.config.db_threads > 0
        self._listener = None
        # Behind a load balancer (or with --workers) the node name says which
        # process answered: how the cluster journey proves requests are spread.
        node = ctx.config.node_name
        self._added_headers = SECURITY_HEADERS + ((("X-MiniFace-Node", node),) if node else ())

    def on_start(self, server) -> None:
        """The server's start-up hook: handlers reach it as `self.server`."""
        self.server = server
        config = self.ctx.config
        server.add_pool(HASHING_POOL, config.hashing_workers)
        server.add_pool(UPLOADS_POOL, config.upload_workers)
        self.ctx.live.attach(server)
        if self._networked:
            # PostgreSQL: the live hub listens for announcements (listener.py) and
            # reads on its own pool; handlers run on database threads and continue
            # there (dbthreads.py), unless db_threads is 0 (on the loop: only for
            # measuring what the threads buy, see README "PostgreSQL").
            server.add_pool(LIVE_POOL, 1)
            self._listener = self._start_listener(server)
        if self._on_threads:
            server.add_pool(DATABASE_POOL, config.db_threads)
            self.router.on_start(DatabaseThreads(server, DATABASE_POOL))
        else:
            self.router.on_start(server)

    def _start_listener(self, server):
        from .listener import Listener
        from .store.db import LIVE_CHANNEL, MEDIA_CHANNEL

        hub = self.ctx.live
        return Listener(self.ctx.db.url, {
            LIVE_CHANNEL: lambda payload: server.call_soon_threadsafe(hub.on_announcement,
                                                                      payload),
            # An image deleted through any node: drop this node's cached copy
            # (a file unlink, done on the listener's thread).
            MEDIA_CHANNEL: self.ctx.media.forget_announced,
        }, on_reconnect=lambda: server.call_soon_threadsafe(hub.on_listener_reconnected)).start()

    def handle(self, request):
        if self._on_threads and not self._needs_no_database(request):
            return self._handle_on_database_thread(request)
        try:
            # Cookies first: a Cookie header over its cap is a 431 on every URL,
            # whether or not the route reads them (reactor/cookies.py).
            request.cookies  # noqa: B018
            result = self.router.handle(request)
        except Exception as exc:
            return self._finish(request, self._failure_response(request, exc))
        if isinstance(result, Future):
            return self.server.then(
                result, lambda response: self._finish(request, response),
                on_error=lambda exc: self._finish(request, self._failure_response(request, exc)))
        return self._finish(request, result)

    def _needs_no_database(self, request) -> bool:
        # Static files (CSS, JS, icons) ask no database: the loop serves them at
        # once instead of queueing them behind pages on the database threads.
        route, _ = self.router.match(request.path)
        return route is not None and issubclass(route.handler_cls, StaticFiles)

    def _handle_on_database_thread(self, request):
        """PostgreSQL: the whole handler, and whatever it continues with, runs on
        the database pool, so the loop never waits on a round trip; the loop only
        finishes the response."""
        def run():
            try:
                request.cookies  # noqa: B018  (431 for an oversized Cookie header)
                result = self.router.handle(request)
            except Exception as exc:
                return self._failure_response(request, exc)
            if isinstance(result, Future):
                return self.router.server.then(
                    result, lambda response: response,
                    on_error=lambda exc: self._failure_response(request, exc))
            return result

        def finish(result):
            if isinstance(result, Future):
                return self.server.then(result, finish, on_error=failed)
            return self._finish(request, result)

        def failed(exc):
            # Only a bug gets here (handlers' errors became responses on their
            # thread): the plain page, which asks no database.
            log.error("error answering %s %s", request.method, request.target, exc_info=exc)
            return self._finish(request, Response.html(
                errors.minimal_error_page(500, "Something went wrong."), 500))

        return self.server.then(self.server.defer(run, pool=DATABASE_POOL), finish,
                                on_error=failed)

    def body_limit(self, request) -> int:
        """The most body bytes this request may send, from its head alone: the
        reactor asks before reading the body or answering 100 Continue and refuses
        more with 413 (handlers/body_limits.py)."""
        return body_limits.body_limit(self.ctx, self.router, request)

    def render_protocol_error(self, request, status: int, message: str) -> Response:
        """What the reactor answers when a request breaks HTTP after its head parsed
        (a body over the server's limit, bad chunked framing, a stalled body): the
        API's JSON error or the HTML error page, with the security headers."""
        if self._networked:
            # This runs on the loop: no session lookup (a round trip) for the page.
            self.ctx.sessions.as_logged_out(request)
        return self._finish(request, self._error_response(request, HTTPError(status, message)))

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        self.ctx.live.close()
        media.unregister(self.ctx.media)
        self.ctx.db.close()

    # -- finishing responses ---------------------------------------------------

    def _failure_response(self, request, exc: Exception) -> Response:
        """The rendered answer to a handler's exception: its status for an
        `HTTPError`, else a logged 500."""
        if isinstance(exc, HTTPError):
            return self._error_response(request, exc)
        log.error("error answering %s %s", request.method, request.target, exc_info=exc)
        return self._error_response(request, HTTPError(500, "Something went wrong.",
                                                       code="internal_error"))

    def _finish(self, request, response):
        if not isinstance(response, Response):
            log.error("handler for %s %s returned %r, not a Response",
                      request.method, request.target, response)
            response = self._error_response(request, HTTPError(500, "Something went wrong."))
        # One pass: drop any copies the handler set, then add ours (set_header per
        # field would rebuild the list four times on every response).
        response.headers = [h for h in response.headers
                            if h[0].lower() not in _SECURITY_HEADER_NAMES]
        response.headers.extend(self._added_headers)
        if _is_api(request) and response.header("Cache-Control") is None:
            # API answers are per-user; no shared cache may keep them.
            response.set_header("Cache-Control", "no-store")
        return response

    def _error_response(self, request, exc: HTTPError) -> Response:
        # The raw target, not the decoded path: "%0a" in a path must not start a
        # forged log line. Messages may quote input too, hence %r.
        if exc.status in (403, 413, 415, 429):  # refusals worth seeing in the log
            log.info("%s %s -> %d %r", request.method, request.target, exc.status, exc.message)
        elif exc.status < 500:
            log.debug("%s %s -> %d %r", request.method, request.target, exc.status, exc.message)
        if _is_api(request):
            response = Response.json(errors.error_body(exc), exc.status)
        else:
            response = Response.html(self._error_html(request, exc), exc.status)
        response.headers.extend(exc.headers)
        return response

    def _error_html(self, request, exc: HTTPError) -> str:
        message = exc.message or "Something went wrong."
        if self._render_error_page is not None:
            try:
                return self._render_error_page(request, exc.status, message,
                                               self.ctx.route_deps())
            except Exception:
                log.exception("the error page failed to render; using the plain one")
        return errors.minimal_error_page(exc.status, message)


def _is_api(request) -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def create_app(config: AppConfig | None = None) -> Application:
    """Open the database (applying the schema), build the routes, seed demo data
    when `config.demo` is set, and return the `Application`."""
    from . import pages, routes
    from .views import Views

    config = config or AppConfig()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    config.uploads_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(config.database_target)
    views = Views(VIEWS_DIR) if VIEWS_DIR.is_dir() else None
    ctx = AppContext(config, db, views)
    # Photos and avatars: the uploads directory, backed by the database when it is
    # PostgreSQL (media.py); store_image and friends find it by the directory.
    media.register(ctx.media)
    # Photos a PostgreSQL node stored on its own disk before migration 005 go into
    # the database once, so every node can serve them (media.py).
    ctx.media.copy_local_files()
    if views is not None and views.has("_post_card"):
        from .pages.cards import CardCache

        ctx.cards = CardCache()
        views.wrap("_post_card", ctx.cards.wrap)
    if views is not None:
        from .pages.fragments import FragmentCache

        # The top bar, side navigation, composer and aside, by the values they print.
        ctx.fragments = FragmentCache(views, cards=getattr(ctx, "cards", None))
    if config.demo:
        seed_demo_if_empty(ctx)
    router = routes.build_router(ctx)
    return Application(ctx, router, getattr(pages, "render_error", None))


def seed_demo_if_empty(ctx: AppContext) -> bool:
    """Seed the demo people, friendships and posts unless they exist; True if seeded."""
    from .store import seed  # only `--demo` needs it

    if users.get_user_by_username(ctx.db, "alice") is not None:
        return False
    password_hash = ctx.passwords.hash(DEMO_PASSWORD)
    return seed.seed_demo(ctx.db, uploads_dir=ctx.config.uploads_dir,
                          password_hash=password_hash)

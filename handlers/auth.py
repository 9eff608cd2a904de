"""Sign up, log in, log out: the services behind both the JSON API and the HTML pages.

Password hashing and checking are slow on purpose (argon2), so they run on the
server's thread pool; the database is touched before the hashing starts and in the
continuation after it (`server.then`), on the loop thread with sqlite and on a
database thread with PostgreSQL (handlers/dbthreads.py).

The throttles that must hold for the whole site are rows in the database, shared
by every worker and node: failed log-ins per (account, client address)
(`failed_logins`) and sign-ups per client address (`signups`, store/signups.py).
The hashing gate (handlers/admission.py) is per process on purpose: it protects
that process's CPU.

Each service returns a `concurrent.futures.Future`. Every outcome, including
validation errors, arrives through it: a value on success, an `HTTPError`
(`Invalid` 422, `Conflict` 409, `Unauthorized` 401, `RateLimited` 429) on failure.
A handler turns it into a response with `server.then`:

    future = auth.signup(self.ctx, self.server, username=u, name=n, password=p, client=c)
    return self.server.then(future, lambda user: Response.json(..., 201),
                            on_error=lambda exc: render_the_form_again(exc))  # optional

Passwords are never logged, stored or echoed: only their argon2 hash is kept.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from passlib.hash import argon2

from reactor import HTTPError

from .base import failed
from .errors import Conflict, Invalid, RateLimited, Unauthorized
from .sessions import Session
from .store import sessions as session_store
from .store import signups as signup_store
from .store import users as user_store
from .store.errors import UsernameTaken
from .text_rules import is_clean_name

__all__ = ["LoginResult", "Passwords", "login", "login_backoff_seconds", "logout", "signup",
           "validate_signup"]

log = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"[A-Za-z0-9_]{3,30}")
NAME_MAX_CHARS = 80
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 256

USERNAME_RULE = "3 to 30 letters, digits or _"
NAME_RULE = f"1 to {NAME_MAX_CHARS} characters, no control characters"
PASSWORD_RULE = f"{PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"
WRONG_CREDENTIALS = "Wrong username or password."


class Passwords:
    """argon2 hashing with the configured costs. Both methods block: call them
    through `server.defer`."""

    def __init__(self, config):
        self._hasher = argon2.using(rounds=config.argon2_time_cost,
                                    memory_cost=config.argon2_memory_cost,
                                    parallelism=config.argon2_parallelism)
        self._dummy_hash = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        """True if `password` matches. With no hash (unknown user) a dummy hash is
        checked anyway, so the answer takes as long as for a real account."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash("not a real password")
            self._hasher.verify(password, self._dummy_hash)
            return False
        try:
            return self._hasher.verify(password, password_hash)
        except ValueError:
            log.error("a stored password hash is malformed")
            return False


@dataclasses.dataclass(frozen=True)
class LoginResult:
    """A successful login: the token to hand out once, and its session."""

    token: str
    session: Session

    @property
    def user(self) -> dict:
        return self.session.user


def validate_signup(username, name, password) -> dict[str, str]:
    """The signup rules of API.md: {field: what is wrong}, empty when all is well."""
    problems = {}
    if not isinstance(username, str) or not USERNAME_RE.fullmatch(username):
        problems["username"] = USERNAME_RULE
    if (not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX_CHARS
            or not is_clean_name(name)):
        problems["name"] = NAME_RULE
    if (not isinstance(password, str)
            or not PASSWORD_MIN_CHARS <= len(password) <= PASSWORD_MAX_CHARS):
        problems["password"] = PASSWORD_RULE
    return problems


def signup(ctx, server, *, username, name, password, client: str):
    """Create an account. Future of the new user dict {id, username, name, created_at}.

    `client` is the address asking. Fails with `Invalid` (per-field messages),
    `Conflict` (username taken, compared case-insensitively), `RateLimited` (this
    address signed up `signups_per_address` times within `signup_window`, or has
    hashes in flight already) or `Unavailable` (the hashing queue is full). Does
    not log in: call `ctx.sessions.create(user["id"])` for that.
    """
    problems = validate_signup(username, name, password)
    if problems:
        return failed(Invalid(problems))
    name = name.strip()
    if user_store.get_user_by_username(ctx.db, username) is not None:
        return failed(_taken())
    # Counted in the database, so the limit holds for every worker and node.
    place, wait = signup_store.take_signup(ctx.db, client=client, now=ctx.now(),
                                           limit=ctx.config.signups_per_address,
                                           window=ctx.config.signup_window)
    if wait:
        log.info("signup from %s throttled for %d s", client, wait)
        return failed(RateLimited(wait, "Too many new accounts from here."))
    try:
        hashed = ctx.hashing.defer(server, client, ctx.passwords.hash, password)
    except HTTPError as exc:  # refused before any hashing: not a sign-up
        signup_store.release_signup(ctx.db, row_id=place)
        return failed(exc)

    def insert(password_hash):
        try:
            user = user_store.create_user(ctx.db, username=username, name=name,
                                          password_hash=password_hash, now=ctx.now())
        except UsernameTaken:  # someone took it while we were hashing
            raise _taken() from None
        log.info("new account %s (id %d)", user["username"], user["id"])
        return user

    return server.then(hashed, insert)


def login(ctx, server, *, username, password, client: str):
    """Check credentials and open a session. Future of a `LoginResult`.

    `client` is the address asking (`base.client_address`). Fails with `Invalid`
    (missing fields), `Unauthorized` (wrong username or password, deliberately
    the same answer for both) or `RateLimited` while this client must back off
    from this account (`login_backoff_seconds`).

    The throttle counts failures per (account, client address): whoever guesses
    at an account slows down only themselves, and its owner, from another
    address, logs in at once (a lock per account let anyone lock anyone out).
    """
    if not isinstance(username, str) or not username or not isinstance(password, str):
        return failed(Invalid({"username": "required", "password": "required"},
                              "Give a username and a password."))
    if not USERNAME_RE.fullmatch(username):
        # No account has this name, and recording the failure would store
        # whatever the client sent (megabytes) in the throttle's table.
        log.info("failed login for a name no account can have")
        return failed(Unauthorized(WRONG_CREDENTIALS))
    key = username.lower()
    now = ctx.now()
    # A failure at time t counts while now < t + window.
    since = now - ctx.config.login_failure_window + 1
    # The attempt is counted as failed before its password is checked, in one
    # transaction with the look at the earlier failures, so that guesses sent in
    # parallel, to any worker or node, cannot all pass the throttle; a success
    # clears this client's failures.
    with ctx.db.transaction():
        # Older failures no longer count: forget them, or guesses at made-up
        # usernames would pile up in the table for ever.
        session_store.prune_failed_logins(ctx.db, before=since)
        failures, latest = session_store.failed_login_streak(ctx.db, username=key,
                                                             client=client, since=since)
        wait = login_backoff_seconds(ctx.config, failures, latest, now)
        if wait <= 0:
            attempt = session_store.record_failed_login(ctx.db, username=key, client=client,
                                                        now=now)
    if wait > 0:
        log.info("login for %r from %s throttled for %d s", key, client, wait)
        return failed(RateLimited(wait, "Too many failed attempts for this account."))
    credentials = user_store.get_credentials(ctx.db, username)
    stored_hash = credentials["password_hash"] if credentials else None
    if len(password) > PASSWORD_MAX_CHARS:
        # No account has such a password (signup refuses it), and passlib will
        # not verify over 4096 bytes: wrong, whether the account exists or not.
        log.info("failed login for %r", key)
        return failed(Unauthorized(WRONG_CREDENTIALS))
    try:
        verified = ctx.hashing.defer(server, client, ctx.passwords.verify, password, stored_hash)
    except HTTPError as exc:  # refused before any hashing: not a failed attempt
        session_store.forget_failed_login(ctx.db, row_id=attempt)
        return failed(exc)

    def finish(ok: bool) -> LoginResult:
        if not ok or credentials is None:
            log.info("failed login for %r", key)
            raise Unauthorized(WRONG_CREDENTIALS)
        session_store.clear_failed_logins(ctx.db, username=key, client=client)
        token, session = ctx.sessions.create(credentials["id"])
        log.info("%s logged in", credentials["username"])
        return LoginResult(token, session)

    return server.then(verified, finish)


def login_backoff_seconds(config, failures: int, latest: int | None, now: int) -> int:
    """How long a client with `failures` recent failures on an account (the latest
    at `latest`) must still wait before its next attempt.

    `login_failure_limit` attempts are free; after that each attempt waits
    `login_backoff_base` seconds after the previous failure, doubling with every
    further failure, up to `login_backoff_max`.
    """
    excess = failures - config.login_failure_limit
    if excess < 0 or latest is None:
        return 0
    delay = min(config.login_backoff_max, config.login_backoff_base * 2 ** min(excess, 30))
    return max(0, latest + delay - now)


def logout(ctx, request) -> bool:
    """End the request's session (cookie or bearer) and close its event streams in
    this process at once (other processes notice within STREAM_RENEW_SECONDS);
    False if it had none."""
    session = ctx.sessions.current(request)
    if not ctx.sessions.end(request):
        return False
    ctx.live.close_session(session.token_hash)
    return True


def _taken() -> Conflict:
    return Conflict("That username is taken.", details={"fields": {"username": "taken"}})

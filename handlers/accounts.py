"""A person's control over their own account: changing the password and deleting
the account. Services shared by the JSON API and the settings page.

Both ask for the current password, checked with argon2 on the thread pool (as
log-in does); the database is read before and written after, on the loop thread
(`server.then`). Each returns a future; failures arrive through it as
`HTTPError`s: `Invalid` (422, naming the field), `Forbidden` (403, wrong
password: nothing is changed), `Unauthorized` (401, the account went away
meanwhile).

Changing the password ends every other session of the account, and their event
streams: a "sessions_ended" live event tells every worker process to close the
streams whose session is gone within one poll (handlers/live.py). Deleting the
account removes everything it made in one transaction (store/accounts.py), then
its photo and profile picture files, then this process's streams of it; streams another worker holds
close at that worker's next session check (their sessions are gone).
"""

from __future__ import annotations

import logging

from reactor import HTTPError

from .auth import PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, PASSWORD_RULE
from .base import failed
from .errors import Forbidden, Invalid, Unauthorized
from .profiles import delete_avatar_files
from .store import accounts as account_store
from .store import live as live_store
from .store import sessions as session_store
from .store import users as user_store
from .uploads import delete_image

__all__ = ["change_password", "delete_account", "validate_new_password"]

log = logging.getLogger(__name__)

WRONG_PASSWORD = "That is not your current password."


def validate_new_password(password) -> str | None:
    """What is wrong with a new password (the signup rule), or None."""
    if (not isinstance(password, str)
            or not PASSWORD_MIN_CHARS <= len(password) <= PASSWORD_MAX_CHARS):
        return PASSWORD_RULE
    return None


def _verify_current(ctx, server, user_id: int, password, field: str):
    """A future of the stored hash once `password` is checked against it (403 if
    wrong, 422 if missing). The hash comes back so a write can make sure the
    password did not change while it was being checked."""
    if not isinstance(password, str) or not password:
        return failed(Invalid({field: "required"}, "Give your current password."))
    stored = user_store.get_password_hash(ctx.db, user_id)
    if stored is None:
        return failed(Unauthorized("Log in first."))
    if len(password) > PASSWORD_MAX_CHARS:
        # No account has such a password, and passlib will not verify it.
        return failed(Forbidden(WRONG_PASSWORD))

    def checked(ok: bool) -> str:
        if not ok:
            log.info("user %d gave a wrong current password", user_id)
            raise Forbidden(WRONG_PASSWORD)
        return stored

    try:
        verified = ctx.hashing.defer(server, _hashing_client(user_id), ctx.passwords.verify,
                                     password, stored)
    except HTTPError as exc:
        return failed(exc)
    return server.then(verified, checked)


def _hashing_client(user_id: int) -> str:
    # A logged-in account's own hashing (password change, deletion) is admitted
    # per account: the HashingGate's key for it.
    return f"user:{user_id}"


def change_password(ctx, server, *, session, current_password, new_password):
    """Set a new password; every other session of the account ends. Future of None."""
    problem = validate_new_password(new_password)
    if problem:
        return failed(Invalid({"new_password": problem}))
    user_id = session.user_id
    verified = _verify_current(ctx, server, user_id, current_password, "current_password")
    old_hash = {}

    def hash_new(stored: str):
        old_hash["value"] = stored
        return ctx.hashing.defer(server, _hashing_client(user_id), ctx.passwords.hash,
                                 new_password)

    def store(new_hash: str) -> None:
        with ctx.db.transaction():
            if not user_store.replace_password_hash(ctx.db, user_id=user_id,
                                                    old_hash=old_hash["value"],
                                                    new_hash=new_hash):
                # Changed (or the account deleted) by another session meanwhile.
                raise Forbidden(WRONG_PASSWORD)
            ended = session_store.delete_other_sessions(ctx.db, user_id=user_id,
                                                        keep_token_hash=session.token_hash)
            live_store.record_event(ctx.db, user_id=user_id, kind=live_store.SESSIONS_ENDED,
                                    actor_id=user_id, now=ctx.now())
        log.info("user %d changed their password; %d other sessions ended", user_id, ended)

    return server.then(server.then(verified, hash_new), store)


def delete_account(ctx, server, *, session, password):
    """Delete the account and everything it made. Future of {"username", "images",
    "avatar_name", "deleted"} (see store/accounts.py)."""
    user_id = session.user_id
    verified = _verify_current(ctx, server, user_id, password, "password")

    def remove(_stored: str) -> dict:
        result = account_store.delete_account(ctx.db, user_id=user_id, now=ctx.now())
        if result is None:
            raise Unauthorized("Log in first.")
        # After the commit: a failed transaction must not have lost the files.
        for name in result["images"]:
            delete_image(ctx.config.uploads_dir, name)
        delete_avatar_files(ctx.config.uploads_dir, result["avatar_name"])
        ctx.live.close_user_streams(user_id)
        log.info("user %d (%s) deleted their account", user_id, result["username"])
        return result

    return server.then(verified, remove)

"""The settings page (`/settings`): profile picture, name and bio, password, and
deleting the account, over the same services as the JSON API (handlers/profiles.py,
handlers/accounts.py).

Every section is a plain form that works without JavaScript: a POST to its own
action URL, CSRF-checked, then a 303 back to /settings with a one-line message.
A refused form re-renders the page with the reason under the field it is about
(and the typed name and bio kept; passwords are never echoed), with the status
the JSON API would answer (403 wrong password, 413, 415, 422).

Deleting the account asks first: the danger zone's button leads to a page that
names what will be lost and asks for the password; only that form carries
`confirm=yes`.
"""

from __future__ import annotations

from reactor import HTTPError, Response

from .. import accounts, profiles
from ..auth import NAME_MAX_CHARS
from ..config import UPLOADS_POOL
from ..errors import Forbidden, Invalid
from ..forms import FormLimits, parse_form
from ..store import accounts as account_store
from ..store import users as user_store
from .base import PageHandler
from .present import plural

__all__ = ["SettingsAvatar", "SettingsAvatarRemove", "SettingsDelete", "SettingsPage",
           "SettingsPassword", "SettingsProfile"]

SETTINGS_URL = "/settings"
PROFILE_MESSAGES = {
    "name": f"Enter your name (up to {NAME_MAX_CHARS} characters).",
    "bio": f"Keep your bio to {profiles.BIO_MAX_CHARS} characters or fewer.",
}
PASSWORD_MESSAGES = {
    "current_password": "Enter your current password.",
    "new_password": "Use at least 8 characters (up to 256).",
}
WRONG_PASSWORD = "That is not your current password."


def _avatar_message(exc: HTTPError) -> str:
    if exc.status == 413:
        return f"That picture is too large. {exc.message}"
    if exc.status == 415:
        return "Choose a PNG, JPEG, GIF or WebP picture."
    return "Choose a picture to upload."


class _SettingsHandler(PageHandler):
    nav = "settings"

    def settings_page(self, status: int = 200, **sections) -> Response:
        """The settings page; `sections` carry what a refused form wants shown:
        `profile_form` {name, bio, errors}, `avatar_error`, `password_errors`."""
        user = user_store.get_user(self.db, self.viewer_id)
        typed = sections.get("profile_form") or {}
        errors = typed.get("errors") or {}
        view = {
            "title": "Settings",
            "me": self.viewer,
            "profile_form": {
                "name": typed.get("name", user["name"]),
                "bio": typed.get("bio", user["bio"]),
                "errors": errors, "has_errors": bool(errors),
            },
            "bio_max": profiles.BIO_MAX_CHARS,
            "avatar_error": sections.get("avatar_error", ""),
            "password_errors": sections.get("password_errors") or {},
        }
        return self.page("settings", view, status)


class SettingsPage(_SettingsHandler):
    """GET /settings."""

    def get(self):
        if self.session is None:
            return self.login_redirect()
        return self.settings_page()


class SettingsProfile(_SettingsHandler):
    """POST /settings/profile: name and bio."""

    def post(self):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        name, bio = form.get("name") or "", form.get("bio") or ""
        try:
            profiles.update_profile(self.ctx, user_id=self.viewer_id,
                                    changes={"name": name, "bio": bio})
        except Invalid as exc:
            errors = {field: PROFILE_MESSAGES.get(field, message)
                      for field, message in exc.fields.items()}
            return self.settings_page(422, profile_form={"name": name, "bio": bio,
                                                         "errors": errors})
        return self.done(SETTINGS_URL, "Profile saved.")


class SettingsAvatar(_SettingsHandler):
    """POST /settings/avatar: a new profile picture (multipart, parsed on the pool)."""

    accepts_uploads = True  # body_limits.py: a photo's worth for a logged-in person

    def post(self):
        if self.session is None:
            return self.login_redirect()
        if not self.is_multipart():
            self.read_form()  # CSRF first: a foreign form learns nothing
            return self.settings_page(422, avatar_error="Choose a picture to upload.")
        limits = FormLimits.from_config(self.config)
        parsed = self.server.defer(parse_form, self.request, limits, pool=UPLOADS_POOL)
        return self.server.then(parsed, self.store, on_error=self.refused)

    def store(self, form):
        try:
            self.check_csrf(form)
        except HTTPError:
            form.close()
            raise
        future = profiles.set_avatar(self.ctx, self.server, user_id=self.viewer_id,
                                     image=form.file("image"))
        return self.server.then(future, lambda _user: self.done(SETTINGS_URL,
                                                                  "Profile picture updated."),
                                on_error=self.refused)

    def refused(self, exc: Exception) -> Response:
        if not isinstance(exc, HTTPError) or exc.status not in (413, 415, 422):
            raise exc
        return self.settings_page(exc.status, avatar_error=_avatar_message(exc))


class SettingsAvatarRemove(_SettingsHandler):
    """POST /settings/avatar/remove: back to initials."""

    def post(self):
        if self.session is None:
            return self.login_redirect()
        self.read_form()
        profiles.remove_avatar(self.ctx, user_id=self.viewer_id)
        return self.done(SETTINGS_URL, "Profile picture removed.")


class SettingsPassword(_SettingsHandler):
    """POST /settings/password: every other session ends (accounts.change_password)."""

    def post(self):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        future = accounts.change_password(
            self.ctx, self.server, session=self.session,
            current_password=form.get("current_password"),
            new_password=form.get("new_password"))
        return self.server.then(
            future, lambda _: self.done(SETTINGS_URL,
                                        "Password changed. You were logged out everywhere else."),
            on_error=self.refused)

    def refused(self, exc: Exception) -> Response:
        if isinstance(exc, Invalid):
            errors = {field: PASSWORD_MESSAGES.get(field, message)
                      for field, message in exc.fields.items()}
            return self.settings_page(422, password_errors=errors)
        if isinstance(exc, Forbidden):
            return self.settings_page(403, password_errors={"current_password": WRONG_PASSWORD})
        raise exc


class SettingsDelete(_SettingsHandler):
    """GET or POST /settings/delete without `confirm=yes`: the confirmation page,
    naming what goes; with it and the right password: the account is deleted."""

    def get(self):
        if self.session is None:
            return self.login_redirect()
        return self.confirm_page()

    def confirm_page(self, status: int = 200, error: str = "") -> Response:
        summary = account_store.account_summary(self.db, user_id=self.viewer_id)
        losses = [plural(summary["posts"], "post"), plural(summary["photos"], "photo"),
                  plural(summary["friends"], "friendship"),
                  plural(summary["messages"], "message")]
        return self.page("confirm_delete_account", {
            "title": "Delete your account?",
            "losses": ", ".join(losses[:-1]) + " and " + losses[-1],
            "error": error,
        }, status)

    def post(self):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        if form.get("confirm") != "yes":
            return self.confirm_page()
        future = accounts.delete_account(self.ctx, self.server, session=self.session,
                                         password=form.get("password"))
        return self.server.then(future, self.deleted, on_error=self.refused)

    def deleted(self, _result) -> Response:
        response = self.done("/", "Your account and everything in it have been deleted.")
        self.sessions.clear_cookie(response)
        return response

    def refused(self, exc: Exception) -> Response:
        if isinstance(exc, Invalid):
            return self.confirm_page(422, "Enter your password to delete your account.")
        if isinstance(exc, Forbidden):
            return self.confirm_page(403, WRONG_PASSWORD)
        raise exc

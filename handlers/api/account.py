"""Accounts: sign up, log in, log out, and who am I."""

from __future__ import annotations

from reactor import Response

from .. import accounts, auth, profiles
from ..base import ApiHandler
from ..config import MAX_AUTH_BODY_BYTES, UPLOADS_POOL
from ..errors import UnsupportedMediaType
from ..forms import MULTIPART, FormLimits, media_type, parse_form
from ..sessions import CSRF_FIELD
from .shapes import one_user_json, user_json

__all__ = ["Login", "Logout", "Me", "MeAvatar", "MePassword", "Signup"]


class Signup(ApiHandler):
    max_body_bytes = MAX_AUTH_BODY_BYTES

    def post(self):
        self.check_anonymous_csrf()
        data = self.json_body()
        future = auth.signup(self.ctx, self.server, username=data.get("username"),
                             name=data.get("name"), password=data.get("password"),
                             client=self.client)
        return self.server.then(future, lambda user: Response.json(user_json(user), 201))


class Login(ApiHandler):
    max_body_bytes = MAX_AUTH_BODY_BYTES

    def post(self):
        self.check_anonymous_csrf()
        data = self.json_body()
        future = auth.login(self.ctx, self.server, username=data.get("username"),
                            password=data.get("password"), client=self.client)
        return self.server.then(future, self._answer)

    def _answer(self, result: auth.LoginResult) -> Response:
        response = Response.json({"token": result.token,
                                  "user": user_json(result.user, "self")})
        self.sessions.set_cookie(response, result.token)
        return response


class Logout(ApiHandler):
    def post(self):
        self.require_session()
        auth.logout(self.ctx, self.request)
        response = Response.empty(204)
        self.sessions.clear_cookie(response)
        return response


class Me(ApiHandler):
    def get(self):
        session = self.require_session()
        body = one_user_json(self.ctx, session.user_id, session.user)
        if session.via == "cookie":
            # The token HTML forms and cookie-authenticated multipart uploads echo.
            body["csrf_token"] = session.csrf_token
        return Response.json(body)

    def patch(self):
        session = self.require_session()
        data = self.json_body()
        changes = {key: data[key] for key in ("name", "bio") if key in data}
        user = profiles.update_profile(self.ctx, user_id=session.user_id, changes=changes)
        return Response.json(user_json(user, "self"))

    def delete(self):
        session = self.require_session()
        data = self.json_body()
        future = accounts.delete_account(self.ctx, self.server, session=session,
                                         password=data.get("password"))
        return self.server.then(future, self._deleted)

    def _deleted(self, _result) -> Response:
        response = Response.empty(204)
        self.sessions.clear_cookie(response)
        return response


class MePassword(ApiHandler):
    def post(self):
        session = self.require_session()
        data = self.json_body()
        future = accounts.change_password(self.ctx, self.server, session=session,
                                          current_password=data.get("current_password"),
                                          new_password=data.get("new_password"))
        return self.server.then(future, lambda _: Response.empty(204))


class MeAvatar(ApiHandler):
    """PUT a multipart body with the file `image`; DELETE to go back to initials."""

    accepts_uploads = True  # body_limits.py: a photo's worth for a logged-in person
    upload_methods = ("PUT",)

    def put(self):
        session = self.require_session(form_allowed=True)
        if media_type(self.request) != MULTIPART:
            raise UnsupportedMediaType("Send the picture as multipart/form-data, file 'image'.")
        # Parsing a multipart body of megabytes is CPU work: do it on the pool.
        limits = FormLimits.from_config(self.config)
        parsed = self.server.defer(parse_form, self.request, limits, pool=UPLOADS_POOL)

        def store(form):
            if self.form_token_required:
                try:
                    self.sessions.check_form_token(session, form.get(CSRF_FIELD, None))
                except Exception:
                    form.close()
                    raise
            return profiles.set_avatar(self.ctx, self.server, user_id=session.user_id,
                                       image=form.file("image"))

        return self.server.then(self.server.then(parsed, store),
                                lambda user: Response.json(user_json(user, "self")))

    def delete(self):
        session = self.require_session()
        user = profiles.remove_avatar(self.ctx, user_id=session.user_id)
        return Response.json(user_json(user, "self"))

"""Log in, sign up, log out: the forms in front of `handlers.auth`.

Errors come back next to their field with the typed values kept, except the
password, which is never echoed into a page. A throttled login (429) says when to
try again. Success sets the session cookie and redirects (303) with a greeting.
"""

from __future__ import annotations

from reactor import Response

from .. import auth
from ..config import MAX_AUTH_BODY_BYTES
from ..errors import Conflict, Invalid, RateLimited, Unauthorized, Unavailable
from .base import PageHandler, safe_next
from .present import first_name

__all__ = ["LoginPage", "LogoutAction", "SignupPage"]

# auth.validate_signup's rules, phrased for a person filling in the form.
SIGNUP_MESSAGES = {
    "username": "Use 3 to 30 letters, digits or _ (no spaces).",
    "name": "Enter your name (up to 80 characters).",
    "password": "Use at least 8 characters (up to 256).",
}


def retry_phrase(seconds: int) -> str:
    """"in 40 seconds", "in 1 minute", "in 14 minutes"."""
    if seconds < 60:
        return f"in {seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"in {minutes} minute{'s' if minutes != 1 else ''}"


class LoginPage(PageHandler):
    """GET /login shows the form; POST /login checks it (throttled by `auth.login`)."""

    max_body_bytes = MAX_AUTH_BODY_BYTES

    def get(self):
        target = safe_next(self.request.arg("next"))
        if self.session is not None:
            return Response.redirect(target, 303)
        return self.form_page({"username": ""}, target)

    def post(self):
        form = self.read_form()
        username = form.get("username").strip()
        password = form.get("password")
        target = self.next_location(form)
        errors = {}
        if not username:
            errors["username"] = "Enter your username."
        if not password:
            errors["password"] = "Enter your password."
        if errors:
            return self.form_page({"username": username, "errors": errors}, target, 422)

        def logged_in(result: auth.LoginResult) -> Response:
            response = self.done(target, f"Welcome back, {first_name(result.user['name'])}!")
            self.sessions.set_cookie(response, result.token)
            return response

        def refused(exc):
            return self.login_refused(exc, username, target)

        future = auth.login(self.ctx, self.server, username=username, password=password,
                            client=self.client)
        return self.server.then(future, logged_in, on_error=refused)

    def login_refused(self, exc, username: str, target: str) -> Response:
        form = {"username": username}
        if isinstance(exc, (RateLimited, Unavailable)):
            form["error"] = f"{exc.message} Try again {retry_phrase(exc.retry_after)}."
            response = self.form_page(form, target, exc.status)
            response.set_header("Retry-After", str(exc.retry_after))
            return response
        if isinstance(exc, (Unauthorized, Invalid)):
            form["error"] = "Wrong username or password."
            return self.form_page(form, target, 422)
        raise exc

    def form_page(self, form: dict, target: str, status: int = 200) -> Response:
        return self.page("login", {"title": "Log in", "form": form, "return_to": target},
                         status)


class SignupPage(PageHandler):
    """GET /signup shows the form; POST /signup creates the account and logs in."""

    max_body_bytes = MAX_AUTH_BODY_BYTES

    def get(self):
        if self.session is not None:
            return Response.redirect("/", 303)
        return self.form_page({})

    def post(self):
        form = self.read_form()
        values = {"username": form.get("username").strip(), "name": form.get("name").strip(),
                  "password": form.get("password")}

        def created(user: dict) -> Response:
            token, _ = self.sessions.create(user["id"])
            response = self.done("/", f"Welcome to MiniFace, {first_name(user['name'])}! "
                                      "Find a few friends to fill your feed.")
            self.sessions.set_cookie(response, token)
            return response

        def refused(exc):
            kept = {"username": values["username"], "name": values["name"]}
            if isinstance(exc, Invalid):
                kept["errors"] = {field: SIGNUP_MESSAGES.get(field, message)
                                  for field, message in exc.fields.items()}
                return self.form_page(kept, 422)
            if isinstance(exc, Conflict):
                kept["errors"] = {"username": "That username is taken. Try another one."}
                return self.form_page(kept, 409)
            if isinstance(exc, (RateLimited, Unavailable)):
                kept["error"] = f"{exc.message} Try again {retry_phrase(exc.retry_after)}."
                response = self.form_page(kept, exc.status)
                response.set_header("Retry-After", str(exc.retry_after))
                return response
            raise exc

        future = auth.signup(self.ctx, self.server, **values, client=self.client)
        return self.server.then(future, created, on_error=refused)

    def form_page(self, form: dict, status: int = 200) -> Response:
        return self.page("signup", {"title": "Sign up", "form": form}, status)


class LogoutAction(PageHandler):
    """POST /logout ends the session and clears its cookie."""

    def post(self):
        if self.session is None:
            return Response.redirect("/", 303)
        self.read_form()
        auth.logout(self.ctx, self.request)
        response = self.done("/", "You have logged out. See you soon!")
        self.sessions.clear_cookie(response)
        return response

"""Logging in, signing up and logging out, shared by the menu and the commands.

A successful login saves the token for that server URL in the `TokenStore`; a
saved token is reused until the server refuses it (401), then forgotten.
"""

from __future__ import annotations

import logging

from .api import ApiClient, ApiError
from .config import TokenStore
from .console import Console

__all__ = ["log_in", "log_out", "prompt_login", "prompt_signup", "resume_session", "welcome"]

log = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 8  # API.md limits


def log_in(client: ApiClient, store: TokenStore, username: str, password: str) -> dict:
    """Log in and save the token; returns the user. Raises ApiError."""
    answer = client.login(username, password)
    user = answer["user"]
    store.save(client.server, answer["token"], user["username"])
    return user


def log_out(client: ApiClient, store: TokenStore) -> bool:
    """End the session on the server (if it still exists) and forget the token."""
    if client.token:
        try:
            client.logout()
        except ApiError as exc:
            if exc.status != 401:  # an already-dead session is what we wanted
                raise
    client.token = None
    return store.forget(client.server)


def resume_session(client: ApiClient, store: TokenStore) -> dict | None:
    """The user of the saved token, or None (no token, or the server refused it)."""
    saved = store.load(client.server)
    if saved is None:
        client.ping()  # say now, not after a password prompt, that the server is down
        return None
    client.token = saved["token"]
    try:
        return client.me()
    except ApiError as exc:
        if exc.status != 401:
            raise
        log.info("saved token for %s was refused", client.server)
        store.forget(client.server)
        client.token = None
        return None


def welcome(console: Console, client: ApiClient, store: TokenStore) -> dict | None:
    """Ask to log in or sign up until one works; None if the person quits."""
    style = console.style
    console.say(style.bold("Welcome to MiniFace") + style.dim(f"  {client.server}"))
    while True:
        try:
            choice = console.choose("Log in, sign up or quit?", ["login", "signup", "quit"],
                                    "login")
            if choice == "quit":
                return None
            flow = prompt_login if choice == "login" else prompt_signup
            user = flow(console, client, store)
        except (EOFError, KeyboardInterrupt):  # Ctrl-D / Ctrl-C: leave, not a traceback
            console.say()
            return None
        if user is not None:
            return user


def prompt_login(console: Console, client: ApiClient, store: TokenStore) -> dict | None:
    username = console.ask("Username: ")
    if not username:
        return None
    password = console.secret("Password: ")
    try:
        user = log_in(client, store, username, password)
    except ApiError as exc:
        console.error(exc.sentence())
        return None
    console.ok(f"Logged in as {user['name']} (@{user['username']}).")
    return user


def prompt_signup(console: Console, client: ApiClient, store: TokenStore) -> dict | None:
    console.say("Pick a username (3 to 30 letters, digits or _) and a password "
                f"of at least {MIN_PASSWORD_CHARS} characters.")
    username = console.ask("Username: ")
    name = console.ask("Your name: ")
    if not username or not name:
        return None
    password = _new_password(console)
    if password is None:
        return None
    try:
        client.signup(username, name, password)
        user = log_in(client, store, username, password)
    except ApiError as exc:
        console.error("Could not sign up: " + exc.sentence())
        return None
    console.ok(f"Welcome, {user['name']}! You are logged in as @{user['username']}.")
    return user


def _new_password(console: Console) -> str | None:
    password = console.secret("Password: ")
    if len(password) < MIN_PASSWORD_CHARS:
        console.error(f"The password needs at least {MIN_PASSWORD_CHARS} characters.")
        return None
    if console.secret("Repeat the password: ") != password:
        console.error("The two passwords differ.")
        return None
    return password

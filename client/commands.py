"""One-shot commands for scripts: login, signup, logout, whoami, post, feed, friends, send,
like, unlike, comments, comment, notifications.

Each `run_<name>(ctx, args)` returns the exit status. Output meant for
scripts (`--json`) is the API's own JSON; everything else is short text. Errors
are raised (ApiError, ServerUnreachable, CommandError) and turned into one
message on stderr by `client.main`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass

from .api import ApiClient, photo_part
from .auth import log_in, log_out, resume_session, welcome
from .config import TokenStore
from .console import Console
from .format import (
    VISIBILITY_LABELS,
    render_comment,
    render_notification,
    render_post,
    render_profile,
    render_user_rows,
)
from .interactive import Menu

__all__ = ["CommandError", "Context", "COMMANDS"]

PASSWORD_ENV = "MINIFACE_PASSWORD"
MAX_PAGE = 100  # the API's largest page (API.md)


class CommandError(Exception):
    """A problem to report in one line, with exit status 1."""


@dataclass
class Context:
    client: ApiClient
    store: TokenStore
    console: Console
    stdin: object = None

    def __post_init__(self) -> None:
        self.stdin = self.stdin or sys.stdin


def require_login(ctx: Context) -> None:
    saved = ctx.store.load(ctx.client.server)
    if saved is None:
        raise CommandError(f"You are not logged in to {ctx.client.server}. "
                           "Log in with: miniface client login --username NAME")
    ctx.client.token = saved["token"]


def read_password(ctx: Context, args, prompt: str = "Password: ") -> str:
    """From --password-stdin, then $MINIFACE_PASSWORD, then a hidden prompt."""
    if args.password_stdin:
        return ctx.stdin.readline().rstrip("\r\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if ctx.stdin.isatty():
        return ctx.console.secret(prompt)
    raise CommandError(f"No password: use --password-stdin or set {PASSWORD_ENV}.")


def _read_text(ctx: Context, text: str) -> str:
    # "-" reads the text from stdin, so long posts can come from a file or a pipe.
    return ctx.stdin.read().rstrip("\n") if text == "-" else text


def _print_json(ctx: Context, value) -> None:
    ctx.console.say(json.dumps(value, indent=2, ensure_ascii=False))


def run_login(ctx: Context, args) -> int:
    username = args.username or ctx.console.ask("Username: ")
    if not username:
        raise CommandError("A username is needed: --username NAME.")
    user = log_in(ctx.client, ctx.store, username, read_password(ctx, args))
    ctx.console.say(f"Logged in to {ctx.client.server} as {user['name']} (@{user['username']}).")
    return 0


def run_signup(ctx: Context, args) -> int:
    password = read_password(ctx, args)
    ctx.client.signup(args.username, args.name, password)
    user = log_in(ctx.client, ctx.store, args.username, password)
    ctx.console.say(f"Signed up and logged in to {ctx.client.server} as @{user['username']}.")
    return 0


def run_logout(ctx: Context, args) -> int:
    saved = ctx.store.load(ctx.client.server)
    ctx.client.token = saved["token"] if saved else None
    log_out(ctx.client, ctx.store)
    ctx.console.say(f"Logged out of {ctx.client.server}." if saved else
                    f"You were not logged in to {ctx.client.server}.")
    return 0


def run_whoami(ctx: Context, args) -> int:
    require_login(ctx)
    user = ctx.client.me()
    if args.json:
        _print_json(ctx, user)
    else:
        ctx.console.say(f"{user['name']} (@{user['username']}) at {ctx.client.server}")
    return 0


def run_profile(ctx: Context, args) -> int:
    """A person's name, username, bio and picture URL (yours without USER)."""
    require_login(ctx)
    user = ctx.client.user(args.user) if args.user else ctx.client.me()
    if args.json:
        _print_json(ctx, user)
        return 0
    ctx.console.say(render_profile(user, ctx.console.style, server=ctx.client.server))
    return 0


def run_set_profile(ctx: Context, args) -> int:
    """set-name NAME and set-bio TEXT ("-" reads stdin; "" clears the bio)."""
    require_login(ctx)
    value = _read_text(ctx, args.value)
    field = "name" if args.command == "set-name" else "bio"
    user = ctx.client.update_profile(**{field: value})
    if args.json:
        _print_json(ctx, user)
    else:
        ctx.console.say("Name changed." if field == "name" else
                        "Bio saved." if user.get("bio") else "Bio cleared.")
    return 0


def run_avatar(ctx: Context, args) -> int:
    """avatar PATH uploads a profile picture; avatar --remove goes back to initials."""
    require_login(ctx)
    if args.remove == bool(args.path):
        raise CommandError("Give a picture PATH, or --remove.")
    if args.remove:
        user = ctx.client.remove_avatar()
    else:
        try:
            picture = photo_part(args.path)
        except OSError as exc:
            raise CommandError(str(exc) if isinstance(exc, FileNotFoundError)
                               else f"Cannot read {args.path}: {exc.strerror}.") from None
        user = ctx.client.set_avatar(picture)
    if args.json:
        _print_json(ctx, user)
    elif args.remove:
        ctx.console.say("Profile picture removed.")
    else:
        ctx.console.say(f"Profile picture set: {ctx.client.server}{user['avatar_url']}")
    return 0


def run_post(ctx: Context, args) -> int:
    require_login(ctx)
    text = _read_text(ctx, args.text or "")
    try:
        photo = photo_part(args.photo) if args.photo else None
    except OSError as exc:
        raise CommandError(str(exc) if isinstance(exc, FileNotFoundError)
                           else f"Cannot read {args.photo}: {exc.strerror}.") from None
    if not text and photo is None:
        raise CommandError("Nothing to post: give some text or --photo PATH.")
    post = ctx.client.create_post(text, args.visibility, photo)
    if args.json:
        _print_json(ctx, post)
    else:
        ctx.console.say(f"Posted #{post['id']} ({VISIBILITY_LABELS[post['visibility']]}).")
    return 0


def run_feed(ctx: Context, args) -> int:
    require_login(ctx)
    posts, before = [], args.before
    while len(posts) < args.limit:
        page = ctx.client.feed(min(MAX_PAGE, args.limit - len(posts)), before)
        posts += page["posts"]
        before = page.get("next_before")
        if before is None or not page["posts"]:
            break
    if args.json:
        _print_json(ctx, {"posts": posts, "next_before": before})
    elif not posts:
        ctx.console.say("Your feed is empty.")
    else:
        width = shutil.get_terminal_size().columns
        ctx.console.say("\n\n".join(render_post(p, ctx.console.style, width=width,
                                                server=ctx.client.server) for p in posts))
    return 0


def run_friends(ctx: Context, args) -> int:
    require_login(ctx)
    friends = ctx.client.friends()
    if args.json:
        _print_json(ctx, {"friends": friends})
    elif not friends:
        ctx.console.say("No friends yet.")
    else:
        ctx.console.say(render_user_rows(friends, ctx.console.style))
    return 0


def run_send(ctx: Context, args) -> int:
    require_login(ctx)
    text = _read_text(ctx, args.message)
    if not text.strip():
        raise CommandError("Nothing to send.")
    message = ctx.client.send_message(args.user.lstrip("@"), text)
    if args.json:
        _print_json(ctx, message)
    else:
        ctx.console.say(f"Sent to @{message['to']}.")
    return 0


def run_chat(ctx: Context, args) -> int:
    """Chat with one friend, then exit (the menu's chat without the menu)."""
    user = resume_session(ctx.client, ctx.store) or welcome(ctx.console, ctx.client, ctx.store)
    if user is None:
        return 0
    menu = Menu(ctx.console, ctx.client, ctx.store, user, poll=getattr(args, "poll", False))
    menu.dispatch("chat", args.user or "")
    return 0


def run_like(ctx: Context, args) -> int:
    require_login(ctx)
    state = (ctx.client.unlike if args.command == "unlike" else ctx.client.like)(args.post)
    if args.json:
        _print_json(ctx, state)
    else:
        verb = "You like" if state["liked"] else "You no longer like"
        ctx.console.say(f"{verb} post #{args.post} ({state['likes']} "
                        f"like{'' if state['likes'] == 1 else 's'}).")
    return 0


def run_comments(ctx: Context, args) -> int:
    require_login(ctx)
    page = ctx.client.comments(args.post, min(MAX_PAGE, args.limit))
    if args.json:
        _print_json(ctx, page)
    elif not page["comments"]:
        ctx.console.say(f"No comments on post #{args.post} yet.")
    else:
        width = shutil.get_terminal_size().columns
        ctx.console.say("\n".join(render_comment(c, ctx.console.style, width=width)
                                  for c in page["comments"]))
    return 0


def run_comment(ctx: Context, args) -> int:
    require_login(ctx)
    text = _read_text(ctx, args.text)
    if not text.strip():
        raise CommandError("Nothing to say: give the comment's text (or - to read stdin).")
    comment = ctx.client.add_comment(args.post, text)
    if args.json:
        _print_json(ctx, comment)
    else:
        ctx.console.say(f"Commented on post #{args.post} (c{comment['id']}).")
    return 0


def run_notifications(ctx: Context, args) -> int:
    """Print the latest notifications; --mark-read marks those shown as read."""
    require_login(ctx)
    page = ctx.client.notifications(min(MAX_PAGE, args.limit))
    notes = page["notifications"]
    if args.mark_read and notes:
        ctx.client.mark_notifications_read(up_to=notes[0]["id"])
    if args.json:
        _print_json(ctx, page)
    elif not notes:
        ctx.console.say("No notifications yet.")
    else:
        ctx.console.say("\n".join(render_notification(n, ctx.console.style) for n in notes))
    return 0


COMMANDS = {
    "login": run_login, "signup": run_signup, "logout": run_logout, "whoami": run_whoami,
    "post": run_post, "feed": run_feed, "friends": run_friends, "send": run_send,
    "chat": run_chat, "like": run_like, "unlike": run_like, "comments": run_comments,
    "comment": run_comment, "notifications": run_notifications,
    "profile": run_profile, "set-name": run_set_profile, "set-bio": run_set_profile,
    "avatar": run_avatar,
}

"""`miniface client`: the terminal client for MiniFace, over the JSON API only.

    miniface client [--server URL]                  interactive menu (log in / sign up first)
    miniface client login --username U              save a login token for scripts
    miniface client post "text" [--photo PATH] [--visibility friends]
    miniface client feed [--json] [--limit N]
    miniface client friends [--json]
    miniface client send USER "message"

The server is --server, else $MINIFACE_SERVER, else http://127.0.0.1:8080.
Exit status: 0 done, 1 failed (message on stderr), 2 bad arguments, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .api import DEFAULT_SERVER, ApiClient, ApiError, ServerUnreachable, normalize_server_url
from .commands import COMMANDS, CommandError, Context
from .config import TokenStore
from .console import Console
from .format import Style

__all__ = ["main", "build_parser"]

log = logging.getLogger(__name__)

SERVER_ENV = "MINIFACE_SERVER"
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def build_parser() -> argparse.ArgumentParser:
    # Options shared by every level, so "--server" works before or after the command.
    # SUPPRESS keeps a subcommand's default from hiding a value given earlier.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", default=argparse.SUPPRESS, metavar="URL",
                        help=f"MiniFace server (default ${SERVER_ENV} or {DEFAULT_SERVER})")
    common.add_argument("--no-color", action="store_true", default=argparse.SUPPRESS,
                        help="plain output (also when NO_COLOR is set)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log each request on stderr")
    parser = argparse.ArgumentParser(
        prog="miniface client", parents=[common],
        description="The MiniFace terminal client. Without a command it opens the "
                    "interactive menu: feed, posts, likes and comments, notifications, "
                    "people, friends, chat.",
        epilog="Run 'miniface client COMMAND --help' for the options of a command.")
    _poll_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_account_commands(sub, common)
    _add_content_commands(sub, common)
    _add_social_commands(sub, common)
    _add_profile_commands(sub, common)
    return parser


def _poll_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--poll", action="store_true", default=argparse.SUPPRESS,
                        help="in chat, check for new messages every 2 s instead of keeping "
                             "a live event stream open (for proxies that buffer streams)")


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin "
                             "(else $MINIFACE_PASSWORD, else a hidden prompt)")


def _add_account_commands(sub, common) -> None:
    login = sub.add_parser("login", parents=[common], help="log in and save the token",
                           description="Log in and save the token for this server "
                                       "(in ~/.config/miniface/token.json, mode 0600).")
    login.add_argument("--username", "-u", help="your username (asked if missing)")
    _password_option(login)
    signup = sub.add_parser("signup", parents=[common], help="create an account and log in",
                            description="Create an account, then log in.")
    signup.add_argument("--username", "-u", required=True, help="3 to 30 letters, digits or _")
    signup.add_argument("--name", required=True, help="your name as others see it")
    _password_option(signup)
    sub.add_parser("logout", parents=[common], help="log out and forget the saved token",
                   description="End the session on the server and forget the saved token.")
    whoami = sub.add_parser("whoami", parents=[common], help="show who is logged in",
                            description="Show who the saved token belongs to.")
    whoami.add_argument("--json", action="store_true", help="print the user as JSON")


def _add_profile_commands(sub, common) -> None:
    profile = sub.add_parser("profile", parents=[common], help="show a profile and its bio",
                             description="Show your profile, or USER's: name, bio, picture.")
    profile.add_argument("user", nargs="?", metavar="USER", help="a username (default: you)")
    profile.add_argument("--json", action="store_true", help="print the user as JSON")
    set_name = sub.add_parser("set-name", parents=[common], help="change your display name",
                              description='Change your display name (NAME "-" reads stdin).')
    set_name.add_argument("value", metavar="NAME", help="1 to 80 characters")
    set_name.add_argument("--json", action="store_true", help="print you as JSON")
    set_bio = sub.add_parser("set-bio", parents=[common], help="change your bio",
                             description='Change your bio: up to 500 characters; TEXT "-" '
                                         'reads stdin, "" clears it.')
    set_bio.add_argument("value", metavar="TEXT", help="a few words about you")
    set_bio.add_argument("--json", action="store_true", help="print you as JSON")
    avatar = sub.add_parser("avatar", parents=[common], help="set or remove your picture",
                            description="Upload a profile picture (PNG, JPEG, GIF, WebP; "
                                        "cropped to a square; public like your name), or "
                                        "--remove it.")
    avatar.add_argument("path", nargs="?", metavar="PATH", help="the picture file")
    avatar.add_argument("--remove", action="store_true", help="go back to initials")
    avatar.add_argument("--json", action="store_true", help="print you as JSON")


def _add_content_commands(sub, common) -> None:
    post = sub.add_parser("post", parents=[common], help="write a post",
                          description='Write a post. TEXT "-" reads the text from stdin.')
    post.add_argument("text", nargs="?", metavar="TEXT", help="what to say")
    post.add_argument("--photo", metavar="PATH", help="attach a photo (PNG, JPEG, GIF, WebP)")
    post.add_argument("--visibility", choices=["public", "friends", "private"],
                      default="friends", help="who can see it (default: friends)")
    post.add_argument("--json", action="store_true", help="print the new post as JSON")
    feed = sub.add_parser("feed", parents=[common], help="print your feed",
                          description="Print your feed, newest first.")
    feed.add_argument("--limit", type=_positive_int, default=20, metavar="N",
                      help="how many posts (default 20)")
    feed.add_argument("--before", type=_positive_int, metavar="ID",
                      help="only posts older than post ID")
    feed.add_argument("--json", action="store_true",
                      help='print {"posts": [...], "next_before": ...} as JSON')
    friends = sub.add_parser("friends", parents=[common], help="list your friends",
                             description="List your friends.")
    friends.add_argument("--json", action="store_true", help='print {"friends": [...]}')
    send = sub.add_parser("send", parents=[common], help="send a chat message",
                          description='Send a chat message to a friend. MESSAGE "-" reads stdin.')
    send.add_argument("user", metavar="USER", help="your friend's username")
    send.add_argument("message", metavar="MESSAGE", help="what to say")
    send.add_argument("--json", action="store_true", help="print the sent message as JSON")
    chat = sub.add_parser("chat", parents=[common], help="chat with a friend, then exit",
                          description="Open a live chat with a friend; /quit leaves.")
    chat.add_argument("user", nargs="?", metavar="USER", help="your friend's username")
    _poll_option(chat)


def _add_social_commands(sub, common) -> None:
    for name, what in (("like", "like a post"), ("unlike", "take your like back")):
        command = sub.add_parser(name, parents=[common], help=what,
                                 description=f"{what[0].upper()}{what[1:]} (by its number, #N).")
        command.add_argument("post", type=_post_id, metavar="POST", help="the post's number")
        command.add_argument("--json", action="store_true", help='print {"likes", "liked"}')
    comments = sub.add_parser("comments", parents=[common], help="print a post's comments",
                              description="The latest comments of a post, oldest first.")
    comments.add_argument("post", type=_post_id, metavar="POST", help="the post's number")
    comments.add_argument("--limit", type=_positive_int, default=20, metavar="N",
                          help="how many (default 20, at most 100)")
    comments.add_argument("--json", action="store_true", help="print the API's JSON")
    comment = sub.add_parser("comment", parents=[common], help="comment on a post",
                             description="Write a comment (TEXT, or - to read stdin).")
    comment.add_argument("post", type=_post_id, metavar="POST", help="the post's number")
    comment.add_argument("text", metavar="TEXT", help="what to say")
    comment.add_argument("--json", action="store_true", help="print the comment as JSON")
    notes = sub.add_parser("notifications", parents=[common], help="print your notifications",
                           description="Likes, comments and friend news, newest first.")
    notes.add_argument("--limit", type=_positive_int, default=20, metavar="N",
                       help="how many (default 20, at most 100)")
    notes.add_argument("--mark-read", action="store_true", help="mark those shown as read")
    notes.add_argument("--json", action="store_true", help="print the API's JSON")


def _post_id(text: str) -> int:
    """A post number as "12" or "#12"."""
    return _positive_int(text.lstrip("#"))


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the client; returns the exit status (never raises for expected failures)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or bad arguments (2)
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    plain = getattr(args, "no_color", False)
    errors = Console(stdout=sys.stderr, style=Style(False) if plain else None)
    try:
        server = normalize_server_url(getattr(args, "server", None)
                                      or os.environ.get(SERVER_ENV) or DEFAULT_SERVER)
    except ValueError as exc:
        errors.error(f"{exc}.")
        return 2
    style = Style(False) if plain else Style.for_stream(sys.stdout)
    ctx = Context(ApiClient(server), TokenStore(), Console(style=style))
    return _run(ctx, args, errors)


def _run(ctx: Context, args, errors: Console) -> int:
    try:
        if args.command is None:
            from .interactive import run
            return run(ctx.console, ctx.client, ctx.store, poll=getattr(args, "poll", False))
        return COMMANDS[args.command](ctx, args)
    except (ServerUnreachable, CommandError) as exc:
        errors.error(str(exc))
    except ApiError as exc:
        errors.error(exc.sentence())
        if exc.status == 401 and args.command not in ("login", "signup"):
            ctx.store.forget(ctx.client.server)
            errors.say(f"Log in again with: miniface client login --server {ctx.client.server}")
    except KeyboardInterrupt:
        errors.say()
        return EXIT_INTERRUPTED
    except EOFError:  # stdin ended while a command still wanted an answer
        errors.error("Input ended before the command had what it needs.")
    except BrokenPipeError:
        # The reader went away (`feed | head`); point stdout at /dev/null so the
        # interpreter's final flush does not complain about the pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_FAILED

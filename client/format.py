"""Turning API objects into text for a terminal: posts, people, messages, times.

Every function returns a string and takes a `Style`; a disabled style emits no
escape codes, so the same code serves pipes, files and `NO_COLOR` users
(https://no-color.org: colour is off whenever NO_COLOR is set and not empty).
"""

from __future__ import annotations

import os
import re
import textwrap
import unicodedata
from datetime import datetime, timedelta, timezone

__all__ = [
    "Style", "display_width", "friendship_label", "notification_sentence", "parse_time",
    "relative_time", "render_comment", "render_message", "render_notification", "render_post",
    "render_profile", "render_table", "render_user_rows", "VISIBILITY_LABELS",
]

VISIBILITY_LABELS = {"public": "public", "friends": "friends", "private": "only me"}

# datetime.UTC needs Python 3.11; MiniFace supports 3.10.
_UTC = timezone(timedelta(0))

FRIENDSHIP_LABELS = {
    "self": "you",
    "friends": "friends",
    "request_sent": "request sent",
    "request_received": "wants to be your friend",
    "none": "",
}


class Style:
    """ANSI styling that can be switched off as a whole."""

    _CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33",
              "blue": "34", "magenta": "35", "cyan": "36"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream, env=None) -> Style:
        """Colour only on a terminal, and never when NO_COLOR is set."""
        env = os.environ if env is None else env
        isatty = getattr(stream, "isatty", lambda: False)
        return cls(bool(isatty()) and not env.get("NO_COLOR") and env.get("TERM") != "dumb")

    def paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(self._CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def __getattr__(self, name: str):
        # style.bold("x"), style.dim("x"), ... as shorthands for paint().
        if name in self._CODES:
            return lambda text: self.paint(text, name)
        raise AttributeError(name)


def parse_time(value: str) -> datetime:
    """An API time ('2026-11-26T12:00:00Z') as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_UTC)
    return parsed.astimezone(_UTC)


def relative_time(value: str, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago', then a date."""
    try:
        then = parse_time(value)
    except (TypeError, ValueError):
        return value or ""
    now = now or datetime.now(_UTC)
    seconds = (now - then).total_seconds()
    if seconds < 60:  # includes small clock skew into the future
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    local = then.astimezone()
    if local.year == now.astimezone().year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"


def clock_time(value: str) -> str:
    """Local 'HH:MM' for today, else 'D Mon HH:MM' (chat timestamps)."""
    try:
        local = parse_time(value).astimezone()
    except (TypeError, ValueError):
        return ""
    if local.date() == datetime.now().astimezone().date():
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal (escape codes none, wide characters two)."""
    text = _ANSI_ESCAPE.sub("", text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.combining(ch) else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def render_table(rows: list[list[str]], style: Style, column_styles=()) -> str:
    """Rows of plain cells as aligned columns; styles apply after padding."""
    if not rows:
        return ""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cell = _pad(cell, widths[i]) if i < len(row) - 1 else cell
            styles = column_styles[i] if i < len(column_styles) else ()
            cells.append(style.paint(cell, *styles) if cell.strip() else cell)
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def friendship_label(state: str | None) -> str:
    return FRIENDSHIP_LABELS.get(state or "none", state or "")


def render_user_rows(users: list[dict], style: Style, *, numbered: bool = False,
                     start: int = 1, online: set[str] = frozenset(),
                     notes: dict[str, str] | None = None) -> str:
    """People as a table: [number] @username, name, friendship (or "online"), note."""
    rows = []
    for i, user in enumerate(users, start):
        status = "online" if user["username"] in online else friendship_label(user.get("friendship"))
        note = (notes or {}).get(user["username"])
        status = ", ".join(part for part in (status, note) if part)
        row = ["@" + user["username"], user.get("name", ""), status]
        rows.append(([f"{i:>2}"] if numbered else []) + row)
    styles = ([("dim",)] if numbered else []) + [("bold",), (), ("green",)]
    return render_table(rows, style, styles)


def render_profile(user: dict, style: Style, *, server: str = "") -> str:
    """A person: name and @username (with the friendship), the bio, the picture's URL."""
    head = f"{style.bold(user['name'])} @{user['username']}"
    relation = user.get("friendship")
    if relation and relation not in ("self", "none"):
        head += style.dim(f"  ({friendship_label(relation)})")
    lines = [head, user.get("bio") or style.dim("(no bio yet)")]
    if user.get("avatar_url"):
        lines.append(f"Picture: {server}{user['avatar_url']}")
    return "\n".join(lines)


def render_post(post: dict, style: Style, *, width: int = 80, server: str = "",
                now: datetime | None = None) -> str:
    """A post as a card: header line, the text with its line breaks, the photo link."""
    author = post.get("author") or {}
    visibility = VISIBILITY_LABELS.get(post.get("visibility"), post.get("visibility", ""))
    header = "  ".join([
        style.dim(f"#{post['id']}"),
        style.bold(author.get("name", "")) + " " + style.cyan("@" + author.get("username", "")),
        style.dim(f"{relative_time(post.get('created_at', ''), now)} · {visibility}"),
    ])
    lines = [header]
    indent = "     "
    for paragraph in (post.get("body") or "").splitlines() or []:
        lines.extend(textwrap.wrap(paragraph, max(20, width - len(indent)),
                                   initial_indent=indent, subsequent_indent=indent) or [""])
    if post.get("image_url"):
        url = post["image_url"]
        if url.startswith("/"):
            url = server + url
        lines.append(indent + style.magenta("[photo] ") + url)
    social = _social_line(post)
    if social:
        lines.append(indent + style.dim(social))
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _social_line(post: dict) -> str:
    """'3 likes (you too) · 2 comments · edited', or '' when there is nothing to say
    (and for servers older than likes, whose posts lack the fields)."""
    parts = []
    likes = post.get("likes") or 0
    if likes:
        parts.append(_plural(likes, "like") + (" (you too)" if post.get("liked") else ""))
    if post.get("comments"):
        parts.append(_plural(post["comments"], "comment"))
    if post.get("edited_at"):
        parts.append("edited")
    return " · ".join(parts)


def render_comment(comment: dict, style: Style, *, width: int = 80,
                   now: datetime | None = None) -> str:
    """'  [c7] Bob Builder @bob  5 min ago' then the text, indented."""
    author = comment.get("author") or {}
    header = "  ".join([
        style.dim(f"[c{comment['id']}]"),
        style.bold(author.get("name", "")) + " " + style.cyan("@" + author.get("username", "")),
        style.dim(relative_time(comment.get("created_at", ""), now)),
    ])
    indent = "       "
    lines = ["  " + header]
    for paragraph in (comment.get("body") or "").splitlines():
        lines.extend(textwrap.wrap(paragraph, max(20, width - len(indent)),
                                   initial_indent=indent, subsequent_indent=indent) or [""])
    return "\n".join(lines)


_NOTIFICATION_TEXT = {
    "like": "liked your post #{post}",
    "comment": "commented on your post #{post}",
    "reply": "also commented on post #{post}",
    "friend_request": "wants to be your friend",
    "friend_accepted": "accepted your friend request",
}


def notification_sentence(note: dict) -> str:
    """'@bob liked your post #12' (the kinds of API.md v1.1)."""
    actor = (note.get("actor") or {}).get("username", "?")
    text = _NOTIFICATION_TEXT.get(note.get("kind"), note.get("kind", "did something"))
    return f"@{actor} " + text.format(post=note.get("post_id"))


def render_notification(note: dict, style: Style, now: datetime | None = None) -> str:
    """One line: a dot when unread, the sentence, the time."""
    mark = style.yellow("●") if not note.get("read") else " "
    return (f"{mark} {notification_sentence(note)}  "
            + style.dim(relative_time(note.get("created_at", ""), now)))


def render_message(message: dict, me: str, style: Style) -> str:
    """A chat line: '12:03 bob: hello' (my own name shown as 'me')."""
    sender = message.get("from", "?")
    name = "me" if sender == me else sender
    who = style.green(name) if sender == me else style.cyan(name)
    stamp = clock_time(message.get("created_at", ""))
    lines = (message.get("body") or "").split("\n")
    text = f"{style.dim(stamp)} {who}: {lines[0]}"
    pad = " " * (display_width(stamp) + display_width(name) + 3)
    return "\n".join([text] + [pad + line for line in lines[1:]])

"""View models: store rows turned into the plain dicts the templates read.

Templates only test and print; every decision (relative times, initials, avatar
colour, which friendship button, which menu) is made here, so it can be tested
without HTML. Every dict carries every key its partial reads, because Mustache
looks a missing key up in the enclosing scopes, and a post without `is_mine`
must not borrow one from the page.
"""

from __future__ import annotations

import time
import zlib

from ..profiles import AVATAR_LARGE, AVATAR_SMALL, avatar_url
from ..store.times import iso
from ..store.visibility import FRIENDS, PRIVATE, PUBLIC

__all__ = [
    "AVATAR_COLOURS", "VISIBILITIES", "avatar_index", "comment_view", "exact_time", "initials",
    "joined", "like_summary", "plural", "post_view", "relative_time", "relative_time_until",
    "user_view",
    "visibility_options",
]

# Eight avatar colours (`.avatar--c0` .. `.avatar--c7` in style.css), all dark enough
# for white initials at WCAG AA.
AVATAR_COLOURS = 8

# (value, label, icon) in the order the selectors offer them.
VISIBILITIES = (
    (PUBLIC, "Public", "globe"),
    (FRIENDS, "Friends", "users"),
    (PRIVATE, "Only me", "lock"),
)
_VISIBILITY = {value: (label, icon) for value, label, icon in VISIBILITIES}

_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_FRIENDSHIP_FLAGS = {"none": "fs_none", "request_sent": "fs_sent",
                     "request_received": "fs_received", "friends": "fs_friends",
                     "self": "fs_self"}


def avatar_index(username: str) -> int:
    """A stable colour number for a username (the same on every page and process)."""
    return zlib.crc32(username.lower().encode("utf-8")) % AVATAR_COLOURS


def initials(name: str, username: str = "") -> str:
    """Up to two capital letters: first and last word of the name ("Ada Lovelace" -> "AL")."""
    words = [w for w in name.split() if w[:1].isalnum()]
    if not words:
        return (username[:1] or "?").upper()
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def relative_time(ts: int, now: int) -> str:
    """"just now", "5 min ago", "2 h ago", "yesterday", "3 days ago", then a date."""
    seconds = max(0, int(now) - int(ts))
    if seconds < 45:
        return "just now"
    if seconds < _HOUR:
        return f"{max(1, round(seconds / _MINUTE))} min ago"
    if seconds < _DAY:
        return f"{seconds // _HOUR} h ago"
    if seconds < 2 * _DAY:
        return "yesterday"
    if seconds < 7 * _DAY:
        return f"{seconds // _DAY} days ago"
    then = time.gmtime(ts)
    if then.tm_year == time.gmtime(now).tm_year:
        return f"{then.tm_mday} {time.strftime('%b', then)}"
    return f"{then.tm_mday} {time.strftime('%b %Y', then)}"


def relative_time_until(ts: int, now: int) -> int:
    """The first time after `now` at which `relative_time(ts, ...)` may read otherwise
    than at `now` (it may also read the same then): a text shown at `now` holds for
    every moment from `now` up to, not including, this one."""
    now = int(now)
    seconds = max(0, now - int(ts))
    if seconds < 45:
        step_end = 45
    elif seconds < _HOUR:
        # round(seconds / 60) changes only at k minutes and a half (exactly there,
        # rounding half to even may go either way): at 30 or 31 seconds past a minute.
        step_end = min(_HOUR, 30 + _MINUTE * ((seconds - 30) // _MINUTE + 1),
                       31 + _MINUTE * ((seconds - 31) // _MINUTE + 1))
    elif seconds < _DAY:
        step_end = (seconds // _HOUR + 1) * _HOUR
    elif seconds < 2 * _DAY:
        step_end = 2 * _DAY
    elif seconds < 7 * _DAY:
        step_end = (seconds // _DAY + 1) * _DAY
    else:
        # A date: it changes only with the year of `now`; the next midnight is sooner.
        return (now // _DAY + 1) * _DAY
    return now + (step_end - seconds)


def exact_time(ts: int) -> str:
    """The full UTC time for tooltips: "26 Nov 2026, 12:00 UTC"."""
    then = time.gmtime(ts)
    return f"{then.tm_mday} {time.strftime('%b %Y, %H:%M', then)} UTC"


def joined(ts: int) -> str:
    """"November 2026"."""
    return time.strftime("%B %Y", time.gmtime(ts))


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


def visibility_options(selected: str) -> list[dict]:
    return [{"value": value, "label": label, "selected": value == selected}
            for value, label, _ in VISIBILITIES]


def user_view(user: dict, *, friendship: str | None = None) -> dict:
    """A user for templates: names, initials, avatar class, the picture's URLs
    (`has_avatar`; the small size for lists and cards, the large one for the
    profile header; initials on a colour when there is none), the bio, profile
    URL, and one `fs_*` flag per friendship state (all False when `friendship`
    is None)."""
    colour = avatar_index(user["username"])
    avatar_name = user.get("avatar_name")
    view = {
        "id": user["id"],
        "username": user["username"],
        "name": user["name"],
        "first_name": first_name(user["name"]),
        "initials": initials(user["name"], user["username"]),
        "avatar_class": f"avatar--c{colour}",
        "cover_class": f"cover--c{colour}",
        "has_avatar": bool(avatar_name),
        "avatar_src": avatar_url(avatar_name, AVATAR_SMALL) or "",
        "avatar_large_src": avatar_url(avatar_name, AVATAR_LARGE) or "",
        "bio": user.get("bio") or "",
        "url": f"/u/{user['username']}",
        "friendship": friendship or "",
    }
    for state, flag in _FRIENDSHIP_FLAGS.items():
        view[flag] = friendship == state
    return view


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def like_summary(likes: int, liked: bool) -> str:
    """The counts line: "You", "You and 3 others", "4 likes"."""
    if liked:
        others = likes - 1
        return "You" if others <= 0 else f"You and {plural(others, 'other')}"
    return plural(likes, "like")


def comment_view(comment: dict, *, viewer_id: int | None, post_author_id: int,
                 now: int) -> dict:
    """A comment for `_comment`; `can_delete` for its writer and the post's author."""
    created = int(comment["created_at"])
    return {
        "id": comment["id"],
        "post_id": comment["post_id"],
        "author": user_view(comment["author"]),
        "body": comment["body"],
        "time_iso": iso(created),
        "time_title": exact_time(created),
        "time_relative": relative_time(created, now),
        "can_delete": _can_delete(comment, viewer_id, post_author_id),
    }


def _can_delete(comment: dict, viewer_id, post_author_id: int) -> bool:
    return viewer_id is not None and viewer_id in (comment["author"]["id"], post_author_id)


def _is_mine(post: dict, viewer_id) -> bool:
    return viewer_id is not None and viewer_id == post["author_id"]


def card_viewer_part(post: dict, comments, viewer_id) -> tuple:
    """Everything `post_view` shows differently to different viewers, apart from the
    row's own `liked`: whether they wrote the post, whether they may act on it
    (logged in), which of the shown comments they may delete. The card cache
    (cards.py) keys on it, so a rule for a viewer goes through here."""
    return (_is_mine(post, viewer_id), viewer_id is not None,
            tuple(_can_delete(c, viewer_id, post["author_id"]) for c in comments or ()))


def _social_view(post: dict, viewer_id, now: int, comments) -> dict:
    """The v1.1 part of a post card: counts, the Like state, the latest comments."""
    likes, count = int(post.get("likes") or 0), int(post.get("comments") or 0)
    liked = bool(post.get("liked"))
    shown = [comment_view(c, viewer_id=viewer_id, post_author_id=post["author_id"], now=now)
             for c in (comments or [])]
    edited = post.get("edited_at")
    return {
        "likes": likes, "liked": liked, "has_likes": likes > 0,
        "like_summary": like_summary(likes, liked),
        "like_action": "unlike" if liked else "like",
        "comment_count": count, "has_comments": count > 0,
        "comment_summary": plural(count, "comment"),
        "latest_comments": shown,
        "has_earlier_comments": count > len(shown),
        "earlier_comments_url": f"/posts/{post['id']}#comments",
        "can_act": viewer_id is not None,
        "edited": edited is not None,
        "edited_title": f"Edited {exact_time(int(edited))}" if edited is not None else "",
    }


def post_view(post: dict, *, viewer_id: int | None, now: int, image_url,
              comments: list | None = None) -> dict:
    """A post for `_post_card`. `image_url(image_name)` builds the photo's URL;
    `comments` are the ones to show under it (oldest first)."""
    author = {"id": post["author_id"], "username": post["author_username"],
              "name": post["author_name"], "avatar_name": post.get("author_avatar_name"),
              "bio": post.get("author_bio")}
    label, icon = _VISIBILITY.get(post["visibility"], ("Only me", "lock"))
    created = int(post["created_at"])
    body = post["body"] or ""
    is_mine = _is_mine(post, viewer_id)
    return {
        "id": post["id"],
        "url": f"/posts/{post['id']}",
        "author": user_view(author),
        "body": body,
        "visibility": post["visibility"],
        "visibility_label": label,
        "visibility_icon": icon,
        "visibility_options": visibility_options(post["visibility"]) if is_mine else [],
        "image_url": image_url(post["image_name"]) if post.get("image_name") else "",
        "image_alt": body[:300] if body.strip() else f"Photo by {post['author_name']}",
        "time_iso": iso(created),
        "time_title": exact_time(created),
        "time_relative": relative_time(created, now),
        "is_mine": is_mine,
        **_social_view(post, viewer_id, now, comments),
    }

"""Likes, comments and notifications in the interactive menu (API.md v1.1).

`SocialCommands` is mixed into `interactive.Menu`, which provides `console`,
`style`, `client` and `user`. Posts are named by their number (#12, shown on
every post card); comments by theirs ([c7], shown on every comment).
"""

from __future__ import annotations

import shutil

from .format import render_comment, render_notification, render_post

__all__ = ["SOCIAL_COMMANDS", "SocialCommands"]

SOCIAL_COMMANDS = [
    ("like", "like a post (by its number)"),
    ("unlike", "take your like back"),
    ("comments", "read a post's comments, write or delete one"),
    ("notifications", "likes, comments and friend news; marks them read"),
]
COMMENT_PAGE = 20
NOTIFICATION_PAGE = 20


def post_number(text: str) -> int | None:
    """12 from "12" or "#12"; None for anything else."""
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 19 else None


class SocialCommands:
    """do_like, do_unlike, do_comments, do_notifications for the menu."""

    def _ask_post(self, arg: str) -> int | None:
        number = post_number(arg or self.console.ask("Post number (shown as #N): "))
        if number is None:
            self.console.warn("A post number looks like 12 or #12.")
        return number

    def do_like(self, arg: str) -> None:
        post_id = self._ask_post(arg)
        if post_id is not None:
            state = self.client.like(post_id)
            self.console.ok(f"You like post #{post_id} ({_likes(state['likes'])}).")

    def do_unlike(self, arg: str) -> None:
        post_id = self._ask_post(arg)
        if post_id is not None:
            state = self.client.unlike(post_id)
            self.console.ok(f"You no longer like post #{post_id} ({_likes(state['likes'])}).")

    def do_comments(self, arg: str) -> None:
        post_id = self._ask_post(arg)
        if post_id is None:
            return
        width = shutil.get_terminal_size().columns
        self.console.say(render_post(self.client.post(post_id), self.style, width=width,
                                     server=self.client.server))
        while True:
            self._show_comments(post_id, width)
            answer = self.console.ask(self.style.dim(
                "Write a comment · d N deletes comment cN · Enter to go back: "))
            if not answer:
                return
            self._comment_action(post_id, answer)

    def _show_comments(self, post_id: int, width: int) -> None:
        page = self.client.comments(post_id, limit=COMMENT_PAGE)
        if page.get("next_before") is not None:
            self.console.say(self.style.dim("  (earlier comments are not shown)"))
        if not page["comments"]:
            self.console.say(self.style.dim("  No comments yet."))
        for comment in page["comments"]:
            self.console.say(render_comment(comment, self.style, width=width))

    def _comment_action(self, post_id: int, answer: str) -> None:
        word, _, rest = answer.partition(" ")
        target = rest.strip().lower().lstrip("c")
        if word.lower() in ("d", "del", "delete") and target.isdigit():
            self.client.delete_comment(int(target))
            self.console.ok(f"Deleted comment c{target}.")
            return
        comment = self.client.add_comment(post_id, answer)
        self.console.ok(f"Commented on #{post_id} (c{comment['id']}).")

    def do_notifications(self, arg: str) -> None:
        page = self.client.notifications(limit=NOTIFICATION_PAGE)
        notes = page["notifications"]
        if not notes:
            self.console.say("No notifications yet.")
            return
        for note in notes:
            self.console.say(render_notification(note, self.style))
        if page["unread"]:
            self.client.mark_notifications_read(up_to=notes[0]["id"])
            self.console.say(self.style.dim(f"Marked {page['unread']} as read."))


def _likes(count: int) -> str:
    return f"{count} like" + ("" if count == 1 else "s")

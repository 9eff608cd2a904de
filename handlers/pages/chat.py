"""The chat pages: the conversation list, one conversation, and sending by form.

Without JavaScript everything is a page: opening a conversation marks it read,
the send box is a form POST that redirects back to the newest message, and
"Load older" is a link. assets/live.js adds live delivery on top (new bubbles,
counts, presence) and sends through the JSON API without leaving the page.
"""

from __future__ import annotations

from urllib.parse import quote

from reactor import Response

from .. import messages as chat
from ..base import page_params
from ..errors import Invalid
from ..store import friends as friend_store
from ..store import live as live_store
from ..store.times import iso
from . import present
from .base import PageHandler

__all__ = ["ChatPage", "ChatSend", "CHAT_PAGE_SIZE"]

CHAT_PAGE_SIZE = 30
# "Start a chat" lists this many friends not talked to yet, by name (all of them are
# on /friends, a page at a time): 5,000 friends made a 2.1 MB chat page.
CHAT_OTHERS = 60
SNIPPET_CHARS = 80


def message_view(row: dict, *, viewer_id: int, now: int) -> dict:
    created = int(row["created_at"])
    return {"id": row["id"], "body": row["body"], "mine": row["sender_id"] == viewer_id,
            "from": row["from_username"], "time_iso": iso(created),
            "time_title": present.exact_time(created),
            "time_relative": present.relative_time(created, now)}


def snippet(text: str) -> str:
    """The first line of a message, shortened for the conversation list."""
    line = " ".join(text.split())
    return line if len(line) <= SNIPPET_CHARS else line[:SNIPPET_CHARS - 1] + "…"


class ChatPage(PageHandler):
    """GET /chat and GET /chat/{username}: the list, and one conversation."""

    nav = "chat"

    def get(self, username: str | None = None):
        if self.session is None:
            return self.login_redirect()
        return self.page("chat", self.chat_context(username))

    def chat_context(self, username: str | None, draft: str = "", error: str = "") -> dict:
        """Everything chat.mustache reads; `draft` and `error` after a refused send."""
        conversation = self.conversation(username, draft, error) if username else None
        # Read after opening the conversation, so its unread count is already zero.
        people = self.conversation_list(conversation["with"]["id"] if conversation else None)
        title = f"Chat with {conversation['with']['name']}" if conversation else "Chat"
        return {"title": title, "conversations": people["conversations"],
                "has_conversations": bool(people["conversations"]),
                "others": people["others"], "has_others": bool(people["others"]),
                "more_others": people["more_others"],
                "conversation": conversation, "chat_with": username or ""}

    def conversation(self, username: str, draft: str, error: str) -> dict:
        _, before = page_params(self.request)
        other, rows = chat.read_conversation(self.ctx, viewer_id=self.viewer_id,
                                             username=username, before=before,
                                             limit=CHAT_PAGE_SIZE)
        older = rows[CHAT_PAGE_SIZE - 1]["id"] if len(rows) > CHAT_PAGE_SIZE else None
        rows = rows[:CHAT_PAGE_SIZE]
        now = self.now()
        online = live_store.online_ids(self.db, user_ids=[other["id"]], now=now)
        with_view = present.user_view(other, friendship="friends")
        with_view["online"] = other["id"] in online
        return {"with": with_view,
                "messages": [message_view(r, viewer_id=self.viewer_id, now=now)
                             for r in reversed(rows)],
                "has_messages": bool(rows),
                "older_url": f"/chat/{other['username']}?before={older}" if older else "",
                "is_older_page": before is not None,
                "draft": draft, "error": error,
                "max_chars": chat.MAX_MESSAGE_CHARS}

    def conversation_list(self, open_id: int | None) -> dict:
        """Conversations (newest first) and the friends not talked to yet."""
        now = self.now()
        rows = chat.conversations(self.ctx, viewer_id=self.viewer_id)
        talked = {row["with"]["id"] for row in rows}
        # Enough friends by name that CHAT_OTHERS + 1 of them are not talked to yet,
        # if there are as many: the + 1 tells whether more follow.
        friends = [friend for friend in friend_store.friends_of(
            self.db, user_id=self.viewer_id, limit=CHAT_OTHERS + 1 + len(talked))
            if friend["id"] not in talked]
        more_others = len(friends) > CHAT_OTHERS
        friends = friends[:CHAT_OTHERS]
        everyone = [row["with"]["id"] for row in rows] + [f["id"] for f in friends]
        online = live_store.online_ids(self.db, user_ids=everyone, now=now)
        conversations = []
        for row in rows:
            view = present.user_view(row["with"])
            view.update(online=row["with"]["id"] in online, unread=row["unread"],
                        current=row["with"]["id"] == open_id,
                        last_mine=row["last"]["sender_id"] == self.viewer_id,
                        last_text=snippet(row["last"]["body"]),
                        last_time_iso=iso(row["last"]["created_at"]),
                        last_time_title=present.exact_time(row["last"]["created_at"]),
                        last_time=present.relative_time(row["last"]["created_at"], now))
            conversations.append(view)
        others = []
        for friend in friends:
            view = present.user_view(friend, friendship="friends")
            view.update(online=friend["id"] in online, current=friend["id"] == open_id)
            others.append(view)
        return {"conversations": conversations, "others": others, "more_others": more_others}


class ChatSend(ChatPage):
    """POST /chat/{username}/send: send from the form, back to the newest message."""

    def get(self, username: str):
        return Response.redirect(f"/chat/{quote(username)}", 303)

    def post(self, username: str):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        body = form.get("body") or ""
        try:
            row = chat.send_message(self.ctx, sender_id=self.viewer_id, username=username,
                                    body=body)
        except Invalid as exc:
            problem = exc.fields.get("body", exc.message)
            context = self.chat_context(username, draft=body,
                                        error=f"Not sent: {problem}.")
            return self.page("chat", context, status=422)
        # Not friends (403) or no such person (404) propagate as error pages.
        return self.done(f"/chat/{row['to_username']}#m-{row['id']}")

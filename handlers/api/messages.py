"""Chat: the conversation list, one conversation (paged, marks read), sending."""

from __future__ import annotations

from reactor import Response

from .. import messages as chat
from ..base import ApiHandler, page_params
from .shapes import page_of, users_json

__all__ = ["Conversation", "Conversations"]


class Conversations(ApiHandler):
    def get(self):
        viewer_id = self.require_session().user_id
        rows = chat.conversations(self.ctx, viewer_id=viewer_id)
        people = users_json(self.ctx, viewer_id, [row["with"] for row in rows])
        return Response.json({"conversations": [
            {"with": person, "last": chat.message_json(row["last"]), "unread": row["unread"]}
            for person, row in zip(people, rows, strict=True)]})


class Conversation(ApiHandler):
    def get(self, username):
        viewer_id = self.require_session().user_id
        limit, before = page_params(self.request)
        _, rows = chat.read_conversation(self.ctx, viewer_id=viewer_id, username=username,
                                         before=before, limit=limit)
        rows, next_before = page_of(rows, limit)
        return Response.json({"messages": [chat.message_json(row) for row in rows],
                              "next_before": next_before})

    def post(self, username):
        sender_id = self.require_session().user_id
        body = self.json_body().get("body")
        row = chat.send_message(self.ctx, sender_id=sender_id, username=username, body=body)
        return Response.json(chat.message_json(row), 201)

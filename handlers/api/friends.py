"""Friends: the list, pending requests both ways, and the request/accept/undo actions."""

from __future__ import annotations

from reactor import Response

from .. import friends as friend_service
from ..base import ApiHandler
from ..store import friends as friend_store
from .shapes import user_json

__all__ = ["Friend", "Friends", "FriendRequests"]


class Friends(ApiHandler):
    def get(self):
        viewer_id = self.require_session().user_id
        friends = friend_store.friends_of(self.db, user_id=viewer_id)
        return Response.json({"friends": [user_json(u, "friends") for u in friends]})


class FriendRequests(ApiHandler):
    def get(self):
        viewer_id = self.require_session().user_id
        incoming = friend_store.incoming_requests(self.db, user_id=viewer_id)
        outgoing = friend_store.outgoing_requests(self.db, user_id=viewer_id)
        return Response.json({"incoming": [user_json(u, "request_received") for u in incoming],
                              "outgoing": [user_json(u, "request_sent") for u in outgoing]})


class Friend(ApiHandler):
    def post(self, username):
        session = self.require_session()
        other, state = friend_service.befriend(self.ctx, viewer=session.user, username=username)
        return Response.json(user_json(other, state), 201 if state == "request_sent" else 200)

    def delete(self, username):
        session = self.require_session()
        friend_service.unfriend(self.ctx, viewer=session.user, username=username)
        return Response.empty(204)

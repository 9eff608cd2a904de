"""Friends: the list, pending requests both ways, and the request/accept/undo actions."""

from __future__ import annotations

from reactor import Response

from .. import friends as friend_service
from ..base import ApiHandler, before_param, offset_param, optional_limit, page_params, request_page
from ..store import friends as friend_store
from .shapes import user_json

__all__ = ["Friend", "Friends", "FriendRequests"]


class Friends(ApiHandler):
    """Your friends by name: all of them (at most `max_friends`), or with `limit` a
    page of them from `offset`, continued by the answer's `next_offset` (null at
    the end, and always null without `limit`)."""

    def get(self):
        viewer_id = self.require_session().user_id
        limit, offset = optional_limit(self.request), offset_param(self.request)
        if limit is None:
            # The whole list, bounded by the cap on friends (5,000 are about 760 KB).
            friends = friend_store.friends_of(self.db, user_id=viewer_id)[offset:]
            next_offset = None
        else:
            friends = friend_store.friends_of(self.db, user_id=viewer_id, limit=limit + 1,
                                              offset=offset)
            next_offset = offset + limit if len(friends) > limit else None
            friends = friends[:limit]
        return Response.json({"friends": [user_json(u, "friends") for u in friends],
                              "next_offset": next_offset})


class FriendRequests(ApiHandler):
    """Pending requests both ways, newest first, each list a page of `limit`:
    `incoming_before` / `outgoing_before` continue a list from the
    `incoming_next_before` / `outgoing_next_before` of the previous answer."""

    def get(self):
        viewer_id = self.require_session().user_id
        limit, _ = page_params(self.request)
        body = {}
        for side, fetch, state in (("incoming", friend_store.incoming_requests, "request_received"),
                                   ("outgoing", friend_store.outgoing_requests, "request_sent")):
            before = before_param(self.request, f"{side}_before")
            rows, next_before = request_page(
                fetch(self.db, user_id=viewer_id, before=before, limit=limit + 1), limit)
            body[side] = [user_json(u, state) for u in rows]
            body[f"{side}_next_before"] = next_before
        return Response.json(body)


class Friend(ApiHandler):
    def post(self, username):
        session = self.require_session()
        other, state = friend_service.befriend(self.ctx, viewer=session.user, username=username)
        return Response.json(user_json(other, state), 201 if state == "request_sent" else 200)

    def delete(self, username):
        session = self.require_session()
        friend_service.unfriend(self.ctx, viewer=session.user, username=username)
        return Response.empty(204)

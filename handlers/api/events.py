"""Live updates: `GET /api/events` (Server-Sent Events) and `GET /api/friends/online`.

The stream carries `message`, `friend_request`, `friend_accepted` and `presence`
events, each one JSON `data:` line; the reactor adds a comment heartbeat when
the stream has been quiet for `stream_heartbeat` seconds (15 by default). What
is sent, and when, is the live hub's business (handlers/live.py).
"""

from __future__ import annotations

from reactor import Response

from .. import presence
from ..base import ApiHandler, optional_limit
from .shapes import user_json

__all__ = ["Events", "OnlineFriends"]


class Events(ApiHandler):
    def get(self):
        session = self.require_session()
        stream = self.ctx.live.open_stream(self.server, session.user_id,
                                           session_key=session.token_hash)
        # nginx and friends buffer responses unless told not to; events must flow.
        return Response.stream(stream, headers=[("X-Accel-Buffering", "no")])


class OnlineFriends(ApiHandler):
    """Online friends by name: all of them (at most `max_friends`), or the first
    `limit` (the home page's box asks for as many as it shows)."""

    def get(self):
        user_id = self.require_session().user_id
        online = presence.online_friends(self.ctx, user_id=user_id,
                                         limit=optional_limit(self.request))
        return Response.json({"online": [user_json(u, "friends") for u in online]})

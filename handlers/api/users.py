"""People: search, one profile, and the posts of one person this viewer may see."""

from __future__ import annotations

from reactor import Response

from ..base import ApiHandler, page_params
from ..errors import BadRequest
from ..friends import find_user
from ..store import posts as post_store
from ..store import users as user_store
from ..store.errors import QueryTimeout
from .shapes import one_user_json, page_of, posts_json, users_json

__all__ = ["User", "UserPosts", "Users"]

MAX_QUERY_CHARS = 100


class Users(ApiHandler):
    def get(self):
        viewer_id = self.require_session().user_id
        limit, _ = page_params(self.request)
        q = (self.request.arg("q") or "").strip()
        if len(q) > MAX_QUERY_CHARS:
            raise BadRequest(f"`q` may be up to {MAX_QUERY_CHARS} characters.")
        if not q:
            return Response.json({"users": []})
        try:
            found = user_store.search_users(self.db, q=q, limit=limit)
        except QueryTimeout:
            raise BadRequest(user_store.SEARCH_TOO_BROAD) from None
        return Response.json({"users": users_json(self.ctx, viewer_id, found)})


class User(ApiHandler):
    def get(self, username):
        viewer_id = self.require_session().user_id
        return Response.json(one_user_json(self.ctx, viewer_id, find_user(self.ctx, username)))


class UserPosts(ApiHandler):
    def get(self, username):
        viewer_id = self.require_session().user_id
        author = find_user(self.ctx, username)
        limit, before = page_params(self.request)
        rows = post_store.posts_by(self.db, author_id=author["id"], viewer_id=viewer_id,
                                   before=before, limit=limit + 1)
        rows, next_before = page_of(rows, limit)
        return Response.json({"posts": posts_json(self.ctx, viewer_id, rows),
                              "next_before": next_before})

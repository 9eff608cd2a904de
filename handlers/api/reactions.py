"""Likes and comments (API.md v1.1): like, unlike, who likes, list, write and delete
comments. Every route is 404 for a post the viewer cannot see (handlers/reactions.py)."""

from __future__ import annotations

from reactor import Response

from .. import reactions
from ..base import ApiHandler, page_params
from .shapes import comment_json, comments_json, users_json

__all__ = ["Comment", "Comments", "Like", "Likes"]


class Like(ApiHandler):
    def post(self, id):
        viewer_id = self.require_session().user_id
        return Response.json(reactions.like_post(self.ctx, viewer_id=viewer_id, post_id=id))

    def delete(self, id):
        viewer_id = self.require_session().user_id
        return Response.json(reactions.unlike_post(self.ctx, viewer_id=viewer_id, post_id=id))


class Likes(ApiHandler):
    def get(self, id):
        viewer_id = self.require_session().user_id
        limit, _ = page_params(self.request)
        users = reactions.post_likers(self.ctx, viewer_id=viewer_id, post_id=id, limit=limit)
        return Response.json({"users": users_json(self.ctx, viewer_id, users)})


class Comments(ApiHandler):
    def get(self, id):
        viewer_id = self.require_session().user_id
        limit, before = page_params(self.request)
        rows, next_before = reactions.list_comments(self.ctx, viewer_id=viewer_id, post_id=id,
                                                    before=before, limit=limit)
        return Response.json({"comments": comments_json(self.ctx, viewer_id, rows),
                              "next_before": next_before})

    def post(self, id):
        viewer_id = self.require_session().user_id
        data = self.json_body()
        comment = reactions.add_comment(self.ctx, viewer_id=viewer_id, post_id=id,
                                        body=data.get("body"))
        return Response.json(comment_json(self.ctx, viewer_id, comment), 201)


class Comment(ApiHandler):
    def delete(self, id):
        viewer_id = self.require_session().user_id
        reactions.delete_comment(self.ctx, viewer_id=viewer_id, comment_id=id)
        return Response.empty(204)

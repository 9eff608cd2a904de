"""Posts and the feed: list, publish (JSON or multipart with a photo), read,
edit (text and/or visibility), delete."""

from __future__ import annotations

from reactor import Response

from .. import posts as post_service
from ..base import ApiHandler, page_params
from ..config import UPLOADS_POOL
from ..forms import MULTIPART, FormLimits, media_type, parse_form
from ..sessions import CSRF_FIELD
from ..store import posts as post_store
from .shapes import page_of, posts_json

__all__ = ["Feed", "Post", "Posts"]


def _post_response(ctx, viewer_id: int, post: dict, status: int = 200) -> Response:
    return Response.json(posts_json(ctx, viewer_id, [post])[0], status)


class Feed(ApiHandler):
    def get(self):
        session = self.require_session()
        limit, before = page_params(self.request)
        rows = post_store.feed_for(self.db, viewer_id=session.user_id, before=before,
                                   limit=limit + 1)
        rows, next_before = page_of(rows, limit)
        return Response.json({"posts": posts_json(self.ctx, session.user_id, rows),
                              "next_before": next_before})


class Posts(ApiHandler):
    accepts_uploads = True  # body_limits.py: a photo's worth for a logged-in poster

    def post(self):
        session = self.require_session(form_allowed=True)
        if media_type(self.request) == MULTIPART:
            return self._from_form(session)
        data = self.json_body()
        future = post_service.create_post(self.ctx, self.server, author_id=session.user_id,
                                          body=data.get("body"),
                                          visibility=data.get("visibility"))
        return self._created(session, future)

    def _from_form(self, session):
        # Parsing a multipart body of megabytes is CPU work: do it on the pool.
        limits = FormLimits.from_config(self.config)
        parsed = self.server.defer(parse_form, self.request, limits, pool=UPLOADS_POOL)

        def publish(form):
            if self.form_token_required:
                try:
                    self.sessions.check_form_token(session, form.get(CSRF_FIELD, None))
                except Exception:
                    form.close()
                    raise
            return post_service.create_post(
                self.ctx, self.server, author_id=session.user_id, body=form.get("body", None),
                visibility=form.get("visibility", None), image=form.file("image"))

        return self._created(session, self.server.then(parsed, publish))

    def _created(self, session, future):
        return self.server.then(
            future, lambda post: _post_response(self.ctx, session.user_id, post, 201))


class Post(ApiHandler):
    def get(self, id):
        viewer_id = self.require_session().user_id
        post = post_service.visible_post(self.ctx, viewer_id=viewer_id, post_id=id)
        return _post_response(self.ctx, viewer_id, post)

    def patch(self, id):
        viewer_id = self.require_session().user_id
        data = self.json_body()
        changes = {key: data[key] for key in ("body", "visibility") if key in data}
        post = post_service.edit_post(self.ctx, viewer_id=viewer_id, post_id=id, changes=changes)
        return _post_response(self.ctx, viewer_id, post)

    def delete(self, id):
        viewer_id = self.require_session().user_id
        post_service.delete_post(self.ctx, viewer_id=viewer_id, post_id=id)
        return Response.empty(204)

"""Writing, re-scoping and deleting posts from the browser, over `handlers.posts`.

The composer posts multipart (it may carry a photo): the body is parsed on the
thread pool, then CSRF-checked and handed to `posts.create_post` on the loop. A
post that cannot be published re-renders the home page with the text kept and
the reason under the composer.

Deleting asks first: the post menu's form carries no `confirm` field, so without
JavaScript the server answers with a confirmation page; app.js asks with
`confirm()` instead and adds `confirm=yes` itself.
"""

from __future__ import annotations

import re

from reactor import HTTPError, Response

from .. import posts
from ..config import UPLOADS_POOL
from ..errors import Forbidden, Invalid
from ..forms import FormLimits, parse_form
from ..store.visibility import DEFAULT_VISIBILITY, FRIENDS, PRIVATE, PUBLIC
from .base import PageHandler
from .home import home_context

__all__ = ["PostCreate", "PostDelete", "PostVisibility"]

_POST_PAGE_RE = re.compile(r"/posts/(\d+)(?:[/?#]|$)")
VISIBILITY_DONE = {
    PUBLIC: "Updated: everyone can see this post.",
    FRIENDS: "Updated: only your friends can see this post.",
    PRIVATE: "Updated: only you can see this post.",
}
BODY_MESSAGES = {
    "write something or add a photo": "Write something or add a photo.",
    "no control characters": "The text contains characters that cannot be shown.",
}


def composer_error(exc: HTTPError) -> str:
    """What to tell the author under the composer when a post is refused."""
    if isinstance(exc, Invalid):
        if "body" in exc.fields:
            message = exc.fields["body"]
            return BODY_MESSAGES.get(message, f"Posts can be {message}.")
        return "Choose who can see the post: Public, Friends or Only me."
    return exc.message or "The post could not be published."


class PostCreate(PageHandler):
    """POST /posts: publish from the composer, then back to where it was."""

    accepts_uploads = True  # body_limits.py: a photo's worth for a logged-in poster

    nav = "home"

    def post(self):
        if self.session is None:
            return self.login_redirect()
        limits = FormLimits.from_config(self.config)
        if not self.is_multipart():
            return self.publish(self.read_form())
        parsed = self.server.defer(parse_form, self.request, limits, pool=UPLOADS_POOL)
        return self.server.then(parsed, self.checked_publish, on_error=self.refused)

    def checked_publish(self, form):
        try:
            self.check_csrf(form)
        except HTTPError:
            form.close()
            raise
        return self.publish(form)

    def publish(self, form):
        body = form.get("body")
        visibility = form.get("visibility")
        target = self.next_location(form)

        def refused(exc: Exception) -> Response:
            return self.refused(exc, body=body, visibility=visibility)

        future = posts.create_post(self.ctx, self.server, author_id=self.viewer_id, body=body,
                                   visibility=visibility, image=form.file("image"))
        return self.server.then(future, lambda post: self.done(target, "Your post is up."),
                                on_error=refused)

    def refused(self, exc: Exception, *, body: str = "", visibility: str = "") -> Response:
        if not isinstance(exc, HTTPError) or exc.status not in (413, 415, 422):
            raise exc
        if visibility not in posts.VISIBILITIES:
            visibility = DEFAULT_VISIBILITY
        composer = self.composer(body or "", visibility, composer_error(exc))
        return self.page("home", home_context(self, composer), exc.status)


class _OwnPostAction(PageHandler):
    def own_post(self, post_id: int) -> dict:
        post = posts.visible_post(self.ctx, viewer_id=self.viewer_id, post_id=post_id)
        if post["author_id"] != self.viewer_id:
            raise Forbidden("Only the author can change this post.")
        return post


class PostVisibility(_OwnPostAction):
    """POST /posts/{id}/visibility: the author changes who may see a post."""

    def post(self, post_id: int):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        visibility = form.get("visibility")
        target = self.next_location(form)
        try:
            posts.change_visibility(self.ctx, viewer_id=self.viewer_id, post_id=post_id,
                                    visibility=visibility)
        except Invalid:
            return self.done(target, "Choose Public, Friends or Only me.", "error")
        return self.done(target, VISIBILITY_DONE[visibility])


class PostDelete(_OwnPostAction):
    """POST /posts/{id}/delete: with `confirm=yes` delete, without it ask first."""

    def post(self, post_id: int):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        target = self.next_location(form)
        if _POST_PAGE_RE.match(target):
            target = "/"  # the post's own page is about to disappear
        if form.get("confirm") != "yes":
            view = self.post_views([self.own_post(post_id)])[0]
            return self.page("confirm_delete", {"title": "Delete post?", "post": view,
                                                "return_to": target})
        posts.delete_post(self.ctx, viewer_id=self.viewer_id, post_id=post_id)
        return self.done(target, "Post deleted.")

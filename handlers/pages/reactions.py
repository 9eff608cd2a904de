"""Likes, comments and post edits from the browser, over `handlers.reactions` and
`handlers.posts`.

Each action is a CSRF-checked form POST that ends in a 303 back to the page it
came from (its `next` field), at the post card it acted on (`#post-ID`), so the
site works without JavaScript; assets/social.js sends the same actions through
the JSON API instead and updates the card in place. A post the viewer cannot see
is a 404 page, as everywhere.
"""

from __future__ import annotations

from .. import posts, reactions
from ..errors import Forbidden, Invalid
from .base import PageHandler

__all__ = ["CommentCreate", "CommentDelete", "PostEditPage", "PostLike", "PostUnlike"]

COMMENT_PROBLEMS = {
    "write something": "Write something first.",
    "no control characters": "The comment contains characters that cannot be shown.",
}


def at_post(location: str, post_id: int) -> str:
    """`location` scrolled to the post's card (unless it already names a place)."""
    return location if "#" in location else f"{location}#post-{post_id}"


class _Action(PageHandler):
    def begin(self):
        """(form, where to go back to) for a logged-in viewer; None when logged out."""
        if self.session is None:
            return None
        form = self.read_form()
        return form, self.next_location(form)


class PostLike(_Action):
    """POST /posts/{id}/like."""

    def post(self, post_id: int):
        started = self.begin()
        if started is None:
            return self.login_redirect()
        reactions.like_post(self.ctx, viewer_id=self.viewer_id, post_id=post_id)
        return self.done(at_post(started[1], post_id))


class PostUnlike(_Action):
    """POST /posts/{id}/unlike."""

    def post(self, post_id: int):
        started = self.begin()
        if started is None:
            return self.login_redirect()
        reactions.unlike_post(self.ctx, viewer_id=self.viewer_id, post_id=post_id)
        return self.done(at_post(started[1], post_id))


class CommentCreate(_Action):
    """POST /posts/{id}/comments: a refused comment comes back as a flash message."""

    def post(self, post_id: int):
        started = self.begin()
        if started is None:
            return self.login_redirect()
        form, target = started
        try:
            comment = reactions.add_comment(self.ctx, viewer_id=self.viewer_id,
                                            post_id=post_id, body=form.get("body"))
        except Invalid as exc:
            problem = exc.fields.get("body", "")
            message = COMMENT_PROBLEMS.get(problem, f"Comments can be {problem}.")
            return self.done(at_post(target, post_id), message, "error")
        return self.done(at_post(target, post_id) if "#" in target
                         else f"{target}#c-{comment['id']}", "Comment added.")


class CommentDelete(_Action):
    """POST /comments/{id}/delete: by its writer or the post's author."""

    def post(self, comment_id: int):
        started = self.begin()
        if started is None:
            return self.login_redirect()
        comment = reactions.delete_comment(self.ctx, viewer_id=self.viewer_id,
                                           comment_id=comment_id)
        return self.done(at_post(started[1], comment["post_id"]), "Comment deleted.")


class PostEditPage(PageHandler):
    """GET /posts/{id}/edit: the author's form for the text; POST saves it."""

    def get(self, post_id: int):
        if self.session is None:
            return self.login_redirect()
        return self.editor(self.own_post(post_id))

    def post(self, post_id: int):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        post = self.own_post(post_id)
        body = form.get("body")
        try:
            posts.edit_post(self.ctx, viewer_id=self.viewer_id, post_id=post_id,
                            changes={"body": body or ""})
        except Invalid as exc:
            return self.editor(post, body or "", exc.fields.get("body", "invalid text"), 422)
        return self.done(self.next_location(form, f"/posts/{post_id}"), "Post updated.")

    def own_post(self, post_id: int) -> dict:
        post = posts.visible_post(self.ctx, viewer_id=self.viewer_id, post_id=post_id)
        if post["author_id"] != self.viewer_id:
            raise Forbidden("Only the author can edit this post.")
        return post

    def editor(self, post: dict, body: str | None = None, error: str = "", status: int = 200):
        view = self.post_views([post], comments={})[0]
        back = f"/posts/{post['id']}"
        return self.page("edit_post", {
            "title": "Edit post", "post": view, "edit_body": post["body"] if body is None
            else body, "edit_error": error, "has_photo": bool(post["image_name"]),
            "return_to": back}, status)

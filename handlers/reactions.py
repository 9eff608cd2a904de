"""Likes and comments on posts, shared by the JSON API and the pages.

The one visibility rule covers all of it: whoever cannot see a post gets 404 for
its likes and comments, for reading them as for adding or removing them, exactly
as for the post itself (`posts.visible_post`). A comment may be deleted by the one
who wrote it and by the post's author (403 for anyone else who can see it).

Every function here runs on the loop thread and answers at once. The store writes
each action together with its notifications (store/likes.py, store/comments.py).
"""

from __future__ import annotations

import logging

from .base import MAX_ID
from .errors import Forbidden, Invalid, NotFound
from .posts import visible_post
from .store import comments as comment_store
from .store import likes as like_store
from .text_rules import is_clean_text

__all__ = ["MAX_COMMENT_CHARS", "add_comment", "delete_comment", "like_post", "list_comments",
           "post_likers", "unlike_post", "validate_comment"]

log = logging.getLogger(__name__)

# API.md v1.1: comments of 1 to 2,000 characters (as long as a chat message).
MAX_COMMENT_CHARS = 2000


def like_post(ctx, *, viewer_id: int, post_id: int) -> dict:
    """The viewer likes the post (once, however often asked): {"likes", "liked"}."""
    post = visible_post(ctx, viewer_id=viewer_id, post_id=post_id)
    like_store.like(ctx.db, post_id=post_id, user_id=viewer_id, author_id=post["author_id"],
                    now=ctx.now())
    return {"likes": like_store.like_count(ctx.db, post_id=post_id), "liked": True}


def unlike_post(ctx, *, viewer_id: int, post_id: int) -> dict:
    """Take the viewer's like back (no error if there was none)."""
    visible_post(ctx, viewer_id=viewer_id, post_id=post_id)
    like_store.unlike(ctx.db, post_id=post_id, user_id=viewer_id)
    return {"likes": like_store.like_count(ctx.db, post_id=post_id), "liked": False}


def post_likers(ctx, *, viewer_id: int, post_id: int, limit: int = 20) -> list:
    """Who likes a post the viewer can see: the viewer's friends first."""
    visible_post(ctx, viewer_id=viewer_id, post_id=post_id)
    return like_store.likers(ctx.db, post_id=post_id, viewer_id=viewer_id, limit=limit)


def validate_comment(body) -> str:
    """The text with Windows line ends made "\\n"; `Invalid` naming `body` unless it
    is 1 to MAX_COMMENT_CHARS characters with something besides spaces."""
    if not isinstance(body, str):
        problem = "must be text"
    else:
        body = body.replace("\r\n", "\n")
        if not body.strip():
            problem = "write something"
        elif len(body) > MAX_COMMENT_CHARS:
            problem = f"up to {MAX_COMMENT_CHARS:,} characters"
        elif not is_clean_text(body):
            problem = "no control characters"
        else:
            return body
    raise Invalid({"body": problem}, f"The comment: {problem}.")


def add_comment(ctx, *, viewer_id: int, post_id: int, body) -> dict:
    """Comment on a post the viewer can see; returns the comment (store shape)."""
    post = visible_post(ctx, viewer_id=viewer_id, post_id=post_id)
    body = validate_comment(body)
    comment = comment_store.add_comment(ctx.db, post_id=post_id, author_id=viewer_id,
                                        post_author_id=post["author_id"], body=body,
                                        now=ctx.now())
    log.info("user %d commented %d on post %d", viewer_id, comment["id"], post_id)
    return comment


def list_comments(ctx, *, viewer_id, post_id: int, before=None,
                  limit: int = 20) -> tuple[list, int | None]:
    """(the latest `limit` comments below `before`, oldest first; next_before)."""
    visible_post(ctx, viewer_id=viewer_id, post_id=post_id)
    rows = comment_store.comments_before(ctx.db, post_id=post_id, before=before,
                                         limit=min(limit + 1, comment_store.MAX_COMMENT_PAGE))
    if len(rows) > limit:
        rows = rows[1:]
        return rows, rows[0]["id"]
    return rows, None


def delete_comment(ctx, *, viewer_id: int, comment_id: int) -> dict:
    """Delete a comment (and its notifications); returns the deleted comment.

    404 when it does not exist or its post is hidden from the viewer; 403 unless
    the viewer wrote the comment or the post."""
    comment = (comment_store.get_comment(ctx.db, comment_id=comment_id)
               if comment_id <= MAX_ID else None)
    if comment is None:
        raise NotFound("No such comment.")
    try:
        post = visible_post(ctx, viewer_id=viewer_id, post_id=comment["post_id"])
    except NotFound:
        raise NotFound("No such comment.") from None
    if viewer_id not in (comment["author"]["id"], post["author_id"]):
        raise Forbidden("Only its writer or the post's author can delete a comment.")
    comment_store.delete_comment(ctx.db, comment_id=comment_id)
    log.info("user %d deleted comment %d", viewer_id, comment_id)
    return comment

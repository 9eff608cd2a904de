"""Posts: writing, changing, deleting and finding them; shared by the API and the pages.

Who may see a post is decided in one place, `store/visibility.py`; everything here
goes through `get_visible_post` / `visible_post_for_image`, so a post the viewer
may not see is a 404, the same as a post that does not exist. Only the author
may change or delete a post they can see (403 otherwise).

`create_post` returns a future (storing a photo means decoding it on the pool);
the rest answer at once on the loop thread.
"""

from __future__ import annotations

import logging

from .base import MAX_ID, completed, failed
from .config import UPLOADS_POOL
from .errors import Forbidden, Invalid, NotFound
from .store import posts as post_store
from .store.visibility import DEFAULT_VISIBILITY, VISIBILITIES
from .text_rules import is_clean_text
from .uploads import delete_image, image_path, is_image_name, store_image

__all__ = ["DEFAULT_VISIBILITY", "MAX_BODY_CHARS", "PHOTO_URL_PREFIX", "VISIBILITIES",
           "change_visibility", "create_post", "delete_post", "edit_post", "photo_file",
           "photo_url", "validate_post", "visible_post"]

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 5000
PHOTO_URL_PREFIX = "/photos/"


def photo_url(image_name: str | None) -> str | None:
    """The URL a post's photo is served at (visibility-checked), or None."""
    return PHOTO_URL_PREFIX + image_name if image_name else None


def validate_post(body, visibility, *, has_image: bool) -> tuple[str, str]:
    """(body, visibility) cleaned up, or `Invalid` naming the bad fields.

    A missing body is "", a missing visibility is DEFAULT_VISIBILITY; a post needs
    text or a photo. Windows line ends become "\\n"; nothing else is changed.
    """
    problems = {}
    if body is None:
        body = ""
    if not isinstance(body, str):
        problems["body"] = "must be text"
    else:
        body = body.replace("\r\n", "\n")
        if len(body) > MAX_BODY_CHARS:
            problems["body"] = f"up to {MAX_BODY_CHARS:,} characters"
        elif not is_clean_text(body):
            problems["body"] = "no control characters"
        elif not body.strip() and not has_image:
            problems["body"] = "write something or add a photo"
    if visibility is None or visibility == "":
        visibility = DEFAULT_VISIBILITY
    if visibility not in VISIBILITIES:
        problems["visibility"] = "public, friends or private"
    if problems:
        raise Invalid(problems)
    return body, visibility


def create_post(ctx, server, *, author_id: int, body, visibility, image=None):
    """Publish a post. Future of the new post dict.

    `image` is an `UploadedFile` (from `forms.parse_form`) or None; it is checked
    and stored on the pool, then closed. Fails with `Invalid` (422), `TooLarge`
    (413) or `UnsupportedMediaType` (415).
    """
    try:
        body, visibility = validate_post(body, visibility, has_image=image is not None)
    except Invalid as exc:
        if image is not None:
            image.close()
        return failed(exc)

    def insert(image_name):
        try:
            post = post_store.create_post(ctx.db, author_id=author_id, body=body,
                                          visibility=visibility, image_name=image_name,
                                          now=ctx.now())
        except BaseException:
            delete_image(ctx.config.uploads_dir, image_name)
            raise
        log.info("user %d posted %d (%s%s)", author_id, post["id"], visibility,
                 ", with a photo" if image_name else "")
        return post

    if image is None:
        try:
            return completed(insert(None))
        except Exception as exc:  # handed to the caller through the future
            return failed(exc)
    return server.then(server.defer(_store_and_close, image, ctx.config, pool=UPLOADS_POOL),
                       insert)


def _store_and_close(image, config) -> str:
    try:
        return store_image(image.file, config.uploads_dir, max_bytes=config.max_image_bytes,
                           max_pixels=config.max_image_pixels,
                           max_animation_pixels=config.max_animation_pixels,
                           max_animation_canvas_pixels=config.max_animation_canvas_pixels)
    finally:
        image.close()


def visible_post(ctx, *, viewer_id: int | None, post_id: int) -> dict:
    """The post if the viewer may see it; 404 otherwise (missing or hidden alike)."""
    if post_id > MAX_ID:  # a URL's digits can exceed what sqlite can bind
        raise NotFound("No such post.")
    post = post_store.get_visible_post(ctx.db, post_id=post_id, viewer_id=viewer_id)
    if post is None:
        raise NotFound("No such post.")
    return post


def _own_post(ctx, viewer_id: int, post_id: int) -> dict:
    post = visible_post(ctx, viewer_id=viewer_id, post_id=post_id)
    if post["author_id"] != viewer_id:
        raise Forbidden("Only the author can change this post.")
    return post


def change_visibility(ctx, *, viewer_id: int, post_id: int, visibility) -> dict:
    """Set who may see the viewer's own post; returns the updated post.
    404 if not visible, 403 if not the author, 422 for an unknown visibility."""
    if visibility not in VISIBILITIES:
        raise Invalid({"visibility": "public, friends or private"})
    _own_post(ctx, viewer_id, post_id)
    post_store.set_visibility(ctx.db, post_id=post_id, visibility=visibility)
    return post_store.get_post(ctx.db, post_id=post_id, viewer_id=viewer_id)


def edit_post(ctx, *, viewer_id: int, post_id: int, changes: dict) -> dict:
    """Change the text and/or visibility of the viewer's own post: `changes` holds
    "body" and/or "visibility". A changed text sets `edited_at`. 404 if not
    visible, 403 if not the author, 422 as for a new post (naming the field), and
    422 when neither field is given."""
    if "body" not in changes and "visibility" not in changes:
        raise Invalid({"body": "send a new body and/or visibility"},
                      "Nothing to change: send body and/or visibility.")
    post = _own_post(ctx, viewer_id, post_id)
    body = changes.get("body", post["body"])
    visibility = changes.get("visibility", post["visibility"])
    if body is None:
        raise Invalid({"body": "must be text"})
    if visibility is None or visibility == "":
        # Only a new post takes "" for the default; an edit names what it wants.
        raise Invalid({"visibility": "public, friends or private"})
    body, visibility = validate_post(body, visibility,
                                     has_image=post["image_name"] is not None)
    post_store.edit_post(ctx.db, post_id=post_id, now=ctx.now(),
                         body=body if "body" in changes else None,
                         visibility=visibility if "visibility" in changes else None)
    log.info("user %d edited post %d", viewer_id, post_id)
    return post_store.get_post(ctx.db, post_id=post_id, viewer_id=viewer_id)


def delete_post(ctx, *, viewer_id: int, post_id: int) -> None:
    """Delete the viewer's own post and its photo file. 404 / 403 as above."""
    _own_post(ctx, viewer_id, post_id)
    image_name = post_store.delete_post(ctx.db, post_id=post_id)
    delete_image(ctx.config.uploads_dir, image_name)
    log.info("user %d deleted post %d", viewer_id, post_id)


def photo_file(ctx, *, viewer_id: int | None, image_name: str):
    """The path of a post's photo if the viewer may see that post; 404 otherwise."""
    # Visibility first: a node fetches a photo from the database (image_path) only
    # for a viewer who may see it, and a deleted post's photo is refused here.
    if not is_image_name(image_name) or post_store.visible_post_for_image(
            ctx.db, image_name=image_name, viewer_id=viewer_id) is None:
        raise NotFound("No such photo.")
    return image_path(ctx.config.uploads_dir, image_name)

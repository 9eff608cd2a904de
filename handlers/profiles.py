"""Profiles: the name and bio a person shows, and their profile picture. Services
shared by the JSON API (`PATCH /api/me`, `PUT`/`DELETE /api/me/avatar`) and the
settings page.

A profile picture is public, like a name: anyone who can reach the server, logged
in or not, may fetch it from `/avatars/<file>` while it is the account's current
picture. It is checked like a post photo (handlers/uploads.py: Pillow, the byte,
pixel and animation limits), its centre cropped to a square, and stored in two
sizes through the same media functions as photos (`store_avatar`, `image_path`,
`delete_image`): AVATAR_SMALL for lists, cards and the top bar, AVATAR_LARGE for
the profile header. Only pixels are re-encoded, so EXIF (GPS positions, camera
serials) never leaves the server. The files of a replaced or removed picture are
deleted after the row stops naming them, and so are those of a deleted account
(handlers/accounts.py); their URLs answer 404 from then on.
"""

from __future__ import annotations

import logging
import re

from .auth import NAME_MAX_CHARS, NAME_RULE
from .base import failed
from .config import UPLOADS_POOL
from .errors import Invalid, NotFound, Unauthorized
from .store import users as user_store
from .text_rules import is_clean_name, is_clean_text
from .uploads import avatar_file, delete_image, image_path, store_avatar

__all__ = ["AVATAR_LARGE", "AVATAR_SIZES", "AVATAR_SMALL", "AVATAR_URL_PREFIX",
           "BIO_MAX_CHARS", "BIO_RULE", "avatar_path", "avatar_url", "delete_avatar_files",
           "remove_avatar", "set_avatar", "update_profile", "validate_profile"]

log = logging.getLogger(__name__)

BIO_MAX_CHARS = 500
BIO_RULE = f"up to {BIO_MAX_CHARS} characters"
# Pixels a side. 48 covers the 40 px list and card avatars on 1x screens and the
# 24-32 px top bar ones on 2x screens; 256 covers the 128 px profile header on 2x.
AVATAR_SMALL = 48
AVATAR_LARGE = 256
AVATAR_SIZES = (AVATAR_SMALL, AVATAR_LARGE)
AVATAR_URL_PREFIX = "/avatars/"
# BASE-SIZE.ext, where BASE.ext is the name in users.avatar_name (uploads.avatar_file).
_FILE_RE = re.compile(r"(?P<base>[A-Za-z0-9_-]{8,64})-(?P<size>\d+)\.(?P<ext>png|jpg)")


def avatar_url(avatar_name: str | None, size: int = AVATAR_LARGE) -> str | None:
    """The URL of one size of a picture, or None when there is no picture."""
    if not avatar_name:
        return None
    return AVATAR_URL_PREFIX + avatar_file(avatar_name, size)


def delete_avatar_files(uploads_dir, avatar_name: str | None) -> None:
    """Remove every size of a picture (nothing when `avatar_name` is None)."""
    if avatar_name:
        for size in AVATAR_SIZES:
            delete_image(uploads_dir, avatar_file(avatar_name, size))


def validate_profile(changes: dict) -> dict:
    """{"name"?, "bio"?} checked and normalised (a bio's CRLF becomes LF); raises
    `Invalid` naming each bad field, or naming both when neither is given."""
    if "name" not in changes and "bio" not in changes:
        raise Invalid({"name": "send a new name and/or bio", "bio": "send a new name and/or bio"},
                      "Nothing to change: send name and/or bio.")
    problems, clean = {}, {}
    if "name" in changes:
        name = changes["name"]
        if (not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX_CHARS
                or not is_clean_name(name)):
            problems["name"] = NAME_RULE
        else:
            clean["name"] = name.strip()
    if "bio" in changes:
        bio = changes["bio"]
        if not isinstance(bio, str):
            problems["bio"] = "must be text"
        else:
            bio = bio.replace("\r\n", "\n").strip()
            if len(bio) > BIO_MAX_CHARS:
                problems["bio"] = BIO_RULE
            elif not is_clean_text(bio):
                problems["bio"] = "no control characters"
            else:
                clean["bio"] = bio
    if problems:
        raise Invalid(problems)
    return clean


def update_profile(ctx, *, user_id: int, changes: dict) -> dict:
    """Set the viewer's name and/or bio; returns the user. 422 as `validate_profile`."""
    clean = validate_profile(changes)
    user = user_store.update_profile(ctx.db, user_id=user_id, name=clean.get("name"),
                                     bio=clean.get("bio"))
    if user is None:
        raise Unauthorized("Log in first.")
    log.info("user %d changed their %s", user_id, " and ".join(sorted(clean)))
    return user


def set_avatar(ctx, server, *, user_id: int, image):
    """Check and store `image` (an `UploadedFile`, closed here) as the viewer's
    picture, then remove the old one's files. Future of the user; fails with
    `TooLarge` (413), `UnsupportedMediaType` (415), `Invalid` (422, no file)."""
    if image is None:
        return failed(Invalid({"image": "choose a picture"}, "Choose a picture to upload."))

    def point(avatar_name: str) -> dict:
        try:
            found, old = user_store.set_avatar(ctx.db, user_id=user_id, avatar_name=avatar_name)
        except BaseException:
            delete_avatar_files(ctx.config.uploads_dir, avatar_name)
            raise
        if not found:  # the account was deleted meanwhile
            delete_avatar_files(ctx.config.uploads_dir, avatar_name)
            raise Unauthorized("Log in first.")
        delete_avatar_files(ctx.config.uploads_dir, old)
        log.info("user %d set a new profile picture", user_id)
        return user_store.get_user(ctx.db, user_id)

    stored = server.defer(_store_and_close, image, ctx.config, pool=UPLOADS_POOL)
    return server.then(stored, point)


def _store_and_close(image, config) -> str:
    try:
        return store_avatar(image.file, config.uploads_dir, sizes=AVATAR_SIZES,
                            max_bytes=config.max_image_bytes,
                            max_pixels=config.max_image_pixels,
                            max_animation_pixels=config.max_animation_pixels,
                            max_animation_canvas_pixels=config.max_animation_canvas_pixels)
    finally:
        image.close()


def remove_avatar(ctx, *, user_id: int) -> dict:
    """Remove the viewer's picture (initials again); returns the user."""
    found, old = user_store.set_avatar(ctx.db, user_id=user_id, avatar_name=None)
    if not found:
        raise Unauthorized("Log in first.")
    delete_avatar_files(ctx.config.uploads_dir, old)
    if old:
        log.info("user %d removed their profile picture", user_id)
    return user_store.get_user(ctx.db, user_id)


def avatar_path(ctx, file_name: str):
    """The file of `/avatars/<file_name>` while it is someone's current picture
    (a known size); 404 otherwise."""
    match = _FILE_RE.fullmatch(file_name)
    if match is None or int(match["size"]) not in AVATAR_SIZES:
        raise NotFound("No such picture.")
    avatar_name = f"{match['base']}.{match['ext']}"
    if user_store.avatar_owner(ctx.db, avatar_name=avatar_name) is None:
        raise NotFound("No such picture.")
    path = image_path(ctx.config.uploads_dir, file_name)
    if path is None or not path.exists():
        raise NotFound("No such picture.")
    return path

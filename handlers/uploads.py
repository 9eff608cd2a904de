"""Photos: checked by decoding, re-encoded without metadata, stored under random names.

Nothing the client says about a file is trusted: not its filename, not its
Content-Type. `store_image` decodes the bytes with Pillow (restricted to PNG,
JPEG, GIF and WebP), refuses images whose dimensions make them decompression
bombs before any pixel is decoded, decodes every pixel (a truncated file fails
here), and writes a fresh encoding of the pixels: EXIF (GPS position, camera
serial numbers), XMP, ICC profiles and text comments are all left behind. JPEG
orientation is applied to the pixels first, so photos stay upright.

Where the bytes go is handlers/media.py's business: `store_image`, `image_path`
and `delete_image` go through the `Media` of the uploads directory (files in it,
and with PostgreSQL a row in the database that every node can read).

`store_image` blocks (decoding is CPU work): call it through `server.defer`.
Errors: `TooLarge` (413) for bytes or pixels over the limits,
`UnsupportedMediaType` (415) for anything that is not a complete image of an
allowed format.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import warnings
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from .config import MAX_ANIMATION_CANVAS_PIXELS
from .errors import TooLarge, UnsupportedMediaType
from .gif_header import read_gif_shape
from .media import media_for

__all__ = ["CONTENT_TYPES", "checked_image", "decode_guarded", "delete_image", "image_path",
           "is_image_name", "store_avatar", "store_image", "write_file"]

log = logging.getLogger(__name__)

# Pillow format name -> the extension we store it under.
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "gif": "image/gif", "webp": "image/webp"}
# Server-chosen names: url-safe random characters and one of our extensions.
# Nothing else is ever looked up on disk, so a name cannot walk out of the folder.
_NAME_RE = re.compile(r"[A-Za-z0-9_-]{8,64}\.(?:png|jpe?g|gif|webp)")
# Frame timing and transparency are part of the picture, not metadata: keep them.
_KEPT_INFO = ("transparency", "duration", "loop", "background")
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                  IndexError, TypeError)
JPEG_QUALITY = 90
# Every frame of an animation is held decoded while it is re-encoded, and a frame
# of a few bytes can repaint one pixel: cap the count as well as the pixels. A
# thousand frames is 50 seconds at 20 frames a second.
MAX_ANIMATION_FRAMES = 1000
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

# Pillow only warns about images between its MAX_IMAGE_PIXELS and twice that. Our
# own cap (AppConfig.max_image_pixels) is lower and checked first; turning the
# warning into an error makes sure that no path ever decodes such an image anyway.
warnings.simplefilter("error", Image.DecompressionBombWarning)


def store_image(fileobj, uploads_dir, *, max_bytes: int, max_pixels: int,
                max_animation_pixels: int,
                max_animation_canvas_pixels: int = MAX_ANIMATION_CANVAS_PIXELS) -> str:
    """Check the image in `fileobj` and save a clean copy; returns its new name."""
    with checked_image(fileobj, max_bytes=max_bytes, max_pixels=max_pixels,
                       max_animation_pixels=max_animation_pixels,
                       max_animation_canvas_pixels=max_animation_canvas_pixels) as image:
        ext = EXTENSIONS[image.format]
        data = decode_guarded(_reencode, image)
    return _save(Path(uploads_dir), ext, data)


def store_avatar(fileobj, uploads_dir, *, sizes, max_bytes: int, max_pixels: int,
                 max_animation_pixels: int,
                 max_animation_canvas_pixels: int = MAX_ANIMATION_CANVAS_PIXELS) -> str:
    """Check the image in `fileobj` as a post photo is checked, crop its centre to a
    square and save it in each of `sizes` (pixels a side); returns the avatar's
    name, BASE.ext, whose files are BASE-SIZE.ext (`avatar_file`). An animation
    keeps its first frame. Either every size is stored or none is."""
    with checked_image(fileobj, max_bytes=max_bytes, max_pixels=max_pixels,
                       max_animation_pixels=max_animation_pixels,
                       max_animation_canvas_pixels=max_animation_canvas_pixels) as image:
        ext, encodings = decode_guarded(lambda im: _square_encodings(im, sizes), image)
    name = f"{secrets.token_urlsafe(16)}.{ext}"
    media = media_for(uploads_dir)
    stored = []
    try:
        for size, data in encodings.items():
            media.put(avatar_file(name, size), data)
            stored.append(avatar_file(name, size))
    except BaseException:
        for file_name in stored:
            media.delete(file_name)
        raise
    return name


def avatar_file(avatar_name: str, size: int) -> str:
    """The file name of one size of avatar `avatar_name` ("BASE.jpg" -> "BASE-48.jpg")."""
    base, _, ext = avatar_name.rpartition(".")
    return f"{base}-{size}.{ext}"


def _square_encodings(image: Image.Image, sizes) -> tuple[str, dict]:
    """(extension, {size: bytes}): the centred square of the first frame, upright,
    resized to each size; PNG when it has transparency, JPEG otherwise. Only the
    pixels are encoded: no EXIF, XMP, ICC profile or comment."""
    image.load()
    frame = ImageOps.exif_transpose(image)
    alpha = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
    frame = frame.convert("RGBA" if alpha else "RGB")
    width, height = frame.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = frame.crop((left, top, left + side, top + side))
    encodings = {}
    for size in sizes:
        resized = square.resize((size, size), Image.Resampling.LANCZOS)
        resized.info = {}
        out = BytesIO()
        if alpha:
            resized.save(out, "PNG", optimize=True)
        else:
            resized.save(out, "JPEG", quality=JPEG_QUALITY)
        encodings[size] = out.getvalue()
    return ("png" if alpha else "jpg"), encodings


@contextlib.contextmanager
def checked_image(fileobj, *, max_bytes: int, max_pixels: int, max_animation_pixels: int,
                  max_animation_canvas_pixels: int = MAX_ANIMATION_CANVAS_PIXELS):
    """The upload in `fileobj` opened with Pillow, after every check that needs no
    pixels: bytes, format, pixels, frames. Every kind of picture MiniFace keeps
    (post photos, avatars) comes through here. Decode the pixels inside
    `decode_guarded`, which turns Pillow's failures into 413 / 415."""
    fileobj.seek(0, os.SEEK_END)
    if fileobj.tell() > max_bytes:
        raise TooLarge(f"Photos may be up to {max_bytes // (1024 * 1024)} MiB.")
    fileobj.seek(0)
    gif_shape = read_gif_shape(fileobj.read(), stop_after=MAX_ANIMATION_FRAMES + 1)
    fileobj.seek(0)
    with _open_image(fileobj) as image:
        try:
            _check_dimensions(image, gif_shape, max_pixels, max_animation_pixels,
                              max_animation_canvas_pixels)
        except _BOMB_ERRORS:
            raise TooLarge("The photo has too many pixels.") from None
        except _DECODE_ERRORS as exc:
            log.info("refused a %s upload with a broken header: %s", image.format, exc)
            raise UnsupportedMediaType("The photo is damaged or truncated.") from None
        yield image


def decode_guarded(fn, image):
    """`fn(image)`, with decoding failures answered as the client's fault: too many
    pixels 413, a damaged or truncated file 415."""
    try:
        return fn(image)
    except _BOMB_ERRORS:
        raise TooLarge("The photo has too many pixels.") from None
    except OverflowError:
        # Re-encoding merges identical frames and adds up their delays, which
        # can pass what GIF's 16-bit delay field holds.
        raise UnsupportedMediaType("The animation's frame timing is out of range.") from None
    except _DECODE_ERRORS as exc:
        log.info("refused a %s upload that does not decode: %s", image.format, exc)
        raise UnsupportedMediaType("The photo is damaged or truncated.") from None


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` all or nothing: into `.NAME.part` beside it, flushed to
    disk, then renamed over `path`. A reader never sees half a file; a failure
    removes the part file and raises."""
    temp = path.with_name(f".{path.name}.part")
    try:
        with open(temp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(path: Path) -> None:
    # The rename is an entry in the directory: durable only once the directory is,
    # and the row that points at the file is written right after we return.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_image_name(name) -> bool:
    """Whether `name` is one MiniFace could have chosen for an image."""
    return isinstance(name, str) and _NAME_RE.fullmatch(name) is not None


def image_path(uploads_dir, name: str) -> Path | None:
    """This node's file of image `name` (fetched into the uploads directory from
    the database when the image was stored through another node; see media.py),
    or None if `name` is not one of our names. The file may not exist (no such
    image). Blocks on the database with PostgreSQL when the file is missing."""
    if not is_image_name(name):
        return None
    return media_for(uploads_dir).local_path(name)


def delete_image(uploads_dir, name: str | None) -> None:
    """Remove a stored image everywhere (a name that is missing or not ours is ignored)."""
    if name and is_image_name(name):
        media_for(uploads_dir).delete(name)


def _open_image(fileobj) -> Image.Image:
    try:
        image = Image.open(fileobj, formats=list(EXTENSIONS))
    except _BOMB_ERRORS:
        raise TooLarge("The photo has too many pixels.") from None
    except _DECODE_ERRORS:
        raise UnsupportedMediaType("Photos must be PNG, JPEG, GIF or WebP images.") from None
    if image.format not in EXTENSIONS:
        image.close()
        raise UnsupportedMediaType("Photos must be PNG, JPEG, GIF or WebP images.")
    return image


def _check_dimensions(image, gif_shape, max_pixels: int, max_animation_pixels: int,
                      max_canvas_pixels: int) -> None:
    """Refuse a decompression bomb from the headers alone, before any pixel.

    A GIF is measured by walking its blocks (`gif_header`): Pillow would decode and
    composite every frame just to count them. PNG (acTL) and WebP (its container)
    state their frame count, which Pillow reads without decoding.
    """
    width, height = image.size
    frames = getattr(image, "n_frames", 1) if image.format != "GIF" else 1
    if image.format == "GIF" and gif_shape is not None:
        width, height = max(width, gif_shape.width), max(height, gif_shape.height)
        frames = max(1, gif_shape.frames)
    pixels = width * height
    if pixels > max_pixels or pixels == 0:
        raise TooLarge(f"Photos may have up to {max_pixels:,} pixels.")
    if frames > MAX_ANIMATION_FRAMES:
        raise TooLarge(f"Animations may have up to {MAX_ANIMATION_FRAMES:,} frames.")
    if frames > 1 and pixels > max_canvas_pixels:
        raise TooLarge(f"Animations may be up to {max_canvas_pixels:,} pixels in size.")
    if pixels * frames > max_animation_pixels:
        raise TooLarge("The animation is too long for its size.")


def _reencode(image: Image.Image) -> bytes:
    fmt = image.format
    out = BytesIO()
    # is_animated, not n_frames: a GIF's n_frames decodes every frame to count them.
    if getattr(image, "is_animated", False) and fmt in ("GIF", "WEBP"):
        frames = []
        for frame in ImageSequence.Iterator(image):
            # The headers were checked for at most this many; never decode more.
            if len(frames) == MAX_ANIMATION_FRAMES:
                raise TooLarge(f"Animations may have up to {MAX_ANIMATION_FRAMES:,} frames.")
            frames.append(_clean(frame.copy()))
        durations = [frame.info.get("duration", 100) for frame in frames]
        frames[0].save(out, fmt, save_all=True, append_images=frames[1:],
                       duration=durations, loop=image.info.get("loop", 0))
        return out.getvalue()
    image.load()
    clean = _clean(ImageOps.exif_transpose(image))
    if fmt == "JPEG":
        if clean.mode not in ("RGB", "L"):
            clean = clean.convert("RGB")
        clean.save(out, "JPEG", quality=JPEG_QUALITY)
    elif fmt == "WEBP":
        clean.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        clean.save(out, fmt)
    return out.getvalue()


def _clean(image: Image.Image) -> Image.Image:
    """`image` with every metadata entry dropped except those that are pixels' business."""
    image.info = {k: v for k, v in image.info.items() if k in _KEPT_INFO}
    return image


def _save(uploads_dir: Path, ext: str, data: bytes) -> str:
    name = f"{secrets.token_urlsafe(16)}.{ext}"
    media_for(uploads_dir).put(name, data)
    return name

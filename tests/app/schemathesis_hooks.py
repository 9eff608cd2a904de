"""schemathesis hooks for tests/app/test_schemathesis.py (loaded through
SCHEMATHESIS_HOOKS): photos that are real images.

The document says a photo part is `image/png, image/jpeg, image/gif, image/webp`,
and the server decodes it to be sure. schemathesis would send random bytes under
those types, which the server rightly refuses (415); with these strategies a
valid request carries a small real image of each kind, so valid uploads must be
accepted. Invalid requests still get random bytes and must still be refused.
"""

from __future__ import annotations

import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image

FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def _image(fmt: str, width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), rgb).save(out, fmt)
    return out.getvalue()


def _images(fmt: str) -> st.SearchStrategy[bytes]:
    channel = st.integers(0, 255)
    return st.builds(_image, st.just(fmt), st.integers(1, 64), st.integers(1, 64),
                     st.tuples(channel, channel, channel))


for media_type, fmt in FORMATS.items():
    schemathesis.openapi.media_type(media_type, _images(fmt))

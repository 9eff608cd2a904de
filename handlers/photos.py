"""Serving post photos (`/photos/<name>`) and profile pictures (`/avatars/<file>`).

A photo is served only to viewers who may see its post (the visibility rule in
`store/visibility.py`); everyone else gets the same 404 as for a missing file.
`Cache-Control: private, no-cache`: browsers may keep a copy but must revalidate
(a cheap 304 with the ETag), so a post made private stops showing at once, and
shared caches never store it.

A profile picture is public (like a name) while it is its account's current one:
`public, no-cache`, so a replaced or deleted picture stops showing at the next
revalidation (404).
"""

from __future__ import annotations

from reactor import file_response

from .base import AppHandler
from .posts import photo_file
from .profiles import avatar_path
from .uploads import CONTENT_TYPES

__all__ = ["Avatar", "Photo"]

PHOTO_CACHE_CONTROL = "private, no-cache"
AVATAR_CACHE_CONTROL = "public, no-cache"


class Photo(AppHandler):
    def get(self, name):
        path = photo_file(self.ctx, viewer_id=self.viewer_id, image_name=name)
        ctype = CONTENT_TYPES[path.suffix.lstrip(".").lower()]
        return file_response(self.request, str(path), content_type=ctype,
                             cache_control=PHOTO_CACHE_CONTROL)


class Avatar(AppHandler):
    def get(self, name):
        path = avatar_path(self.ctx, name)
        ctype = CONTENT_TYPES[path.suffix.lstrip(".").lower()]
        return file_response(self.request, str(path), content_type=ctype,
                             cache_control=AVATAR_CACHE_CONTROL)

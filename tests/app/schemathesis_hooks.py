"""schemathesis hooks for tests/app/test_schemathesis.py (loaded through
SCHEMATHESIS_HOOKS): images that are real images, and the tool's misreadings.

The document says a photo part (a post's photo, a profile picture) is
`image/png, image/jpeg, image/gif, image/webp`, and the server decodes it to be
sure. schemathesis would send random bytes under those types, which the server
rightly refuses (415); with these strategies a valid request carries a small real
image of each kind, so valid uploads must be accepted (no 415 allowance for
either route). Invalid requests still get random bytes and must still be refused.

Below: negative multipart cases that only changed a text part's JSON type (the
same text on the wire), the like/likes use-after-free misreading, a blank edit of
a text-only post (which the schema cannot tell from an edit of a photo post), and
chat cases addressed to the test user's friend.
"""

from __future__ import annotations

import io
import json
import os
import re

import schemathesis
from hypothesis import strategies as st
from PIL import Image
from schemathesis.core.mutations import OperatorKind
from schemathesis.core.parameters import ParameterLocation

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


# A multipart part that is not a file is text on the wire: schemathesis sends a
# "boolean" csrf_token or post body as the text `true`, a number as its digits,
# null as `null`, which are fine text values, so a case whose only "violation" is
# such a `type` change is not invalid at all (a bearer request ignores
# csrf_token; a body "true" is a post). Those cases are dropped; every other
# negative multipart case (a pattern, an enum, a missing or bad image) is kept.
_PART = re.compile(r"^/properties/([^/]+)$")


def _text_parts(case) -> set[str]:
    body = case.operation.get_body_for_media_type(case.media_type)
    schema = (body.resolved_schema if body is not None else None) or {}
    return {name for name, part in schema.get("properties", {}).items()
            if isinstance(part, dict) and part.get("format") != "binary"}


def _text_in_disguise(mutation, text_parts: set[str]) -> bool:
    part = _PART.match(mutation.schema_pointer or "")
    return (mutation.operator == OperatorKind.CHANGE_TYPE
            and mutation.parameter_location == ParameterLocation.BODY
            and part is not None and part[1] in text_parts)


@schemathesis.hook
def filter_case(context, case) -> bool:
    if not (case.media_type or "").startswith("multipart/form-data") or case.meta is None:
        return True
    mutations = getattr(case.meta.phase.data, "mutations", ())
    if not mutations:
        return True
    text_parts = _text_parts(case)
    return not all(_text_in_disguise(mutation, text_parts) for mutation in mutations)


# schemathesis's use-after-free check takes `like` and `likes` for one resource
# (it compares path segments without a trailing "s"), so unliking a post and then
# listing who likes it, which API.md answers 200 with the viewer gone from the
# list, reads as "a deleted resource still served". Only that pair is dropped:
# a deleted post's likes, or a deleted comment, must still be 404.
_UNLIKE = re.compile(r"^DELETE /api/posts/(\d+)/like$")
_LIKERS = re.compile(r"^GET /api/posts/(\d+)/likes(?:\?.*)?$")


def _unlike_then_likers(failure) -> bool:
    unliked = _UNLIKE.match(getattr(failure, "free", ""))
    listed = _LIKERS.match(getattr(failure, "usage", ""))
    return bool(unliked and listed and unliked[1] == listed[1])


# PATCH /api/posts/{id} with a blank text: valid on a post with a photo, refused
# with 422 naming only `body` on a text-only post; the schema cannot know which
# kind of post an id names. Only that refusal of that request is forgiven: any
# other 422 (or other refusal) of a valid edit is still a finding.
def _blank_text_on_a_text_post(failure, case, response) -> bool:
    body = case.body if isinstance(case.body, dict) else {}
    text = body.get("body")
    if (case.operation.label != "PATCH /api/posts/{id}" or response.status_code != 422
            or not isinstance(text, str) or text.replace("\r\n", "\n").strip()):
        return False
    try:
        fields = json.loads(response.content)["error"]["fields"]
    except (ValueError, KeyError, TypeError):
        return False
    return set(fields) == {"body"}


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    kind = type(failure).__name__
    if kind == "UseAfterFree":
        return not _unlike_then_likers(failure)
    if kind == "RejectedPositiveData":
        return not _blank_text_on_a_text_post(failure, case, response)
    return True


# Chat needs a friend, and a generated username is nobody's (404), so the message
# routes would never get past the lookup. The test names the user's friend in
# MINIFACE_SCHEMATHESIS_FRIEND; about half the valid cases of these operations
# address that friend instead (chosen from the generated name, so a case is
# reproducible). Invalid names are left as generated.
_FRIEND_OPERATIONS = {"GET /api/messages/{username}", "POST /api/messages/{username}",
                      "GET /api/users/{username}", "GET /api/users/{username}/posts"}


@schemathesis.hook
def map_case(context, case):
    friend = os.environ.get("MINIFACE_SCHEMATHESIS_FRIEND")
    username = (case.path_parameters or {}).get("username")
    if (friend and isinstance(username, str) and case.operation.label in _FRIEND_OPERATIONS
            and case.meta is not None and not case.meta.is_negative_at(ParameterLocation.PATH)
            and sum(map(ord, username)) % 2 == 0):
        case.path_parameters["username"] = friend
    return case

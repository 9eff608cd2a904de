"""The profile and account parts of the OpenAPI document (openapi.py merges them in):
editing your name and bio, your photo, your password, and deleting your account.

Lengths and required fields here are the ones the services enforce, taken from
the same constants, so a request the schema allows is one the server accepts
(except for a wrong password, 403).
"""

from __future__ import annotations

from ..auth import PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS
from ..profiles import AVATAR_LARGE, AVATAR_SMALL, BIO_MAX_CHARS
from .openapi_fields import name_schema, text_schema

__all__ = ["profile_paths"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def _json_body(properties: dict, required: list) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


_CURRENT_PASSWORD = {"type": "string", "minLength": 1, "maxLength": PASSWORD_MAX_CHARS,
                     "description": "Your current password (a wrong one is 403)."}
# Every JSON route answers 400 (malformed JSON), 413 (body over 64 KiB) and 415
# (not application/json); 403 also covers a cookie request from another origin.
_JSON_ERRORS = (400, 401, 403, 413, 415, 422)


def _user_ok(description: str) -> dict:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": _ref("User")}}}}


_PROFILE_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "anyOf": [{"required": ["name"]}, {"required": ["bio"]}],
    "description": "At least one of name and bio (other members are ignored, so a body "
                   "with neither is 422); a field left out stays as it is.",
    "properties": {
        "name": name_schema(),
        "bio": text_schema(BIO_MAX_CHARS, trimmed=True,
                           description="\"\" clears it (422 names fields.bio when refused).")}}}}}

_AVATAR_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["image"],
    "properties": {
        "image": {"type": "string", "format": "binary",
                  "description": "PNG, JPEG, GIF or WebP within the post photo limits "
                                 "(413 too large, 415 not an image); its centre is cropped "
                                 f"to a square, stored at {AVATAR_LARGE} and {AVATAR_SMALL} "
                                 "px, metadata dropped."},
        "csrf_token": {"type": "string", "description": "Required with the session cookie "
                       "unless sent as X-CSRF-Token."}}},
    "encoding": {"image": {"contentType": "image/png, image/jpeg, image/gif, image/webp"}}}}}


def profile_paths() -> dict:
    """Path items to merge into the document (`/api/me` gains `patch` and `delete`)."""
    return {
        "/api/me/avatar": {
            "put": {"summary": "Set your profile picture (public, like your name)",
                    "description": "The old picture's files are removed; its URL answers "
                                   "404 from then on.",
                    "requestBody": _AVATAR_BODY,
                    "responses": {**_user_ok("You, with the new avatar_url"),
                                  **_errors(400, 401, 403, 413, 415, 422)}},
            "delete": {"summary": "Remove your profile picture (initials again)",
                       "responses": {**_user_ok("You, with avatar_url null"),
                                     **_errors(401, 403)}}},
        "/api/me": {"patch": {
            "summary": "Change your display name and/or bio",
            "requestBody": _PROFILE_BODY,
            "responses": {**_user_ok("You, changed"), **_errors(*_JSON_ERRORS)}},
                    "delete": {
            "summary": "Delete your account and everything it made",
            "description": "Posts, photos, messages, friendships and requests, sessions "
                           "and live updates go in one transaction; the photo files "
                           "are removed; the username is free again.",
            "requestBody": _json_body({"password": _CURRENT_PASSWORD}, ["password"]),
            "responses": {"204": {"description": "Deleted; every session has ended"},
                          **_errors(*_JSON_ERRORS, 429, 503)}}},
        "/api/me/password": {"post": {
            "summary": "Change your password; your other sessions end",
            "requestBody": _json_body({
                "current_password": _CURRENT_PASSWORD,
                "new_password": {"type": "string", "minLength": PASSWORD_MIN_CHARS,
                                 "maxLength": PASSWORD_MAX_CHARS}},
                ["current_password", "new_password"]),
            "responses": {"204": {"description": "Changed; the session that asked stays"},
                          **_errors(*_JSON_ERRORS, 429, 503)}}},
    }

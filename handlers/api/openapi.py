"""The OpenAPI 3 description of the JSON API, served at `GET /api/openapi.json`.

Written out by hand from API.md rather than generated from the routes, so it can
say what each endpoint takes and answers. A test walks the router and this
document both ways (every `/api/` route and method is described, every described
one is routed) and checks answers against the schemas below.
"""

from __future__ import annotations

import re

from reactor import Response

from ..base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, AppHandler
from ..config import MAX_REQUEST_BODY_BYTES
from ..errors import CODES
from ..posts import DEFAULT_VISIBILITY, MAX_BODY_CHARS, PHOTO_URL_PREFIX, VISIBILITIES
from ..profiles import AVATAR_LARGE, AVATAR_SMALL, AVATAR_URL_PREFIX, BIO_MAX_CHARS
from .openapi_chat import chat_paths, chat_schemas
from .openapi_fields import (
    USERNAME_PATTERN,
    name_schema,
    password_schema,
    stored_name_schema,
    stored_text_schema,
    text_schema,
    trimmed_pattern,
    username_schema,
    whole,
)
from .openapi_profiles import profile_paths
from .openapi_social import post_patch_body, post_social_properties, social_paths, social_schemas
from .users import MAX_QUERY_CHARS

__all__ = ["OpenApi", "build_document"]

_VERBS = ("get", "put", "post", "patch", "delete")
_FRIENDSHIP = ["self", "friends", "request_sent", "request_received", "none"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _ok(description: str, schema_name: str | None = None) -> dict:
    answer = {"description": description}
    if schema_name:
        answer["content"] = _json(_ref(schema_name))
    return answer


def _errors(*statuses: int) -> dict:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def _schemas() -> dict:
    user = {"type": "object",
            "required": ["id", "username", "name", "created_at", "bio", "avatar_url"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "username": {"type": "string", "pattern": USERNAME_PATTERN},
                "name": stored_name_schema(),
                "created_at": {"type": "string", "format": "date-time"},
                "bio": stored_text_schema(BIO_MAX_CHARS, trimmed=True,
                                          description="\"\" until set."),
                "avatar_url": {"type": ["string", "null"],
                               "pattern": whole(f"{AVATAR_URL_PREFIX}[A-Za-z0-9_-]{{8,64}}"
                                                f"-{AVATAR_LARGE}\\.(?:png|jpg)"),
                               "description": f"The profile picture, {AVATAR_LARGE} px "
                                              "square (a path under this server, public "
                                              "like a name); null until set. The same "
                                              f"path with -{AVATAR_SMALL} in place of "
                                              f"-{AVATAR_LARGE} is the small size."},
                "friendship": {"type": "string", "enum": _FRIENDSHIP,
                               "description": "Present when the viewer is logged in."},
                "csrf_token": {"type": "string",
                               "description": "Only in GET /api/me for cookie sessions."}}}
    post = {"type": "object",
            "required": ["id", "author", "body", "visibility", "image_url", "created_at",
                         "likes", "liked", "comments", "edited_at"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1}, "author": _ref("User"),
                "body": stored_text_schema(MAX_BODY_CHARS, blank=True, description=(
                    "Blank only on a post with a photo.")),
                "visibility": {"type": "string", "enum": list(VISIBILITIES)},
                "image_url": {"type": ["string", "null"],
                              "pattern": whole(f"{PHOTO_URL_PREFIX}[A-Za-z0-9_-]{{8,64}}"
                                               "\\.(?:png|jpe?g|gif|webp)")},
                "created_at": {"type": "string", "format": "date-time"},
                **post_social_properties()}}
    error = {"type": "object", "required": ["error"], "additionalProperties": False,
             "properties": {"error": {
                 "type": "object", "required": ["code", "message"], "additionalProperties": False,
                 "properties": {
                     "code": {"type": "string", "pattern": "^[a-z_]+$",
                              "description": "bad_request, unauthorized, forbidden, ... "
                                             "(one per status, API.md)"},
                     "message": {"type": "string", "minLength": 1,
                                 "description": "For people; may change."},
                     "fields": {"type": "object", "minProperties": 1,
                                "additionalProperties": {"type": "string"},
                                "description": "What is wrong with each named field."}}}}}
    page = {"type": "object", "required": ["posts", "next_before"], "properties": {
        "posts": {"type": "array", "items": _ref("Post")},
        "next_before": {"type": ["integer", "null"]}}}
    return {
        "User": user, "Post": post, "Error": error, "PostPage": page,
        "UserList": {"type": "object", "required": ["users"], "properties": {
            "users": {"type": "array", "items": _ref("User")}}},
        "FriendList": {"type": "object", "required": ["friends", "next_offset"], "properties": {
            "friends": {"type": "array", "items": _ref("User")},
            "next_offset": {"type": ["integer", "null"],
                            "description": "The `offset` of the next page; null at the end "
                                           "and without `limit`."}}},
        "FriendRequests": {"type": "object",
                           "required": ["incoming", "outgoing", "incoming_next_before",
                                        "outgoing_next_before"],
                           "properties": {
                               "incoming": {"type": "array", "items": _ref("User")},
                               "outgoing": {"type": "array", "items": _ref("User")},
                               "incoming_next_before": {"type": ["integer", "null"]},
                               "outgoing_next_before": {"type": ["integer", "null"]}}},
        "LoginResult": {"type": "object", "required": ["token", "user"], "properties": {
            "token": {"type": "string"}, "user": _ref("User")}},
    }


_ERROR_TEXT = {
    400: "bad_request: malformed JSON or query parameters",
    401: "unauthorized: no valid session",
    403: "forbidden: not yours, not allowed, or a cookie request from another origin or "
         "without its CSRF token",
    404: "not_found: missing, or not visible to you",
    409: "conflict: the current state forbids it",
    413: "too_large: the body (or photo) is over its limit",
    415: "unsupported_media_type: the body is not JSON (or the photo not an image)",
    422: "invalid: `fields` names each bad field",
    429: "rate_limited: see Retry-After",
    503: "unavailable: the server is busy; see Retry-After",
}


def _error_schema(status: int) -> dict:
    """The Error schema with this status's code (errors.CODES); a 422 always names
    its fields."""
    detail = {"type": "object", "required": ["code"], "properties": {
        "code": {"type": "string", "enum": [CODES[status]]}}}
    if status == 422:
        detail["required"].append("fields")
    return {"allOf": [_ref("Error"), {"type": "object", "properties": {"error": detail}}]}


def _responses() -> dict:
    out = {}
    for status, text in _ERROR_TEXT.items():
        out[f"E{status}"] = {"description": text, "content": _json(_error_schema(status))}
    for status in (429, 503):
        out[f"E{status}"]["headers"] = {"Retry-After": {
            "schema": {"type": "integer", "minimum": 1}, "description": "Seconds to wait."}}
    return out


_PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                "maximum": MAX_PAGE_SIZE,
                                                "default": DEFAULT_PAGE_SIZE},
     "allowEmptyValue": True,
     "description": f"Items per page; above {MAX_PAGE_SIZE} is 422 naming `limit`, 0 or "
                    "not a number 400; empty is the default."},
    {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1},
     "allowEmptyValue": True,
     "description": "Only items with a smaller id (the previous page's next_before); "
                    "empty or absent: from the newest."},
]
_USERNAME = {"name": "username", "in": "path", "required": True, "schema": username_schema()}
_POST_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
# Every route that reads a JSON body: 400 (not JSON), 413 (over 64 KiB), 415 (another
# media type), 422 (a bad field), and 403 for a cookie request from another origin.
_JSON_ERRORS = (400, 401, 403, 413, 415, 422)
# What a photo may be (handlers/uploads.py decodes it to be sure).
IMAGE_CONTENT_TYPES = "image/png, image/jpeg, image/gif, image/webp"
_PUBLIC = []  # `security: []`: no session needed


def _body(properties: dict, required: list) -> dict:
    return {"required": True, "content": _json(
        {"type": "object", "required": required, "properties": properties})}


def _account_paths() -> dict:
    # Logging in checks any text: a name no account can have, or a password no
    # account can have, is simply wrong (401), so only emptiness is refused (422).
    credentials = {"username": {"type": "string", "minLength": 1},
                   "password": {"type": "string", "format": "password"}}
    return {
        "/api/signup": {"post": {
            "summary": "Create an account", "security": _PUBLIC,
            "requestBody": _body({"username": username_schema(), "name": name_schema(),
                                  "password": password_schema()},
                                 ["username", "name", "password"]),
            "responses": {"201": _ok("The new user", "User"),
                          **_errors(400, 403, 409, 413, 415, 422, 429, 503)}}},
        "/api/login": {"post": {
            "summary": "Log in: a bearer token and the session cookie", "security": _PUBLIC,
            "requestBody": _body(credentials, ["username", "password"]),
            "responses": {"200": _ok("Logged in", "LoginResult"),
                          **_errors(400, 401, 403, 413, 415, 422, 429, 503)}}},
        "/api/logout": {"post": {"summary": "End this session",
                                 "responses": {"204": _ok("Logged out"), **_errors(401, 403)}}},
        "/api/me": {"get": {"summary": "The logged-in user",
                            "responses": {"200": _ok("You", "User"), **_errors(401)}}},
    }


def _post_paths() -> dict:
    visibility_text = f"Who may see it; empty or absent means {DEFAULT_VISIBILITY}."
    json_post = {"type": "object", "required": ["body"], "properties": {
        "body": text_schema(MAX_BODY_CHARS, description="The text (a photo needs multipart)."),
        "visibility": {"type": ["string", "null"], "enum": [*VISIBILITIES, "", None],
                       "default": DEFAULT_VISIBILITY, "description": visibility_text}}}
    # A post needs text or a photo: with a photo the text may be blank.
    multipart = {"type": "object",
                 "properties": {
                     "body": text_schema(MAX_BODY_CHARS, blank=True),
                     "visibility": {"type": "string", "enum": [*VISIBILITIES, ""],
                                    "default": DEFAULT_VISIBILITY,
                                    "description": visibility_text},
                     "image": {"type": "string", "format": "binary",
                               "description": "PNG, JPEG, GIF or WebP, up to 5 MiB (413 "
                                              "over it, 415 if it is not such an image)."},
                     "csrf_token": {"type": "string", "description": (
                         "The session's CSRF token (`csrf_token` of GET /api/me): needed "
                         "with the session cookie unless sent as the X-CSRF-Token header "
                         "(403 without it); bearer requests need none.")}},
                 "anyOf": [{"required": ["image"]},
                           {"required": ["body"],
                            "properties": {"body": text_schema(MAX_BODY_CHARS)}}]}
    return {
        "/api/feed": {"get": {
            "summary": "Own posts, friends' non-private posts and public posts, newest first",
            "parameters": _PAGING,
            "responses": {"200": _ok("A page of posts", "PostPage"),
                          **_errors(400, 401, 422)}}},
        "/api/posts": {"post": {
            "summary": "Publish a post (text and/or a photo)",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": json_post},
                "multipart/form-data": {"schema": multipart, "encoding": {
                    "image": {"contentType": IMAGE_CONTENT_TYPES}}}}},
            "responses": {"201": _ok("The new post", "Post"), **_errors(*_JSON_ERRORS)}}},
        "/api/posts/{id}": {
            "parameters": [_POST_ID],
            "get": {"summary": "One post, if the viewer may see it",
                    "responses": {"200": _ok("The post", "Post"), **_errors(401, 404)}},
            "patch": {"summary": "Change the text and/or who may see your post",
                      "requestBody": post_patch_body(),
                      "responses": {"200": _ok("The post", "Post"),
                                    **_errors(*_JSON_ERRORS, 404)}},
            "delete": {"summary": "Delete your post and its photo",
                       "responses": {"204": _ok("Deleted"), **_errors(401, 403, 404)}}},
    }


def _people_paths() -> dict:
    return {
        "/api/users": {"get": {
            "summary": "Search people by username or name",
            "parameters": [{"name": "q", "in": "query",
                            "schema": {"type": "string",
                                       "pattern": trimmed_pattern(MAX_QUERY_CHARS)},
                            "description": "Trimmed of the white space around it; empty or "
                                           f"absent: no one. Over {MAX_QUERY_CHARS} characters "
                                           "once trimmed: 400."},
                           _PAGING[0]],
            "responses": {"200": _ok("Matches, prefix matches first", "UserList"),
                          **_errors(400, 401, 422)}}},
        "/api/users/{username}": {
            "parameters": [_USERNAME],
            "get": {"summary": "One person",
                    "responses": {"200": _ok("The user", "User"), **_errors(401, 404)}}},
        "/api/users/{username}/posts": {
            "parameters": [_USERNAME],
            "get": {"summary": "Their posts this viewer may see", "parameters": _PAGING,
                    "responses": {"200": _ok("A page of posts", "PostPage"),
                                  **_errors(400, 401, 404, 422)}}},
        "/api/friends": {"get": {
            "summary": "Your friends, by name",
            "description": "Without `limit`, all of them (at most the cap on friends, 5,000 by "
                           "default); with it, a page from `offset`, continued by "
                           "`next_offset`.",
            "parameters": [
                {**_PAGING[0], "schema": {k: v for k, v in _PAGING[0]["schema"].items()
                                          if k != "default"},
                 "description": f"Friends per page (1 to {MAX_PAGE_SIZE}); absent or empty: "
                                "all of them."},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0},
                 "allowEmptyValue": True,
                 "description": "Skip this many (the previous page's next_offset); default 0."}],
            "responses": {"200": _ok("Friends", "FriendList"), **_errors(400, 401, 422)}}},
        "/api/friends/requests": {"get": {
            "summary": "Pending requests to and from you, newest first, each list a page",
            "parameters": [_PAGING[0]] + [
                {"name": f"{side}_before", "in": "query",
                 "schema": {"type": "integer", "minimum": 1}, "allowEmptyValue": True,
                 "description": f"Continue the {side} list (the previous {side}_next_before)."}
                for side in ("incoming", "outgoing")],
            "responses": {"200": _ok("Requests", "FriendRequests"),
                          **_errors(400, 401, 422)}}},
        "/api/friends/{username}": {
            "parameters": [_USERNAME],
            "post": {"summary": "Send a friend request, or accept theirs",
                     "responses": {"201": _ok("Request sent (friendship request_sent)", "User"),
                                   "200": _ok("Accepted (friendship friends)", "User"),
                                   **_errors(401, 403, 404, 409, 422)}},
            "delete": {"summary": "Unfriend, cancel your request or decline theirs",
                       "responses": {"204": _ok("Undone"), **_errors(401, 403, 404)}}},
    }


def _merge_paths(*groups: dict) -> dict:
    """One `paths` object from several groups; a path in two groups gets the
    operations of both (each area documents its own verbs of `/api/me`)."""
    paths: dict = {}
    for group in groups:
        for path, item in group.items():
            paths.setdefault(path, {}).update(item)
    return paths


def operation_id(verb: str, path: str) -> str:
    """`deleteMe` for DELETE /api/me, `getPostsById` for GET /api/posts/{id}: the
    name links and test tools use for an operation."""
    words = []
    for part in path.removeprefix("/api/").replace(".", "/").split("/"):
        if part.startswith("{"):
            words.append("By" + part.strip("{}").title())
        else:
            words.extend(word.title() for word in re.split(r"[^A-Za-z0-9]+", part) if word)
    return verb + "".join(words)


def _with_operation_ids(paths: dict) -> dict:
    for path, item in paths.items():
        for verb, operation in item.items():
            if verb in _VERBS:
                operation.setdefault("operationId", operation_id(verb, path))
    return paths


# OpenAPI links: which answers give the ids and names that other operations take,
# so a client (or a stateful test) can go from one to the next. (source operation,
# status) -> {link name: (target operationId, {parameter: runtime expression})}.
_LINKS = {
    ("postPosts", "201"): {
        verb + name: (operation_id(verb, path), {"id": "$response.body#/id"})
        for name, verb, path in (
            ("Post", "get", "/api/posts/{id}"), ("Post", "patch", "/api/posts/{id}"),
            ("Post", "delete", "/api/posts/{id}"), ("Like", "post", "/api/posts/{id}/like"),
            ("Like", "delete", "/api/posts/{id}/like"),
            ("Likes", "get", "/api/posts/{id}/likes"),
            ("Comments", "get", "/api/posts/{id}/comments"),
            ("Comment", "post", "/api/posts/{id}/comments"))},
    ("postPostsByIdComments", "201"): {
        "deleteComment": ("deleteCommentsById", {"id": "$response.body#/id"}),
        "getComments": ("getPostsByIdComments", {"id": "$response.body#/post_id"})},
    ("postSignup", "201"): {
        verb + name: (operation_id(verb, path), {"username": "$response.body#/username"})
        for name, verb, path in (
            ("User", "get", "/api/users/{username}"),
            ("UserPosts", "get", "/api/users/{username}/posts"),
            ("Friend", "post", "/api/friends/{username}"))},
    ("postFriendsByUsername", "201"): {
        "cancelRequest": ("deleteFriendsByUsername", {"username": "$response.body#/username"})},
    ("postFriendsByUsername", "200"): {
        verb + name: (operation_id(verb, path), {"username": "$response.body#/username"})
        for name, verb, path in (
            ("Messages", "get", "/api/messages/{username}"),
            ("Message", "post", "/api/messages/{username}"),
            ("Friend", "delete", "/api/friends/{username}"))},
    ("postMessagesByUsername", "201"): {
        "getMessages": ("getMessagesByUsername", {"username": "$response.body#/to"})},
}


def _with_links(paths: dict) -> dict:
    by_id = {operation["operationId"]: operation for item in paths.values()
             for verb, operation in item.items() if verb in _VERBS}
    for (source, status), links in _LINKS.items():
        response = by_id[source]["responses"][status]
        response["links"] = {name: {"operationId": target, "parameters": parameters}
                             for name, (target, parameters) in links.items()}
    return paths


def build_document() -> dict:
    """The whole OpenAPI 3.1 document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "MiniFace API", "version": "1",
                 "description": "The JSON API of MiniFace (see API.md). Unsafe requests "
                                "authenticated by the session cookie must be JSON or carry "
                                "the CSRF token; bearer requests need neither. Besides the "
                                "statuses each operation lists, the HTTP layer answers a "
                                "request it cannot take before any operation sees it, with "
                                "the same error object: 400 (malformed), 408 (too slow), "
                                "413 (a body over the server's limit or the operation's, "
                                f"such as a body over {MAX_REQUEST_BODY_BYTES // 1024} KiB "
                                "sent to an operation that "
                                "takes none), 414 (request line too long), 417 (an Expect "
                                "other than 100-continue), 431 (header block too large), "
                                "501 (a transfer coding other than chunked), 505 (not "
                                "HTTP/1.x), and 503 with Retry-After when too many request "
                                "bodies are in flight."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": _with_links(_with_operation_ids(_merge_paths(
            _account_paths(), _post_paths(), _people_paths(), chat_paths(_PAGING, _USERNAME),
            profile_paths(), social_paths(_PAGING, _POST_ID),
            {"/api/openapi.json": {"get": {
                "summary": "This document", "security": _PUBLIC,
                "responses": {"200": {"description": "OpenAPI 3 document",
                                      "content": _json({"type": "object"})}}}}}))),
        "components": {
            "schemas": {**_schemas(), **chat_schemas(), **social_schemas()},
            "responses": _responses(),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "mf_session"}}},
    }


class OpenApi(AppHandler):
    _document = None

    def get(self):
        if OpenApi._document is None:
            OpenApi._document = build_document()
        return Response.json(OpenApi._document)

"""The OpenAPI 3 description of the JSON API, served at `GET /api/openapi.json`.

Written out by hand from API.md rather than generated from the routes, so it can
say what each endpoint takes and answers. A test walks the router and this
document both ways (every `/api/` route and method is described, every described
one is routed) and checks answers against the schemas below.
"""

from __future__ import annotations

from reactor import Response

from ..auth import NAME_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS
from ..base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, AppHandler
from ..posts import DEFAULT_VISIBILITY, MAX_BODY_CHARS, VISIBILITIES
from .openapi_chat import chat_paths, chat_schemas
from .openapi_profiles import profile_paths
from .openapi_social import post_patch_body, post_social_properties, social_paths, social_schemas

__all__ = ["OpenApi", "build_document"]

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
    user = {"type": "object", "required": ["id", "username", "name", "created_at"],
            "properties": {
                "id": {"type": "integer"},
                "username": {"type": "string", "pattern": "^[A-Za-z0-9_]{3,30}$"},
                "name": {"type": "string", "maxLength": NAME_MAX_CHARS},
                "created_at": {"type": "string", "format": "date-time"},
                "friendship": {"type": "string", "enum": _FRIENDSHIP,
                               "description": "Present when the viewer is logged in."},
                "csrf_token": {"type": "string",
                               "description": "Only in GET /api/me for cookie sessions."}}}
    post = {"type": "object",
            "required": ["id", "author", "body", "visibility", "image_url", "created_at",
                         "likes", "liked", "comments", "edited_at"],
            "properties": {
                "id": {"type": "integer"}, "author": _ref("User"),
                "body": {"type": "string", "maxLength": MAX_BODY_CHARS},
                "visibility": {"type": "string", "enum": list(VISIBILITIES)},
                "image_url": {"type": ["string", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                **post_social_properties()}}
    error = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}
    page = {"type": "object", "required": ["posts", "next_before"], "properties": {
        "posts": {"type": "array", "items": _ref("Post")},
        "next_before": {"type": ["integer", "null"]}}}
    return {
        "User": user, "Post": post, "Error": error, "PostPage": page,
        "UserList": {"type": "object", "required": ["users"], "properties": {
            "users": {"type": "array", "items": _ref("User")}}},
        "FriendList": {"type": "object", "required": ["friends"], "properties": {
            "friends": {"type": "array", "items": _ref("User")}}},
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
    400: "bad_request: malformed JSON or parameters", 401: "unauthorized: no valid session",
    403: "forbidden", 404: "not_found", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid: `fields` names each bad field",
    429: "rate_limited: see Retry-After",
}


def _responses() -> dict:
    out = {}
    for status, text in _ERROR_TEXT.items():
        out[f"E{status}"] = {"description": text, "content": _json(_ref("Error"))}
    out["E429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                              "description": "Seconds to wait."}}
    return out


_PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                "maximum": MAX_PAGE_SIZE,
                                                "default": DEFAULT_PAGE_SIZE}},
    {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1},
     "description": "Only items with a smaller id (the previous page's next_before)."},
]
_USERNAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}
_POST_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PUBLIC = []  # `security: []`: no session needed


def _body(properties: dict, required: list) -> dict:
    return {"required": True, "content": _json(
        {"type": "object", "required": required, "properties": properties})}


def _account_paths() -> dict:
    credentials = {"username": {"type": "string"}, "password": {"type": "string"}}
    return {
        "/api/signup": {"post": {
            "summary": "Create an account", "security": _PUBLIC,
            "requestBody": _body({**credentials, "name": {"type": "string"},
                                  "password": {"type": "string",
                                               "minLength": PASSWORD_MIN_CHARS,
                                               "maxLength": PASSWORD_MAX_CHARS}},
                                 ["username", "name", "password"]),
            "responses": {"201": _ok("The new user", "User"), **_errors(400, 409, 415, 422)}}},
        "/api/login": {"post": {
            "summary": "Log in: a bearer token and the session cookie", "security": _PUBLIC,
            "requestBody": _body(credentials, ["username", "password"]),
            "responses": {"200": _ok("Logged in", "LoginResult"),
                          **_errors(400, 401, 415, 422, 429)}}},
        "/api/logout": {"post": {"summary": "End this session",
                                 "responses": {"204": _ok("Logged out"), **_errors(401, 403)}}},
        "/api/me": {"get": {"summary": "The logged-in user",
                            "responses": {"200": _ok("You", "User"), **_errors(401)}}},
    }


def _post_paths() -> dict:
    post_fields = {"body": {"type": "string", "maxLength": MAX_BODY_CHARS},
                   "visibility": {"type": "string", "enum": list(VISIBILITIES),
                                  "default": DEFAULT_VISIBILITY}}
    multipart = {"type": "object", "properties": {
        **post_fields, "image": {"type": "string", "format": "binary"},
        "csrf_token": {"type": "string", "description": "Required with the session cookie "
                       "unless sent as X-CSRF-Token."}}}
    return {
        "/api/feed": {"get": {
            "summary": "Own posts, friends' non-private posts and public posts, newest first",
            "parameters": _PAGING,
            "responses": {"200": _ok("A page of posts", "PostPage"), **_errors(400, 401)}}},
        "/api/posts": {"post": {
            "summary": "Publish a post (text and/or a photo)",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "object", "properties": post_fields}},
                "multipart/form-data": {"schema": multipart}}},
            "responses": {"201": _ok("The new post", "Post"),
                          **_errors(400, 401, 403, 413, 415, 422)}}},
        "/api/posts/{id}": {
            "parameters": [_POST_ID],
            "get": {"summary": "One post, if the viewer may see it",
                    "responses": {"200": _ok("The post", "Post"), **_errors(401, 404)}},
            "patch": {"summary": "Change the text and/or who may see your post",
                      "requestBody": post_patch_body(),
                      "responses": {"200": _ok("The post", "Post"),
                                    **_errors(400, 401, 403, 404, 415, 422)}},
            "delete": {"summary": "Delete your post and its photo",
                       "responses": {"204": _ok("Deleted"), **_errors(401, 403, 404)}}},
    }


def _people_paths() -> dict:
    return {
        "/api/users": {"get": {
            "summary": "Search people by username or name",
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}},
                           _PAGING[0]],
            "responses": {"200": _ok("Matches, prefix matches first", "UserList"),
                          **_errors(400, 401)}}},
        "/api/users/{username}": {
            "parameters": [_USERNAME],
            "get": {"summary": "One person",
                    "responses": {"200": _ok("The user", "User"), **_errors(401, 404)}}},
        "/api/users/{username}/posts": {
            "parameters": [_USERNAME],
            "get": {"summary": "Their posts this viewer may see", "parameters": _PAGING,
                    "responses": {"200": _ok("A page of posts", "PostPage"),
                                  **_errors(400, 401, 404)}}},
        "/api/friends": {"get": {"summary": "Your friends",
                                 "responses": {"200": _ok("Friends", "FriendList"),
                                               **_errors(401)}}},
        "/api/friends/requests": {"get": {
            "summary": "Pending requests to and from you, newest first, each list a page",
            "parameters": [_PAGING[0]] + [
                {"name": f"{side}_before", "in": "query",
                 "schema": {"type": "integer", "minimum": 1},
                 "description": f"Continue the {side} list (the previous {side}_next_before)."}
                for side in ("incoming", "outgoing")],
            "responses": {"200": _ok("Requests", "FriendRequests"), **_errors(400, 401)}}},
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


def build_document() -> dict:
    """The whole OpenAPI 3.1 document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "MiniFace API", "version": "1",
                 "description": "The JSON API of MiniFace (see API.md). Unsafe requests "
                                "authenticated by the session cookie must be JSON or carry "
                                "the CSRF token; bearer requests need neither."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": _merge_paths(
            _account_paths(), _post_paths(), _people_paths(), chat_paths(_PAGING, _USERNAME),
            profile_paths(), social_paths(_PAGING, _POST_ID),
            {"/api/openapi.json": {"get": {
                "summary": "This document", "security": _PUBLIC,
                "responses": {"200": {"description": "OpenAPI 3 document",
                                      "content": _json({"type": "object"})}}}}}),
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

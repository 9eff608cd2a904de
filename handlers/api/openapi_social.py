"""The likes, comments, post editing and notifications parts of the OpenAPI
document (API.md v1.1); openapi.py merges them in."""

from __future__ import annotations

from ..posts import MAX_BODY_CHARS, VISIBILITIES
from ..reactions import MAX_COMMENT_CHARS
from ..store.notifications import KINDS
from .openapi_fields import stored_text_schema, text_schema

__all__ = ["post_patch_body", "post_social_properties", "social_paths", "social_schemas"]


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


def post_social_properties() -> dict:
    """The v1.1 fields every Post carries."""
    return {"likes": {"type": "integer", "minimum": 0},
            "liked": {"type": "boolean", "description": "The viewer likes it."},
            "comments": {"type": "integer", "minimum": 0},
            "edited_at": {"type": ["string", "null"], "format": "date-time",
                          "description": "When the text was last changed; null if never."}}


def social_schemas() -> dict:
    comment = {"type": "object", "required": ["id", "post_id", "author", "body", "created_at"],
               "properties": {
                   "id": {"type": "integer"}, "post_id": {"type": "integer"},
                   "author": _ref("User"),
                   "body": stored_text_schema(MAX_COMMENT_CHARS),
                   "created_at": {"type": "string", "format": "date-time"}}}
    notification = {
        "type": "object",
        "required": ["id", "kind", "actor", "post_id", "comment_id", "created_at", "read"],
        "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)},
            "actor": _ref("User"),
            "post_id": {"type": ["integer", "null"],
                        "description": "Set for like, comment and reply."},
            "comment_id": {"type": ["integer", "null"],
                           "description": "The new comment, for comment and reply."},
            "created_at": {"type": "string", "format": "date-time"},
            "read": {"type": "boolean"}}}
    return {
        "Comment": comment,
        "CommentPage": {"type": "object", "required": ["comments", "next_before"],
                        "properties": {"comments": {"type": "array", "items": _ref("Comment")},
                                       "next_before": {"type": ["integer", "null"]}}},
        "Notification": notification,
        "NotificationPage": {
            "type": "object", "required": ["notifications", "unread", "next_before"],
            "properties": {"notifications": {"type": "array", "items": _ref("Notification")},
                           "unread": {"type": "integer", "minimum": 0},
                           "next_before": {"type": ["integer", "null"]}}},
        "LikeState": {"type": "object", "required": ["likes", "liked"], "properties": {
            "likes": {"type": "integer", "minimum": 0}, "liked": {"type": "boolean"}}},
    }


def post_patch_body() -> dict:
    """PATCH /api/posts/{id}: a new text and/or visibility (at least one)."""
    return {"required": True, "content": _json({
        "type": "object", "anyOf": [{"required": ["body"]}, {"required": ["visibility"]}],
        "description": "At least one of body and visibility (other members are ignored, "
                       "so a body with neither is 422).",
        "properties": {
            "body": text_schema(MAX_BODY_CHARS, blank=True, description=(
                "May be blank only when the post has a photo (else 422 naming body); a "
                "changed text sets edited_at.")),
            "visibility": {"type": "string", "enum": list(VISIBILITIES)}}})}


def social_paths(paging: list, post_id: dict) -> dict:
    """The paths; `paging` and `post_id` are openapi.py's shared parameters."""
    comment_body = {"required": True, "content": _json({
        "type": "object", "required": ["body"], "properties": {
            "body": text_schema(MAX_COMMENT_CHARS)}})}
    read_body = {"required": True, "content": _json({
        "type": "object", "properties": {
            "up_to": {"type": ["integer", "null"], "minimum": 1,
                      "description": "Mark only those with id <= up_to; all when absent "
                                     "or null."}}})}
    comment_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "/api/posts/{id}/like": {
            "parameters": [post_id],
            "post": {"summary": "Like a post (liking twice is still one like)",
                     "responses": {"200": _ok("The post's like count", "LikeState"),
                                   **_errors(401, 403, 404)}},
            "delete": {"summary": "Take your like back (not an error if there was none)",
                       "responses": {"200": _ok("The post's like count", "LikeState"),
                                     **_errors(401, 403, 404)}}},
        "/api/posts/{id}/likes": {
            "parameters": [post_id],
            "get": {"summary": "Who likes the post, your friends first",
                    "parameters": [paging[0]],
                    "responses": {"200": _ok("People", "UserList"),
                                  **_errors(400, 401, 404, 422)}}},
        "/api/posts/{id}/comments": {
            "parameters": [post_id],
            "get": {"summary": "The latest comments, in the order written; next_before pages "
                               "to earlier ones", "parameters": paging,
                    "responses": {"200": _ok("A page of comments", "CommentPage"),
                                  **_errors(400, 401, 404, 422)}},
            "post": {"summary": "Comment on a post", "requestBody": comment_body,
                     "responses": {"201": _ok("The comment", "Comment"),
                                   **_errors(400, 401, 403, 404, 413, 415, 422)}}},
        "/api/comments/{id}": {
            "parameters": [comment_id],
            "delete": {"summary": "Delete a comment you wrote, or one on your post",
                       "responses": {"204": _ok("Deleted"), **_errors(401, 403, 404)}}},
        "/api/notifications": {"get": {
            "summary": "Your notifications, newest first, with the unread count",
            "parameters": paging,
            "responses": {"200": _ok("A page of notifications", "NotificationPage"),
                          **_errors(400, 401, 422)}}},
        "/api/notifications/read": {"post": {
            "summary": "Mark all notifications read, or those with id <= up_to",
            "requestBody": read_body,
            "responses": {"204": _ok("Marked"), **_errors(400, 401, 403, 413, 415, 422)}}},
    }

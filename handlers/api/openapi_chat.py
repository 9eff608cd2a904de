"""The chat, presence and live-event parts of the OpenAPI document (openapi.py
merges them in): schemas for messages and conversations, and their paths."""

from __future__ import annotations

from ..messages import MAX_MESSAGE_CHARS
from .openapi_fields import USERNAME_PATTERN, stored_text_schema, text_schema

__all__ = ["chat_paths", "chat_schemas"]

_EVENT_STREAM_TEXT = (
    "Server-Sent Events. Each event has a name and one JSON `data:` line: "
    "`message` (a Message, sent to both people), `friend_request` and "
    "`friend_accepted` (`{\"user\": User}`: who asked or accepted), `presence` "
    "(`{\"user\": User, \"online\": bool}` when a friend comes online or goes "
    "offline), `notification` (a Notification, within a second of the action). "
    "A comment line is sent when the stream has been quiet for 15 s.")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str) -> dict:
    return {"application/json": {"schema": _ref(name)}}


def _errors(*statuses: int) -> dict:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def chat_schemas() -> dict:
    message = {"type": "object", "required": ["id", "from", "to", "body", "created_at", "read"],
               "properties": {
                   "id": {"type": "integer", "minimum": 1},
                   "from": {"type": "string", "pattern": USERNAME_PATTERN},
                   "to": {"type": "string", "pattern": USERNAME_PATTERN},
                   "body": stored_text_schema(MAX_MESSAGE_CHARS),
                   "created_at": {"type": "string", "format": "date-time"},
                   "read": {"type": "boolean",
                            "description": "Whether the recipient has opened it."}}}
    conversation = {"type": "object", "required": ["with", "last", "unread"], "properties": {
        "with": _ref("User"), "last": _ref("Message"), "unread": {"type": "integer"}}}
    return {
        "Message": message,
        "MessagePage": {"type": "object", "required": ["messages", "next_before"],
                        "properties": {"messages": {"type": "array", "items": _ref("Message")},
                                       "next_before": {"type": ["integer", "null"]}}},
        "ConversationList": {"type": "object", "required": ["conversations"], "properties": {
            "conversations": {"type": "array", "items": conversation}}},
        "OnlineList": {"type": "object", "required": ["online"], "properties": {
            "online": {"type": "array", "items": _ref("User")}}},
    }


def chat_paths(paging: list, username: dict) -> dict:
    """The paths; `paging` and `username` are openapi.py's shared parameters."""
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["body"], "properties": {
            "body": text_schema(MAX_MESSAGE_CHARS)}}}}}
    return {
        "/api/messages": {"get": {
            "summary": "Your conversations, most recent first, with unread counts",
            "responses": {"200": {"description": "Conversations",
                                  "content": _json("ConversationList")}, **_errors(401)}}},
        "/api/messages/{username}": {
            "parameters": [username],
            "get": {"summary": "Messages with a friend, newest first; marks theirs read",
                    "parameters": paging,
                    "responses": {"200": {"description": "A page of messages",
                                          "content": _json("MessagePage")},
                                  **_errors(400, 401, 403, 404, 422)}},
            "post": {"summary": "Send a friend a message", "requestBody": body,
                     "responses": {"201": {"description": "The message",
                                           "content": _json("Message")},
                                   **_errors(400, 401, 403, 404, 413, 415, 422)}}},
        "/api/friends/online": {"get": {
            "summary": "Friends active in the last 2 minutes or with a live connection",
            "description": "By name; all of them (at most the cap on friends, 5,000 by "
                           "default), or the first `limit`.",
            "parameters": [{**paging[0], "schema": {k: v for k, v in paging[0]["schema"].items()
                                                    if k != "default"},
                            "description": "At most this many (1 to 100); absent or empty: "
                                           "all of them."}],
            "responses": {"200": {"description": "Online friends", "content": _json("OnlineList")},
                          **_errors(400, 401, 422)}}},
        "/api/events": {"get": {
            "summary": "Live updates (text/event-stream)", "description": _EVENT_STREAM_TEXT,
            "responses": {"200": {"description": "An open event stream", "content": {
                "text/event-stream": {"schema": {"type": "string"}}}}, **_errors(401)}}},
    }

"""Chat between friends, shared by the JSON API and the chat pages.

The rule: two people may read and write their conversation only while they are
friends (403 otherwise); an unknown username is 404. Reading a conversation marks
the messages received in it read. A sent message is handed to the live hub at
once, so streams in this process show it without waiting for the next poll.
"""

from __future__ import annotations

from .errors import Forbidden, Invalid
from .friends import find_user
from .store import friends as friend_store
from .store import messages as message_store
from .store.times import iso
from .text_rules import is_clean_text

__all__ = ["MAX_MESSAGE_CHARS", "chat_partner", "conversations", "message_json",
           "read_conversation", "send_message", "validate_message_body"]

# API.md: "message up to 2,000" characters; a message of only spaces says nothing.
MAX_MESSAGE_CHARS = 2000
_NOT_FRIENDS = "You can only chat with friends."


def message_json(row: dict) -> dict:
    """The API's message object (API.md "Objects") from a store row."""
    return {"id": row["id"], "from": row["from_username"], "to": row["to_username"],
            "body": row["body"], "created_at": iso(row["created_at"]),
            "read": row["read_at"] is not None}


def validate_message_body(body) -> str:
    """The body with Windows line ends made "\\n"; `Invalid` unless it is 1 to
    MAX_MESSAGE_CHARS characters of text with something besides spaces."""
    if not isinstance(body, str):
        raise Invalid({"body": "must be text"})
    body = body.replace("\r\n", "\n")
    if not body.strip():
        problem = "write something"
    elif len(body) > MAX_MESSAGE_CHARS:
        problem = f"up to {MAX_MESSAGE_CHARS:,} characters"
    elif not is_clean_text(body):
        problem = "no control characters"
    else:
        return body
    raise Invalid({"body": problem}, f"The message body: {problem}.")


def chat_partner(ctx, *, viewer_id: int, username: str) -> dict:
    """The user named `username` if the viewer may chat with them: 404 for an
    unknown name, 403 unless they are friends."""
    other = find_user(ctx, username)
    if not friend_store.are_friends(ctx.db, a=viewer_id, b=other["id"]):
        raise Forbidden(_NOT_FRIENDS)
    return other


def send_message(ctx, *, sender_id: int, username: str, body) -> dict:
    """Store a message from `sender_id` to `username` and return its row.

    Raises NotFound, Forbidden (not friends) or Invalid (the body).
    """
    other = chat_partner(ctx, viewer_id=sender_id, username=username)
    text = validate_message_body(body)
    row = message_store.send_message(ctx.db, sender_id=sender_id, recipient_id=other["id"],
                                     body=text, now=ctx.now())
    ctx.live.message_sent(row)
    return row


def read_conversation(ctx, *, viewer_id: int, username: str, before=None,
                      limit: int = 20) -> tuple[dict, list]:
    """(the partner, up to `limit` + 1 messages newest first from `before`).

    Marks what the partner sent the viewer read first, so the rows say so. The
    extra row tells the caller whether an older page exists.
    """
    other = chat_partner(ctx, viewer_id=viewer_id, username=username)
    message_store.mark_read(ctx.db, reader_id=viewer_id, other_id=other["id"], now=ctx.now())
    rows = message_store.conversation(ctx.db, user_id=viewer_id, other_id=other["id"],
                                      before=before, limit=min(limit + 1,
                                                               message_store.MAX_PAGE_SIZE))
    return other, rows


def conversations(ctx, *, viewer_id: int) -> list:
    """[{with: user, last: message row, unread: int}], most recent first."""
    return message_store.conversations_for(ctx.db, user_id=viewer_id)

"""Friend actions, shared by the JSON API and the HTML pages.

These run on the loop thread and answer at once (no blocking work), raising
`HTTPError`s the API and the pages both understand:

- `befriend` sends a request, or accepts when the other person asked first;
- `unfriend` undoes whatever links two people: a friendship, one's own pending
  request (cancel) or theirs (decline).

Listeners registered on `FriendEvents` hear about each change (live updates use
this; nothing else needs it).
"""

from __future__ import annotations

import logging

from .errors import Conflict, Invalid, NotFound
from .store import friends as friend_store
from .store import users as user_store
from .store.errors import AlreadyFriends, AlreadyRequested, FriendLimit, PendingLimit, SelfRelation

__all__ = ["FriendEvents", "befriend", "find_user", "unfriend"]

log = logging.getLogger(__name__)


class FriendEvents:
    """Listeners `fn(kind, actor, other)` for friend changes, called on the loop thread.

    `kind` is "friend_request", "friend_accepted", "unfriended", "cancelled" or
    "declined"; `actor` is the user dict of who acted, `other` who it concerns.
    A failing listener is logged and never breaks the action.
    """

    def __init__(self):
        self._listeners = []

    def subscribe(self, fn) -> None:
        self._listeners.append(fn)

    def publish(self, kind: str, actor: dict, other: dict) -> None:
        for fn in list(self._listeners):
            try:
                fn(kind, actor, other)
            except Exception:
                log.exception("a friend-event listener failed")


def find_user(ctx, username: str) -> dict:
    """The user named `username` (any letter case); 404 if there is none."""
    user = user_store.get_user_by_username(ctx.db, username) if username else None
    if user is None:
        raise NotFound("No such user.")
    return user


def befriend(ctx, *, viewer: dict, username: str) -> tuple[dict, str]:
    """Ask `username` to be friends, or accept their request.

    Returns (that user, the new state: "request_sent" or "friends"). Raises
    NotFound (unknown user), Invalid (yourself), Conflict (already friends,
    already requested, too many requests pending: `max_pending_sent` from the
    viewer, or `max_pending_received` for the other person, or a full friend list:
    `max_friends` on either side, for a request and for an acceptance alike).
    """
    other = find_user(ctx, username)
    config = ctx.config
    try:
        state = friend_store.request_or_accept(ctx.db, from_id=viewer["id"], to_id=other["id"],
                                               now=ctx.now(), max_sent=config.max_pending_sent,
                                               max_received=config.max_pending_received,
                                               max_friends=config.max_friends)
    except SelfRelation:
        raise Invalid({"username": "You cannot befriend yourself."},
                      "You cannot befriend yourself.") from None
    except AlreadyFriends:
        raise Conflict("You are already friends.") from None
    except AlreadyRequested:
        raise Conflict("You already asked; wait for an answer.") from None
    except PendingLimit as exc:
        raise Conflict(_pending_message(exc.side, config, other)) from None
    except FriendLimit as exc:
        raise Conflict(_friend_limit_message(exc.side, config, other)) from None
    kind = "friend_accepted" if state == "friends" else "friend_request"
    ctx.friend_events.publish(kind, viewer, other)
    return other, state


def _pending_message(side: str, config, other: dict) -> str:
    if side == "sent":
        return (f"You have {config.max_pending_sent:,} friend requests waiting for an answer; "
                "cancel some before sending more.")
    return (f"{other['name']} has too many friend requests waiting for an answer; "
            "try again later.")


def _friend_limit_message(side: str, config, other: dict) -> str:
    if side == "self":
        return (f"You have {config.max_friends:,} friends, the most anyone can have here; "
                "unfriend someone before adding more.")
    return (f"{other['name']} has {config.max_friends:,} friends, the most anyone can have "
            "here, and cannot add more.")


def unfriend(ctx, *, viewer: dict, username: str) -> str:
    """Unfriend `username`, cancel one's request to them, or decline theirs.

    Returns what was undone: "unfriended", "cancelled" or "declined". Raises
    NotFound for an unknown user or when there is nothing to undo.
    """
    other = find_user(ctx, username)
    undone = friend_store.remove_relation(ctx.db, viewer_id=viewer["id"], other_id=other["id"])
    if undone is None:
        raise NotFound("There is nothing to undo with this person.")
    ctx.friend_events.publish(undone, viewer, other)
    return undone

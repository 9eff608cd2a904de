"""Exceptions the store raises; handlers map them to HTTP statuses."""

__all__ = [
    "StoreError",
    "UsernameTaken",
    "AlreadyFriends",
    "AlreadyRequested",
    "SelfRelation",
    "QueryTimeout",
    "IntegrityError",
    "UniqueViolation",
    "PendingLimit",
    "FriendLimit",
]


class StoreError(Exception):
    """Base class: a store operation could not be done as asked."""


class UsernameTaken(StoreError):
    """The username exists already (compared case-insensitively). HTTP 409."""


class AlreadyFriends(StoreError):
    """A friend request between two people who are already friends. HTTP 409."""


class AlreadyRequested(StoreError):
    """A second friend request from the same sender to the same person. HTTP 409."""


class SelfRelation(StoreError):
    """A friend request to oneself. HTTP 422."""


class QueryTimeout(StoreError):
    """A query ran past its time budget and was interrupted."""


class IntegrityError(StoreError):
    """A write broke a constraint (foreign key, check, not null), on either backend."""


class UniqueViolation(IntegrityError):
    """A write would duplicate a unique key."""


class PendingLimit(StoreError):
    """A new friend request would pass a cap on pending requests. `side` says whose:
    "sent" (the one asking has too many waiting) or "received" (the one asked)."""

    def __init__(self, side: str):
        super().__init__(f"too many pending requests {side}")
        self.side = side


class FriendLimit(StoreError):
    """A friendship would give someone more than the cap on friends. `side` says
    whose list is full: "self" (the one asking or accepting) or "other"."""

    def __init__(self, side: str):
        super().__init__(f"friend list full ({side})")
        self.side = side

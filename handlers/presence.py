"""Presence: who among the friends of the people connected here comes online or
goes offline.

"Online" is defined once, in store/live.py: an event stream open in any worker,
or a request in the last two minutes. `PresenceWatch` belongs to one worker's
live hub. It keeps the friend lists of the people holding streams in this worker
(reloaded when a friend event says they changed) and the last known state of
every friend on those lists; `changes(now)` asks sqlite who is online now and
reports the differences. Because it compares snapshots of the shared database,
a friend connecting to another worker, closing their last stream anywhere, or
simply going quiet for two minutes all show up the same way.

A friend seen for the first time (a new stream, a new friendship) only sets the
baseline: clients learn the current state from `GET /api/friends/online`.
"""

from __future__ import annotations

from .store import live as live_store
from .store import users as user_store

__all__ = ["PresenceWatch", "online_friends"]


def online_friends(ctx, *, user_id: int, limit: int | None = None) -> list:
    """The user's friends online now, by name (the first `limit`, or all)."""
    return live_store.online_friends(ctx.db, user_id=user_id, now=ctx.now(), limit=limit)


class PresenceWatch:
    """Presence changes among the friends of a set of local users."""

    def __init__(self, db):
        self.db = db
        self._friends: dict[int, set | None] = {}   # local user -> friend ids (None: reload)
        self._online: dict[int, bool] = {}          # watched friend -> last known state

    def add_user(self, user_id: int, now: int) -> None:
        """Watch `user_id`'s friends from now on. Their current states become the
        baseline at once, so a friend who connects a moment later is a change."""
        if user_id in self._friends:
            return
        self._friends[user_id] = None
        self._load_missing(now)

    def remove_user(self, user_id: int) -> None:
        self._friends.pop(user_id, None)

    def invalidate(self, user_id: int) -> None:
        """`user_id`'s friends changed: reload the list on the next check."""
        if user_id in self._friends:
            self._friends[user_id] = None

    def friends_of(self, user_id: int) -> set:
        """The cached friend ids of a local user (empty when unknown)."""
        return self._friends.get(user_id) or set()

    def changes(self, now: int) -> list[tuple[int, dict, bool]]:
        """[(local user id, friend user dict, online)] since the last call."""
        self._load_missing(now)
        watchers: dict[int, list[int]] = {}
        for user_id, friends in self._friends.items():
            for friend_id in friends:
                watchers.setdefault(friend_id, []).append(user_id)
        online = live_store.online_ids(self.db, user_ids=watchers, now=now)
        changed = [friend_id for friend_id in watchers
                   if self._online.get(friend_id, friend_id in online) != (friend_id in online)]
        self._online = {friend_id: friend_id in online for friend_id in watchers}
        out = []
        for friend_id in changed:
            friend = user_store.get_user(self.db, friend_id)
            if friend is None:
                continue  # the account was deleted between the two queries
            out.extend((user_id, friend, friend_id in online) for user_id in watchers[friend_id])
        return out

    def _load_missing(self, now: int) -> None:
        """Load the friend lists marked for (re)loading; friends not watched yet get
        their current state as the baseline."""
        missing = [user_id for user_id, friends in self._friends.items() if friends is None]
        if not missing:
            return
        loaded = live_store.friend_ids_of(self.db, user_ids=missing)
        self._friends.update(loaded)
        new = set().union(*loaded.values()) - self._online.keys()
        online = live_store.online_ids(self.db, user_ids=new, now=now)
        self._online.update({friend_id: friend_id in online for friend_id in new})

"""The live hub: pushes messages, friend events and presence to open event streams.

Theory of operation
-------------------
`GET /api/events` hands its `EventStream` to this process's `LiveHub`, which
keeps the streams it holds by user id. Several processes may serve one port
(`--workers N` with SO_REUSEPORT), and the two people in a chat are usually
connected to different ones, so delivery never relies on memory shared between
processes. The database is the bus:

1. Whatever should reach someone is a row in sqlite: a message in `messages`, a
   friend request or acceptance in `live_events` (written by `_on_friend_event`
   in the process that handled the action), a like, comment, reply or friend
   change in `notifications` (written by the action itself, see
   store/notifications.py).
2. While a hub holds at least one stream, it polls every POLL_INTERVAL_SECONDS
   (0.25 s) for rows with an id above the highest it has seen, addressed to the
   people connected to it (`messages_involving_after`, `events_after`,
   `notifications_after`; one query each, however many streams), and writes them
   to their streams. Notifications are read through the visibility rule with the
   recipient as viewer, so one about a post they can no longer see is not sent. Ids only grow
   and each insert commits on its own, so "id > cursor" never skips a row and
   never returns one twice.
3. Every PRESENCE_INTERVAL_SECONDS (1 s) it compares who among its people's
   friends is online with the previous answer and sends `presence` events
   (handlers/presence.py). Every STREAM_RENEW_SECONDS (30 s) it renews its rows in
   `live_streams`, which is how other processes know about the streams it holds,
   and closes streams whose session has ended (logout or expiry).

A session may hold `max_streams_per_session` streams and a user
`max_streams_per_user` (handlers/config.py); opening one more closes the oldest
of that session or user, after a last `closed` event. Logging out closes the
session's streams in this process at once (`close_session`).

A message sent through this process is also pushed at once (`message_sent`); its
id is remembered so the next poll does not send it again. Delays: a message or
friend event reaches a stream in another process within one poll (at most
0.25 s plus the query); presence changes within about 1 s; a friend who goes
quiet without a stream turns offline two minutes after their last request.

A hub without streams runs no timer and sends no queries. When its first stream
opens, its cursors start at the newest ids: a page that (re)connects reloads
what it shows, so older rows need not be replayed.

With sqlite everything here runs on the loop thread, which owns the database
connection.

PostgreSQL (several machines, one database): no table is polled for deliveries.
Every row above is also announced with NOTIFY on `miniface_live` when its
transaction commits (store/live.py `announce`: "message:<id>", "event:<id>",
"notification:<id>", and "presence:<user id>" when someone opens their first or
closes their last stream on any node). Each node holds one listening connection
on a thread of its own (handlers/listener.py), which hands each announcement to
the loop (`on_announcement`, through `call_soon_threadsafe`). The hub gathers the
ids announced since its last read and reads exactly those rows, by id, for the
people connected here — on the one-thread "live" pool, never on the loop — and
the loop sends the results. Reading by id, not "id > cursor", matters here:
transactions on several connections commit out of id order, which a cursor would
skip. Presence (who went quiet for two minutes) and session expiry are a matter
of the clock, so they are still checked every PRESENCE_INTERVAL_SECONDS, on the
same pool. Streams themselves (the dicts below) are only touched on the loop:
handlers, which run on database threads with PostgreSQL, reach them through
`call_soon_threadsafe`.

After a reconnection (PostgreSQL). A NOTIFY reaches only the connections
listening when it commits, so while the listening connection is down (a restart
of PostgreSQL, a network failure, a terminated backend) announcements are lost.
When LISTEN is in place again (`on_listener_reconnected`), the hub replays from
the tables: for each kind, the rows for the people here with an id above its
floor that it has not handled yet, oldest first, and sends them as if announced
(a presence check follows). The hub remembers every id it handled (announced
and read, or replayed) for REPLAY_MEMORY_SECONDS; an id that ages out of that
memory raises the floor of its kind, and the floors start at the highest ids
when the hub's first stream opens. So a row is replayed unless it was handled
already, and a stream gets each message once, before and after the gap; only a
transaction that stays open longer than REPLAY_MEMORY_SECONDS and commits
during the gap can fall under the floor and stay missed (a reloaded page shows
it). At most REPLAY_PAGES pages of MAX_LIVE_BATCH rows per kind are replayed.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import CancelledError

from reactor import EventStream

from .api.shapes import notifications_json, user_json
from .config import LIVE_POOL
from .messages import message_json
from .presence import PresenceWatch
from .store import live as live_store
from .store import messages as message_store
from .store import notifications as notification_store
from .store.messages import MAX_LIVE_BATCH

__all__ = ["LiveHub", "POLL_INTERVAL_SECONDS", "PRESENCE_INTERVAL_SECONDS"]

log = logging.getLogger(__name__)

# Chat should feel instant: a quarter second is below what people notice in a
# conversation, and one indexed range query per tick costs well under a
# millisecond when nothing is new.
POLL_INTERVAL_SECONDS = 0.25
# Presence needs no such hurry, and its query touches every watched friend.
PRESENCE_INTERVAL_SECONDS = 1.0
# PostgreSQL: how long the hub remembers the ids it handled, so that a replay
# after the listener reconnects sends nothing twice (module doc), and how many
# pages of rows per kind one replay reads at most.
REPLAY_MEMORY_SECONDS = 60.0
REPLAY_PAGES = 10
REPLAYED = ("message", "event", "notification")
# friend action -> [(who is told, event kind, who it is about)], as "other"/"actor".
_FRIEND_EVENT_ROWS = {
    "friend_request": [("other", "friend_request", "actor")],
    "friend_accepted": [("other", "friend_accepted", "actor"),
                        ("actor", "friends_changed", "other")],
    "unfriended": [("other", "friends_changed", "actor"),
                   ("actor", "friends_changed", "other")],
}
# The friendship the receiver now has with the actor, for the event's user object.
_FRIENDSHIP_AFTER = {"friend_request": "request_received", "friend_accepted": "friends"}


class LiveHub:
    """The event streams of one process, and their deliveries (see the module doc)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db
        # Names this process's rows in live_streams; random, so a restarted
        # process never inherits the rows of the one before it.
        self.worker = secrets.token_hex(8)
        self.presence = PresenceWatch(ctx.db)
        # user id -> streams, and session -> streams: dicts used as ordered sets,
        # oldest first, so the caps can close the oldest.
        self._streams: dict[int, dict[EventStream, None]] = {}
        self._by_session: dict[str, dict[EventStream, None]] = {}
        self._session_of: dict[EventStream, str] = {}
        self._server = None
        self._timer = None
        self._message_cursor = 0
        self._event_cursor = 0
        self._notification_cursor = 0
        self._pushed: set[int] = set()       # ids sent by `message_sent`, above the cursor
        self._presence_due = 0.0             # monotonic time of the next presence check
        self._renewed_at = 0                 # app time of the last live_streams renewal
        # PostgreSQL: rows are read off the loop, on announcements (module doc).
        self.networked = bool(getattr(ctx.db, "blocks_on_network", False))
        self._announced = _no_announcements()  # kind -> ids announced, not read yet
        self._reading = False                # a read of announced rows is on the pool
        self._replay_due = False             # the listener reconnected: replay (loop)
        # Used on the live pool only: kind -> {id: monotonic time handled}, oldest
        # first, and kind -> the id at or below which everything was handled.
        self._handled: dict[str, dict[int, float]] = {kind: {} for kind in REPLAYED}
        self._floor = dict.fromkeys(REPLAYED, 0)
        # PresenceWatch is used by the live pool and, when a stream opens, by the
        # database thread of that request (PostgreSQL).
        self._presence_lock = threading.RLock()
        ctx.friend_events.subscribe(self._on_friend_event)

    def attach(self, server) -> None:
        """The server whose loop owns the streams (Application.on_start)."""
        self._server = server

    # -- streams -----------------------------------------------------------------

    @property
    def stream_count(self) -> int:
        return sum(len(streams) for streams in self._streams.values())

    def is_connected(self, user_id: int) -> bool:
        """Whether `user_id` holds a stream in this process."""
        return user_id in self._streams

    def open_stream(self, server, user_id: int, session_key: str | None = None) -> EventStream:
        """A new stream for `user_id`; the caller answers with `Response.stream` of it.

        `session_key` (the session's token hash) ties the stream to its session:
        once that session ends (logout anywhere, expiry), the stream is closed.
        Past `max_streams_per_session` or `max_streams_per_user`, the oldest
        stream of that session or user is closed (see handlers/config.py).
        """
        stream = EventStream()
        if self._server is None:
            self._server = server
        if self._on_loop():
            self._register(stream, user_id, session_key, joined=False)
        else:
            # A database thread (PostgreSQL): the rows are written here, before
            # the stream is answered, so the user's friends' states are the
            # baseline before anything else this client does; the streams
            # themselves are the loop's.
            if user_id not in self._streams:
                self._user_joined(user_id)
            server.call_soon_threadsafe(self._register, stream, user_id, session_key, True)
        return stream

    def _register(self, stream: EventStream, user_id: int, session_key: str | None,
                  joined: bool) -> None:
        if not self._streams:
            self._start(self._server)
        if user_id not in self._streams:
            self._streams[user_id] = {}
            if not joined:
                self._work(self._user_joined, user_id)
        self._streams[user_id][stream] = None
        if session_key is not None:
            self._session_of[stream] = session_key
            self._by_session.setdefault(session_key, {})[stream] = None
        stream.on_close(lambda closed: self._on_stream_closed(user_id, closed))
        self._enforce_caps(user_id, session_key)

    def _user_joined(self, user_id: int) -> None:
        live_store.add_stream(self.db, user_id=user_id, worker=self.worker, now=self.ctx.now())
        with self._presence_lock:
            self.presence.add_user(user_id, self.ctx.now())
        self._presence_due = 0.0  # tell this user's friends here soon

    def _user_left(self, user_id: int) -> None:
        with self._presence_lock:
            self.presence.remove_user(user_id)
        live_store.remove_stream(self.db, user_id=user_id, worker=self.worker)
        self._presence_due = 0.0

    def _on_loop(self) -> bool:
        return self._server is None or threading.get_ident() == self._server.loop.thread_id

    def _work(self, fn, *args, then=None) -> None:
        """`fn(*args)` where database work belongs: at once with sqlite; with
        PostgreSQL on the one-thread live pool (so it never waits the loop, and
        PresenceWatch sees one thread), then `then()` back on the loop."""
        if not self.networked or self._server is None:
            fn(*args)
            if then is not None:
                then()
            return

        def failed(exc):
            if isinstance(exc, CancelledError):
                return  # the server is stopping: its pools drop queued work
            log.error("live delivery work failed", exc_info=exc)
            if then is not None:
                then()

        self._server.then(self._server.defer(fn, *args, pool=LIVE_POOL),
                          lambda _: then() if then is not None else None, on_error=failed)

    def _on_loop_call(self, fn, *args) -> None:
        """`fn(*args)` on the loop thread: now if this is it, else queued there."""
        if self._on_loop():
            fn(*args)
        else:
            self._server.call_soon_threadsafe(fn, *args)

    def _enforce_caps(self, user_id: int, session_key: str | None) -> None:
        """Close the oldest streams of a session or user that holds too many.
        Dicts keep insertion order, so the first keys are the oldest streams."""
        config = self.ctx.config
        for stream in _oldest_past(self._by_session.get(session_key, ()),
                                   config.max_streams_per_session):
            _close_replaced(stream, "session")
        for stream in _oldest_past(self._streams.get(user_id, ()), config.max_streams_per_user):
            _close_replaced(stream, "user")

    def close_session(self, session_key: str) -> int:
        """Close this process's streams of one session now (logout); how many."""
        streams = list(self._by_session.get(session_key, ()))
        for stream in streams:
            self._on_loop_call(stream.close)  # its on_close callback forgets it
        return len(streams)

    def _on_stream_closed(self, user_id: int, stream: EventStream) -> None:
        key = self._session_of.pop(stream, None)
        if key is not None:
            session_streams = self._by_session.get(key, {})
            session_streams.pop(stream, None)
            if not session_streams:
                self._by_session.pop(key, None)
        streams = self._streams.get(user_id)
        if streams is None or stream not in streams:
            return
        del streams[stream]
        if not streams:
            del self._streams[user_id]
            self._work(self._user_left, user_id)
        if not self._streams:
            self._stop()

    def close(self) -> None:
        """Forget every stream and this process's live_streams rows (app shutdown)."""
        for user_id in list(self._streams):
            live_store.remove_stream(self.db, user_id=user_id, worker=self.worker)
        self._streams.clear()
        self._by_session.clear()
        self._session_of.clear()
        self._stop()

    # -- the polling timer ---------------------------------------------------------

    def _start(self, server) -> None:
        self._server = server
        self._renewed_at = self.ctx.now()
        if self.networked:
            self._announced = _no_announcements()
            self._replay_due = False
            self._work(self._start_floors)
            self._timer = server.call_later(PRESENCE_INTERVAL_SECONDS, self._on_presence_timer)
            return
        self._message_cursor = message_store.max_message_id(self.db)
        self._event_cursor = live_store.max_event_id(self.db)
        self._notification_cursor = notification_store.max_notification_id(self.db)
        self._pushed.clear()
        self._timer = server.call_later(POLL_INTERVAL_SECONDS, self._on_tick)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_tick(self) -> None:
        # Rescheduled first: a failing query must not end live delivery for good.
        self._timer = self._server.call_later(POLL_INTERVAL_SECONDS, self._on_tick)
        try:
            self._deliver_messages()
            self._deliver_friend_events()
            self._deliver_notifications()
            if time.monotonic() >= self._presence_due:
                self._presence_due = time.monotonic() + PRESENCE_INTERVAL_SECONDS
                self._check_presence()
        except Exception:
            log.exception("live delivery failed; trying again at the next tick")

    # -- PostgreSQL: announcements -------------------------------------------------

    def on_announcement(self, payload: str) -> None:
        """One NOTIFY payload from the listener (loop thread): read it soon."""
        parsed = live_store.parse_announcement(payload)
        if parsed is None or not self._streams:
            return  # nobody here to tell; a stream opened later reloads its page
        kind, number = parsed
        self._announced[kind].add(number)
        self._read_announced()

    def on_listener_reconnected(self) -> None:
        """The listener is LISTENing again after a gap (loop thread): replay what
        the gap may have swallowed (module doc, "After a reconnection")."""
        if not self.networked or not self._streams:
            return
        log.info("replaying what %d stream(s) may have missed", self.stream_count)
        self._replay_due = True
        self._read_announced()

    def _read_announced(self) -> None:
        # One read at a time: announcements arriving meanwhile wait for the next.
        if self._reading or not (self._replay_due or any(self._announced.values())):
            return
        batch, self._announced = self._announced, _no_announcements()
        replay, self._replay_due = self._replay_due, False
        self._reading = True
        self._work(self._deliver_announced, batch, list(self._streams), replay,
                   then=self._after_read)

    def _after_read(self) -> None:
        self._reading = False
        self._read_announced()

    def _deliver_announced(self, batch: dict, user_ids: list, replay: bool = False) -> None:
        """(live pool) Read the announced rows for the people here and send them;
        with `replay`, also every row above the floors not handled yet."""
        readers = {"message": live_store.messages_involving_after,
                   "event": live_store.events_after,
                   "notification": notification_store.notifications_after}
        senders = {"message": lambda rows: [self._send_message(row) for row in rows],
                   "event": self._handle_events,
                   "notification": self._send_notifications}
        for kind in REPLAYED:
            handled = self._handled[kind]
            rows = {}   # id -> row: a row both replayed and announced is sent once
            if replay:
                rows.update((row["id"], row)
                            for row in self._unhandled_rows(readers[kind], user_ids, kind))
            fresh = {number for number in batch[kind] if number not in handled}
            if fresh:
                rows.update((row["id"], row) for row in readers[kind](
                    self.db, after_id=0, user_ids=user_ids, only_ids=fresh))
                self._remember(kind, fresh)
            if rows:
                self._remember(kind, rows)
                senders[kind]([rows[number] for number in sorted(rows)])
        if batch["presence"] or replay:
            self._presence_due = time.monotonic() + PRESENCE_INTERVAL_SECONDS
            self._check_presence()

    def _unhandled_rows(self, reader, user_ids: list, kind: str) -> list:
        """(live pool) Rows of `kind` for `user_ids` above its floor that this hub
        has not handled, at most REPLAY_PAGES pages."""
        rows, after = [], self._floor[kind]
        for _ in range(REPLAY_PAGES):
            page = reader(self.db, after_id=after, user_ids=user_ids)
            rows += [row for row in page if row["id"] not in self._handled[kind]]
            if len(page) < MAX_LIVE_BATCH:
                break
            after = page[-1]["id"]
        if rows:
            log.info("replayed %d %s row(s) missed while not listening", len(rows), kind)
        return rows

    def _remember(self, kind: str, ids) -> None:
        """(live pool) Note `ids` as handled; forget those handled more than
        REPLAY_MEMORY_SECONDS ago, raising the floor past them."""
        now = time.monotonic()
        handled = self._handled[kind]
        for number in ids:
            handled.setdefault(number, now)
        while handled:
            oldest, at = next(iter(handled.items()))
            if now - at <= REPLAY_MEMORY_SECONDS:
                break
            del handled[oldest]
            self._floor[kind] = max(self._floor[kind], oldest)

    def _start_floors(self) -> None:
        """(live pool) The first stream opened: nothing older than now is replayed."""
        for kind in REPLAYED:
            self._handled[kind] = {}
        self._floor = {"message": message_store.max_message_id(self.db),
                       "event": live_store.max_event_id(self.db),
                       "notification": notification_store.max_notification_id(self.db)}

    def _on_presence_timer(self) -> None:
        self._timer = self._server.call_later(PRESENCE_INTERVAL_SECONDS,
                                              self._on_presence_timer)
        if time.monotonic() >= self._presence_due:
            self._presence_due = time.monotonic() + PRESENCE_INTERVAL_SECONDS
            self._work(self._check_presence)

    # -- deliveries -----------------------------------------------------------------

    def message_sent(self, row: dict) -> None:
        """Push a message stored by this process now, ahead of the next poll.
        (PostgreSQL: its announcement delivers it, everywhere at once.)"""
        if self.networked:
            return
        if not self._streams or row["id"] <= self._message_cursor:
            return
        self._pushed.add(row["id"])
        self._send_message(row)

    def _deliver_messages(self) -> None:
        rows = live_store.messages_involving_after(
            self.db, after_id=self._message_cursor, user_ids=list(self._streams))
        for row in rows:
            self._message_cursor = row["id"]
            if row["id"] in self._pushed:
                self._pushed.discard(row["id"])
            else:
                self._send_message(row)
        # Pushed ids the poll can no longer return (below the cursor) are done.
        self._pushed = {i for i in self._pushed if i > self._message_cursor}

    def _send_message(self, row: dict) -> None:
        data = message_json(row)
        for user_id in {row["sender_id"], row["recipient_id"]}:
            self._send(user_id, "message", data)

    def _deliver_friend_events(self) -> None:
        events = live_store.events_after(self.db, after_id=self._event_cursor,
                                         user_ids=list(self._streams))
        for event in events:
            self._event_cursor = event["id"]
        self._handle_events(events)

    def _handle_events(self, events: list) -> None:
        for event in events:
            if event["kind"] == live_store.SESSIONS_ENDED:
                self._close_ended_sessions(self.ctx.now(), user_id=event["user_id"])
            if event["kind"] in ("friend_accepted", "friends_changed"):
                with self._presence_lock:
                    self.presence.invalidate(event["user_id"])
                self._presence_due = 0.0
            if event["kind"] in live_store.CLIENT_EVENT_KINDS:
                user = user_json(event["actor"], _FRIENDSHIP_AFTER[event["kind"]])
                self._send(event["user_id"], event["kind"], {"user": user})

    def _deliver_notifications(self) -> None:
        rows = notification_store.notifications_after(
            self.db, after_id=self._notification_cursor, user_ids=list(self._streams))
        for row in rows:
            self._notification_cursor = row["id"]
        self._send_notifications(rows)

    def _send_notifications(self, rows: list) -> None:
        by_recipient: dict[int, list] = {}
        for row in rows:
            by_recipient.setdefault(row["recipient_id"], []).append(row)
        for user_id, mine in by_recipient.items():
            for data in notifications_json(self.ctx, user_id, mine):
                self._send(user_id, "notification", data)

    def _check_presence(self) -> None:
        now = self.ctx.now()
        if now - self._renewed_at >= live_store.STREAM_RENEW_SECONDS:
            self._renewed_at = now
            live_store.renew_streams(self.db, worker=self.worker, now=now)
            live_store.prune_events(self.db, now=now)
            self._close_ended_sessions(now)
        with self._presence_lock:
            changes = self.presence.changes(now)
        for user_id, friend, online in changes:
            self._send(user_id, "presence", {"user": user_json(friend, "friends"),
                                             "online": online})

    def _close_ended_sessions(self, now: int, user_id: int | None = None) -> None:
        """Close the streams whose session has ended (of `user_id` only, if given)."""
        # Copies: with PostgreSQL this runs on the live pool while the loop may
        # open and close streams (dict() and list() copy without a thread switch).
        mine = list(self._streams.get(user_id, {})) if user_id is not None else None
        watched = {stream: key for stream, key in dict(self._session_of).items()
                   if mine is None or stream in mine}
        alive = live_store.live_sessions(self.db, token_hashes=watched.values(), now=now)
        for stream, key in watched.items():
            if key not in alive:
                self._on_loop_call(stream.close)  # its on_close callback forgets it

    def close_user_streams(self, user_id: int) -> None:
        """Close every stream `user_id` holds in this process (the account is gone)."""
        for stream in list(self._streams.get(user_id, ())):
            self._on_loop_call(stream.close)

    def _send(self, user_id: int, event: str, data) -> None:
        if not self._on_loop():
            self._server.call_soon_threadsafe(self._send, user_id, event, data)
            return
        for stream in list(self._streams.get(user_id, ())):
            stream.send(data, event=event)

    # -- friend actions (any process) ------------------------------------------------

    def _on_friend_event(self, kind: str, actor: dict, other: dict) -> None:
        rows = _FRIEND_EVENT_ROWS.get(kind)
        if not rows:
            return
        people = {"actor": actor, "other": other}
        now = self.ctx.now()
        with self.db.transaction():
            for told, event_kind, about in rows:
                live_store.record_event(self.db, user_id=people[told]["id"], kind=event_kind,
                                        actor_id=people[about]["id"], now=now)


def _no_announcements() -> dict:
    return {kind: set() for kind in live_store.ANNOUNCED}


def _oldest_past(streams, cap: int) -> list[EventStream]:
    """The oldest streams of an ordered collection beyond its first `cap` newest."""
    streams = list(streams)
    return streams[:max(0, len(streams) - cap)]


def _close_replaced(stream: EventStream, holder: str) -> None:
    """End a stream pushed out by a newer one, saying why in a last event."""
    stream.send({"reason": f"too many open event streams for this {holder}; "
                           "the newest ones are kept"}, event="closed")
    stream.close()

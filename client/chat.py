"""A chat with one friend: history, then new messages as they arrive.

The main thread reads lines and sends them. A background thread shows what
arrives, from the Server-Sent Events stream `GET /api/events` when the server
has one, else by asking for the conversation every POLL_INTERVAL_SECONDS. The
stream's notifications (likes, comments, friend news) are shown as one dim line
each, as they arrive.

Both threads print through `_show`, which remembers message ids: a message can
reach us twice (the POST answer and our own echo on the stream; the history
and a catch-up after reconnecting) and must be printed once. After each
(re)connection the listener fetches the recent history again, so nothing sent
while the stream was down is missed.
"""

from __future__ import annotations

import logging
import threading

from .api import ApiClient, ApiError, ServerUnreachable
from .console import Console
from .events import EventStream, LiveUnavailable
from .format import notification_sentence, render_message

__all__ = ["ChatSession", "POLL_INTERVAL_SECONDS"]

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20
POLL_INTERVAL_SECONDS = 2.0
# Reconnect quickly after a blip, then back off so a dead server is not hammered.
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 30.0
PROMPT = "> "
QUIT_WORDS = ("/quit", "/q", "/exit")


class ChatSession:
    """Chat between `me` and `friend` (usernames) until /quit, Ctrl-D or Ctrl-C."""

    def __init__(self, console: Console, client: ApiClient, me: str, friend: dict, *,
                 poll: bool = False, poll_interval: float = POLL_INTERVAL_SECONDS) -> None:
        self.console = console
        self.client = client
        self.me = me
        self.friend = friend["username"]
        self.friend_name = friend.get("name") or self.friend
        self.poll = poll  # skip the event stream (e.g. behind a proxy that buffers it)
        self.poll_interval = poll_interval
        self._seen: set[int] = set()
        self._seen_lock = threading.Lock()
        self._stop = threading.Event()
        self._stream: EventStream | None = None

    def run(self) -> None:
        """Show the history, then chat. Raises ApiError if the chat cannot start."""
        history = self.client.messages(self.friend, limit=HISTORY_LIMIT)["messages"]
        style = self.console.style
        self.console.say(style.bold(f"Chat with {self.friend_name} (@{self.friend})") +
                         style.dim("  — type and press Enter; /quit leaves."))
        if not history:
            self.console.say(style.dim("No messages yet. Say hello!"))
        for message in sorted(history, key=lambda m: m["id"]):
            self._show(message)
        listener = threading.Thread(target=self._listen, name="miniface-chat", daemon=True)
        listener.start()
        try:
            self._type_loop()
        finally:
            self._stop.set()
            if self._stream is not None:
                self._stream.close()
            listener.join(timeout=3)

    # -- the main thread: typing and sending -----------------------------------

    def _type_loop(self) -> None:
        while True:
            try:
                line = self.console.ask(PROMPT, strip=False)
            except (EOFError, KeyboardInterrupt):
                self.console.say()
                return
            text = line.strip()
            if text in QUIT_WORDS:
                return
            if text == "/help":
                self.console.say(self.console.style.dim(
                    "/quit leaves the chat; start a message with // to send a leading /."))
            elif text.startswith("/") and not text.startswith("//"):
                self.console.warn(f"Unknown command {text.split()[0]}; /quit leaves the chat.")
            elif text:
                self._send(line, text.removeprefix("/"))

    def _send(self, typed: str, text: str) -> None:
        # Hold the lock while sending: the stream echoes our own message, often
        # before the POST answers, and the typed line should turn into the message
        # in place rather than stay on screen above a second copy.
        with self._seen_lock:
            try:
                message = self.client.send_message(self.friend, text)
            except (ApiError, ServerUnreachable) as exc:
                self.console.error(f"Not sent: {exc}")
                return
            self._seen.add(message["id"])
            self.console.replace_echo(PROMPT, typed,
                                      render_message(message, self.me, self.console.style))

    def _show(self, message: dict) -> bool:
        """Print a message of this conversation unless it was printed already."""
        with self._seen_lock:
            if message["id"] in self._seen:
                return False
            self._seen.add(message["id"])
            self.console.notify(render_message(message, self.me, self.console.style))
            return True

    # -- the background thread: receiving ----------------------------------------

    def _listen(self) -> None:
        every = f"checking for new messages every {self.poll_interval:g} s."
        try:
            if self.poll:
                self.console.notify(self.console.style.dim(every[0].upper() + every[1:]))
                self._poll()
            else:
                self._listen_live()
        except LiveUnavailable:
            self.console.notify(self.console.style.yellow(
                "Live updates are unavailable on this server; " + every))
            self._poll()
        except ApiError as exc:
            self.console.notify(self.console.style.red(exc.sentence()))

    def _listen_live(self) -> None:
        delay, announced, lost = RECONNECT_FIRST_SECONDS, False, False
        while not self._stop.is_set():
            try:
                self._stream = EventStream(self.client).open()
                if self._stop.is_set():
                    break
                if not announced or lost:
                    self.console.notify(self.console.style.dim(
                        "Connected: new messages appear as they arrive."))
                announced, lost, delay = True, False, RECONNECT_FIRST_SECONDS
                self._catch_up()
                for event in self._stream:
                    self._on_event(event)
            except ServerUnreachable as exc:
                if not lost and not self._stop.is_set():
                    self.console.notify(self.console.style.yellow(f"{exc} Reconnecting…"))
                lost = True
            finally:
                if self._stream is not None:
                    self._stream.close()
            self._stop.wait(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _on_event(self, event) -> None:
        if event.event == "notification":
            self._announce(event)
            return
        if event.event != "message":
            return  # presence and friend events have no place in this chat
        try:
            message = event.json()
            message = message.get("message", message)
            sender, recipient = message["from"], message["to"]
        except (ValueError, AttributeError, KeyError, TypeError):
            log.warning("unexpected message event: %r", event.data)
            return
        if self.friend in (sender, recipient) and self.me in (sender, recipient):
            if self._show(message) and sender == self.friend:
                self._mark_read()
        elif recipient == self.me:
            self.console.notify(self.console.style.dim(
                f"(new message from @{sender}; /quit and chat with them to read it)"))

    def _announce(self, event) -> None:
        """A notification (a like, a comment, friend news) as one dim line."""
        try:
            note = event.json()
            text = notification_sentence(note)
        except (ValueError, AttributeError, TypeError):
            log.warning("unexpected notification event: %r", event.data)
            return
        self.console.notify(self.console.style.dim(f"(notification: {text})"))

    def _mark_read(self) -> None:
        # Fetching the conversation marks received messages read (API.md).
        try:
            self._catch_up()
        except (ApiError, ServerUnreachable) as exc:
            log.info("could not mark messages read: %s", exc)

    def _catch_up(self) -> None:
        page = self.client.messages(self.friend, limit=HISTORY_LIMIT)["messages"]
        for message in sorted(page, key=lambda m: m["id"]):
            self._show(message)

    def _poll(self) -> None:
        lost = False
        while not self._stop.wait(self.poll_interval):
            try:
                self._catch_up()
                lost = False
            except ServerUnreachable as exc:
                if not lost:
                    self.console.notify(self.console.style.yellow(f"{exc} Retrying…"))
                lost = True
            except ApiError as exc:
                self.console.notify(self.console.style.red(exc.sentence()))
                return

"""The interactive client: log in (or sign up), then a menu of commands.

Each menu command is a `do_<name>(arg)` method of `Menu`; `arg` is whatever
followed the command word ("chat bob", "delete 12"), and a command asks for
what it still needs. Server errors are shown as sentences and the menu goes
on; Ctrl-C inside a command cancels just that command; Ctrl-C or Ctrl-D at the
menu prompt leaves. An unreachable server ends the program (the caller prints
the one-line reason).
"""

from __future__ import annotations

import shutil

from .api import ApiClient, ApiError, photo_part
from .auth import log_out, resume_session, welcome
from .chat import ChatSession
from .config import TokenStore
from .console import Console, readline
from .format import VISIBILITY_LABELS, render_post, render_user_rows
from .profiles import PROFILE_COMMANDS, ProfileCommands
from .social import SOCIAL_COMMANDS, SocialCommands

__all__ = ["Menu", "run"]

COMMANDS = [
    ("feed", "read your feed"),
    ("post", "write a post (text, optional photo, who can see it)"),
    ("mine", "your own posts"),
    ("visibility", "change who can see one of your posts"),
    ("delete", "delete one of your posts"),
    ("people", "search for people"),
    ("friends", "your friends"),
    ("requests", "friend requests: accept, decline, cancel"),
    ("add", "send a friend request"),
    ("unfriend", "remove a friend"),
    ("online", "friends online now"),
    ("chat", "chat with a friend"),
    *SOCIAL_COMMANDS,
    *PROFILE_COMMANDS,
    ("logout", "log out and forget the saved login"),
    ("quit", "leave MiniFace"),
]
ALIASES = {"q": "quit", "exit": "quit", "bye": "quit", "?": "help", "h": "help",
           "search": "people", "me": "mine", "send": "chat", "more": "feed",
           "comment": "comments", "n": "notifications", "bell": "notifications",
           "bio": "profile", "whois": "profile"}
VISIBILITIES = ["public", "friends", "private"]
PAGE_SIZE = 10


def run(console: Console, client: ApiClient, store: TokenStore, *, poll: bool = False) -> int:
    """Log in, then serve the menu until the person quits. Returns the exit status.

    `poll`: chats ask for new messages every few seconds instead of keeping an
    event stream open.
    """
    user = resume_session(client, store)
    while True:
        if user is None:
            user = welcome(console, client, store)
            if user is None:
                return 0
        if Menu(console, client, store, user, poll=poll).run() == "quit":
            console.say("Bye.")
            return 0
        user = None


class Menu(SocialCommands, ProfileCommands):
    """The logged-in menu for one user (likes, comments, notifications: social.py;
    profiles: profiles.py)."""

    def __init__(self, console: Console, client: ApiClient, store: TokenStore, user: dict,
                 *, poll: bool = False) -> None:
        self.console = console
        self.style = console.style
        self.client = client
        self.store = store
        self.user = user
        self.poll = poll
        self._outcome: str | None = None

    # -- the loop -------------------------------------------------------------

    def run(self) -> str:
        """Read commands until "quit" or "logout" (or the session ends); returns which."""
        self.show_menu()
        self.dispatch("news")
        _enable_completion()
        while self._outcome is None:
            try:
                line = self.console.ask(self.style.bold("miniface") + "> ")
            except (EOFError, KeyboardInterrupt):
                self.console.say()
                return "quit"
            name, _, arg = line.partition(" ")
            if name:
                self.dispatch(name, arg.strip())
        return self._outcome

    def dispatch(self, name: str, arg: str = "") -> None:
        """Run one command by name, number or alias, reporting its errors."""
        command = resolve_command(name)
        if command is None:
            self.console.warn(f'No command "{name}". Type "help" for the menu.')
            return
        try:
            getattr(self, "do_" + command)(arg)
        except (KeyboardInterrupt, EOFError):
            self.console.say()
            self.console.warn("Cancelled.")
        except ApiError as exc:
            self.console.error(exc.sentence())
            if exc.status == 401:
                self.console.warn("Your session has ended; please log in again.")
                self.store.forget(self.client.server)
                self._outcome = "expired"

    def show_menu(self) -> None:
        style = self.style
        self.console.say(style.bold("MiniFace") + "  " + f"{self.user['name']} " +
                         style.cyan("@" + self.user["username"]) + style.dim("  " + self.client.server))
        for number, (name, help_text) in enumerate(COMMANDS, 1):
            self.console.say(f"  {style.dim(f'{number:>2}')}  {style.bold(f'{name:<11}')} {help_text}")
        self.console.say(style.dim('Type a command or its number. Commands take arguments too: '
                                   '"chat bob", "delete 12". "help" shows this again.'))

    def do_news(self, arg: str) -> None:
        """What waits for the person: friend requests and unread messages."""
        news = []
        incoming = len(self.client.friend_requests()["incoming"])
        if incoming:
            news.append(_count(incoming, "friend request") + ' ("requests")')
        try:
            unread = sum(c.get("unread", 0) for c in self.client.conversations())
        except ApiError as exc:
            if exc.status not in (404, 405):  # a server without chat has no unread messages
                raise
            unread = 0
        if unread:
            news.append(_count(unread, "unread message") + ' ("chat")')
        notes = self._unread_notifications()
        if notes:
            news.append(_count(notes, "new notification") + ' ("notifications")')
        if news:
            self.console.say(self.style.yellow("You have " + " and ".join(news) + "."))

    def _unread_notifications(self) -> int:
        try:
            return self.client.notifications(limit=1)["unread"]
        except ApiError as exc:
            if exc.status not in (404, 405):  # a server without notifications
                raise
            return 0

    # -- posts ----------------------------------------------------------------

    def do_help(self, arg: str) -> None:
        self.show_menu()

    def do_quit(self, arg: str) -> None:
        self._outcome = "quit"

    def do_feed(self, arg: str) -> None:
        self._page_posts(lambda before: self.client.feed(PAGE_SIZE, before),
                         "Your feed is empty: add friends or write your first post.")

    def do_mine(self, arg: str) -> None:
        username = self.user["username"]
        self._page_posts(lambda before: self.client.user_posts(username, PAGE_SIZE, before),
                         'You have not posted yet: try "post".')

    def _page_posts(self, fetch, empty_text: str) -> None:
        before, shown = None, 0
        width = shutil.get_terminal_size().columns
        while True:
            page = fetch(before)
            for post in page["posts"]:
                self.console.say(render_post(post, self.style, width=width,
                                             server=self.client.server) + "\n")
            shown += len(page["posts"])
            before = page.get("next_before")
            if shown == 0:
                self.console.say(empty_text)
                return
            if before is None:
                self.console.say(self.style.dim("— the end —"))
                return
            if self.console.ask(self.style.dim("Enter for more, q to go back: ")).lower() \
                    not in ("", "m", "more"):
                return

    def do_post(self, arg: str) -> None:
        text = arg or self._read_text()
        path = self.console.ask("Photo (a file path, Enter for none): ")
        photo = None
        if path:
            try:
                photo = photo_part(path)
            except OSError as exc:
                self.console.error(str(exc) if isinstance(exc, FileNotFoundError)
                                   else f"Cannot read {path}: {exc.strerror}.")
                return
        if not text and photo is None:
            self.console.warn("Nothing to post.")
            return
        visibility = self.console.choose("Who can see it?", VISIBILITIES, "friends")
        post = self.client.create_post(text, visibility, photo)
        self.console.ok(f"Posted #{post['id']} ({VISIBILITY_LABELS[post['visibility']]}).")

    def _read_text(self) -> str:
        self.console.say(self.style.dim("Write your post; an empty line ends it."))
        lines = []
        while True:
            line = self.console.ask(self.style.dim("| "), strip=False)
            if not line.strip():
                return "\n".join(lines).strip("\n")
            lines.append(line.rstrip())

    def do_visibility(self, arg: str) -> None:
        post = self._pick_own_post(arg)
        if post is None:
            return
        current = post["visibility"]
        visibility = self.console.choose("Who can see it?", VISIBILITIES, current)
        if visibility == current:
            self.console.say("Unchanged.")
            return
        post = self.client.set_visibility(post["id"], visibility)
        self.console.ok(f"Post #{post['id']} is now {VISIBILITY_LABELS[post['visibility']]}.")

    def do_delete(self, arg: str) -> None:
        post = self._pick_own_post(arg)
        if post is None or not self.console.confirm("Delete this post?"):
            return
        self.client.delete_post(post["id"])
        self.console.ok(f"Deleted post #{post['id']}.")

    def _pick_own_post(self, arg: str) -> dict | None:
        answer = (arg or self.console.ask("Post number (shown as #N): ")).lstrip("#")
        if not answer.isdigit():
            self.console.warn("A post number looks like 12 or #12.")
            return None
        post = self.client.post(int(answer))
        self.console.say(render_post(post, self.style, server=self.client.server))
        if post["author"]["username"] != self.user["username"]:
            self.console.warn("That post is not yours.")
            return None
        return post

    # -- people and friends -----------------------------------------------------

    def do_people(self, arg: str) -> None:
        query = arg or self.console.ask("Search for (name or username): ")
        if not query:
            return
        users = self.client.search_users(query)
        if not users:
            self.console.say(f'Nobody matches "{query}".')
            return
        self.console.say(render_user_rows(users, self.style, numbered=True))
        if any(u.get("friendship") in ("none", "request_received") for u in users):
            answer = self.console.ask("Add as friend (number or username, Enter to skip): ")
            user = _pick(users, answer)
            if user is not None:
                self._befriend(user["username"])

    def do_add(self, arg: str) -> None:
        username = (arg or self.console.ask("Username to add: ")).lstrip("@")
        if username:
            self._befriend(username)

    def _befriend(self, username: str) -> None:
        user = self.client.befriend(username)
        if user.get("friendship") == "friends":
            self.console.ok(f"You and {user['name']} (@{user['username']}) are now friends.")
        else:
            self.console.ok(f"Friend request sent to {user['name']} (@{user['username']}).")

    def do_unfriend(self, arg: str) -> None:
        username = (arg or self.console.ask("Username to remove: ")).lstrip("@")
        if username and self.console.confirm(f"Remove @{username} from your friends?"):
            self.client.unfriend(username)
            self.console.ok(f"@{username} is no longer your friend.")

    def do_friends(self, arg: str) -> None:
        friends = self.client.friends()
        if not friends:
            self.console.say('No friends yet: find people with "people", then "add" them.')
            return
        online = {u["username"] for u in self._online_or_none() or []}
        self.console.say(render_user_rows(friends, self.style, online=online))

    def do_online(self, arg: str) -> None:
        online = self._online_or_none()
        if online is None:
            self.console.warn("This server does not tell who is online.")
        elif not online:
            self.console.say("None of your friends is online right now.")
        else:
            self.console.say(render_user_rows(online, self.style, online={
                u["username"] for u in online}))

    def _online_or_none(self) -> list[dict] | None:
        try:
            return self.client.online_friends()
        except ApiError as exc:
            if exc.status in (404, 405):  # a server without presence
                return None
            raise

    def do_requests(self, arg: str) -> None:
        while True:
            requests = self.client.friend_requests()
            entries = [("in", u) for u in requests["incoming"]]
            entries += [("out", u) for u in requests["outgoing"]]
            if not entries:
                self.console.say("No pending friend requests.")
                return
            self._show_requests(entries)
            answer = self.console.ask("a N accept · d N decline · c N cancel · Enter back: ")
            if not answer:
                return
            self._answer_request(entries, answer)

    def _show_requests(self, entries: list[tuple[str, dict]]) -> None:
        for kind, title in (("in", "Asking to be your friend"), ("out", "Your requests")):
            users = [u for k, u in entries if k == kind]
            if users:
                self.console.say(self.style.bold(title))
                first = 1 + next(i for i, (k, _) in enumerate(entries) if k == kind)
                self.console.say(render_user_rows(users, self.style, numbered=True, start=first))

    def _answer_request(self, entries: list[tuple[str, dict]], answer: str) -> None:
        action, _, which = answer.partition(" ")
        entry = _pick(entries, which.strip(), key=lambda e: e[1]["username"])
        allowed = {"a": "in", "d": "in", "c": "out"}
        if action[:1] not in allowed or entry is None or entry[0] != allowed[action[:1]]:
            self.console.warn('Type "a 1" to accept number 1, "d 1" to decline it, '
                              'or "c 2" to cancel your request number 2.')
            return
        username = entry[1]["username"]
        if action[:1] == "a":
            self._befriend(username)
            return
        self.client.unfriend(username)
        self.console.ok(f"Declined @{username}'s request." if action[:1] == "d"
                        else f"Cancelled your request to @{username}.")

    # -- chat and session ---------------------------------------------------------

    def do_chat(self, arg: str) -> None:
        friend = self._pick_friend(arg.lstrip("@"))
        if friend is not None:
            ChatSession(self.console, self.client, self.user["username"], friend,
                        poll=self.poll).run()

    def _pick_friend(self, username: str) -> dict | None:
        friends = self.client.friends()
        if username:
            match = [f for f in friends if f["username"].lower() == username.lower()]
            if not match:
                self.console.warn(f"@{username} is not your friend; you can only chat with friends.")
            return match[0] if match else None
        if not friends:
            self.console.say('No friends to chat with yet: find people with "people".')
            return None
        online = {u["username"] for u in self._online_or_none() or []}
        unread = {c["with"]["username"]: f"{c['unread']} unread"
                  for c in self.client.conversations() if c.get("unread")}
        self.console.say(render_user_rows(friends, self.style, numbered=True, online=online,
                                          notes=unread))
        return _pick(friends, self.console.ask("Chat with (number or username): "))

    def do_logout(self, arg: str) -> None:
        log_out(self.client, self.store)
        self.console.ok("Logged out; the saved login is forgotten.")
        self._outcome = "logout"


def resolve_command(word: str) -> str | None:
    """A command name from what was typed: a name, a number, an alias or a unique prefix."""
    word = word.lower()
    names = [name for name, _ in COMMANDS]
    if word.isdigit():
        return names[int(word) - 1] if 1 <= int(word) <= len(names) else None
    word = ALIASES.get(word, word)
    if word in names or word in ("help", "news"):
        return word
    matches = [name for name in names if name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _pick(items: list, answer: str, key=lambda user: user["username"]):
    """The item chosen by 1-based number or by username (with or without @)."""
    answer = answer.strip().lstrip("@")
    if answer.isdigit():
        index = int(answer) - 1
        return items[index] if 0 <= index < len(items) else None
    for item in items:
        if answer and key(item).lower() == answer.lower():
            return item
    return None


def _enable_completion() -> None:
    if readline is None:
        return
    words = [name for name, _ in COMMANDS] + ["help"]

    def complete(text: str, state: int) -> str | None:
        matches = [w + " " for w in words if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")

"""Profiles in the interactive menu: show a person, change your own name and bio.

`ProfileCommands` is mixed into `interactive.Menu`, which provides `console`,
`style`, `client` and `user`. The picture is set with the one-shot command
`miniface client avatar PATH` (a file path is awkward to type at a prompt, and the
menu stays text only); the menu shows its URL.
"""

from __future__ import annotations

from .format import render_profile

__all__ = ["PROFILE_COMMANDS", "ProfileCommands"]

PROFILE_COMMANDS = [
    ("profile", "a person's name, bio and picture; change your own name and bio"),
]
CHANGES = ["name", "bio", "nothing"]


class ProfileCommands:
    """do_profile for the menu."""

    def do_profile(self, arg: str) -> None:
        username = arg.strip().lstrip("@")
        own = not username or username == self.user["username"]
        person = self.client.me() if own else self.client.user(username)
        self.console.say(render_profile(person, self.style, server=self.client.server))
        if not own:
            return
        change = self.console.choose("Change", CHANGES, "nothing")
        if change == "name":
            name = self.console.ask("New name: ", person["name"])
            self.user = self.client.update_profile(name=name)
            self.console.ok(f"Name changed to {self.user['name']}.")
        elif change == "bio":
            bio = self.console.ask("New bio, one line (empty clears it): ")
            self.user = self.client.update_profile(bio=bio)
            self.console.ok("Bio saved." if self.user.get("bio") else "Bio cleared.")

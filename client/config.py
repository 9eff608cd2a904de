"""Where the terminal client keeps its login tokens.

One JSON file, `$XDG_CONFIG_HOME/miniface/token.json` (or
`~/.config/miniface/token.json`), holds a token per server URL:

    {"servers": {"http://127.0.0.1:8080": {"token": "...", "username": "alice"}}}

A token is as good as a password until it is logged out, so the directory is
created 0700 and the file is always written 0600: a new file is created with
that mode (never chmod-ed after the fact, which would leave a window) and then
renamed over the old one, so readers never see half a file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

__all__ = ["TokenStore", "config_dir"]

log = logging.getLogger(__name__)

TOKEN_FILE_NAME = "token.json"
FILE_MODE = 0o600
DIR_MODE = 0o700


def config_dir(env=None) -> Path:
    """The client's configuration directory, following the XDG base directory spec."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME")
    if not base or not os.path.isabs(base):
        # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
        home = env.get("HOME") or os.path.expanduser("~")
        base = os.path.join(home, ".config")
    return Path(base) / "miniface"


class TokenStore:
    """Saved tokens, one per server URL."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / TOKEN_FILE_NAME

    def load(self, server: str) -> dict | None:
        """{"token", "username"} saved for `server`, or None."""
        entry = self._read().get(server)
        if isinstance(entry, dict) and isinstance(entry.get("token"), str):
            return entry
        return None

    def save(self, server: str, token: str, username: str) -> None:
        servers = self._read()
        servers[server] = {"token": token, "username": username}
        self._write(servers)

    def forget(self, server: str) -> bool:
        """Drop the token for `server`; True if there was one."""
        servers = self._read()
        if servers.pop(server, None) is None:
            return False
        self._write(servers)
        return True

    def _read(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as f:
                servers = json.load(f).get("servers", {})
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError) as exc:
            # A damaged file only costs a new login; say so and start afresh.
            log.warning("ignoring unreadable token file %s: %s", self.path, exc)
            return {}
        return servers if isinstance(servers, dict) else {}

    def _write(self, servers: dict) -> None:
        self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"servers": servers}, f, indent=2)
                f.write("\n")
            os.chmod(temp, FILE_MODE)  # mkstemp promises 0600; say it anyway
            os.replace(temp, self.path)
        except BaseException:
            os.unlink(temp)
            raise

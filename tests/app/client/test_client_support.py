"""Helpers for the terminal client tests: a private home and the client process.

No tests live here; the test_client_* modules import these helpers. The server
and the people in it come from conftest.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pexpect
from appclient import PASSWORD

from client.api import ApiClient, ApiError
from client.events import EventStream, LiveUnavailable

__all__ = ["PASSWORD", "ClientHome", "closed_port_url", "has_endpoint", "has_event_stream"]

REPO = Path(__file__).resolve().parents[2]
# Each client run is a fresh interpreter; 20 s is far above a normal run (< 1 s)
# and only bounds a hung test.
PROCESS_TIMEOUT_SECONDS = 20
EXPECT_TIMEOUT_SECONDS = 10


def closed_port_url() -> str:
    """A URL on which nothing listens (the port was just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def has_event_stream(url: str, token: str) -> bool:
    """Whether the server has GET /api/events (opened and closed at once)."""
    try:
        EventStream(ApiClient(url, token)).open().close()
    except LiveUnavailable:
        return False
    return True


def has_endpoint(url: str, token: str, path: str) -> bool:
    try:
        ApiClient(url, token).call("GET", path)
    except ApiError as exc:
        return exc.status not in (404, 405)
    return True


class ClientHome:
    """One person's terminal: a private HOME and config dir, and ways to run the client."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url
        self.config = root / "config"
        self.token_path = self.config / "miniface" / "token.json"
        root.mkdir(parents=True, exist_ok=True)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root), "XDG_CONFIG_HOME": str(self.config),
            "NO_COLOR": "1", "TERM": "xterm", "PYTHONPATH": str(REPO),
            "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
        }

    def run(self, *args: str, input: str | None = None, env: dict | None = None,
            server: str | None = None) -> subprocess.CompletedProcess:
        """Run `python -m client --server URL ARGS` to completion."""
        command = [sys.executable, "-m", "client", "--server", server or self.url, *args]
        return subprocess.run(command, input=input, capture_output=True, text=True, cwd=REPO,
                              env={**self.env, **(env or {})}, timeout=PROCESS_TIMEOUT_SECONDS)

    def login(self, username: str) -> None:
        result = self.run("login", "--username", username, "--password-stdin",
                          input=PASSWORD + "\n")
        assert result.returncode == 0, result.stderr

    def spawn(self, *args: str, server: str | None = None) -> pexpect.spawn:
        """The client in a pseudo terminal, as a person would run it."""
        return pexpect.spawn(
            sys.executable, ["-m", "client", "--server", server or self.url, *args],
            env=self.env, cwd=str(REPO), encoding="utf-8", timeout=EXPECT_TIMEOUT_SECONDS,
            dimensions=(40, 120))

"""The `miniface` command, run as a real process."""

import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FAST = ["--argon2-time-cost", "1", "--argon2-memory-cost", "8", "--argon2-parallelism", "1"]
LISTENING = re.compile(r"listening on http://[\d.]+:(\d+)")


def miniface(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "handlers.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


class ServeProcess:
    """`miniface serve` in the background; `port` is read from its log."""

    def __init__(self, *args, env=None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "handlers.cli", "serve", "--port", "0", *args],
            cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
            env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self._port_found = threading.Event()
        self.port = None
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self._port_found.wait(30):
            self.stop()
            raise AssertionError("the server never said where it listens:\n" +
                                 "".join(self.lines))

    def _read_log(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            match = LISTENING.search(line)
            if match and self.port is None:
                self.port = int(match.group(1))
                self._port_found.set()

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def post_json(self, path, obj):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=15)


def test_help_lists_the_commands():
    result = miniface("--help")
    assert result.returncode == 0
    for command in ("serve", "init-db", "seed", "client"):
        assert command in result.stdout


def test_serve_help_shows_flags_and_their_environment_variables():
    result = miniface("serve", "--help")
    assert result.returncode == 0
    for text in ("--host", "--port", "--data-dir", "--demo", "--quiet", "--no-access-log",
                 "MINIFACE_PORT", "MINIFACE_DATA_DIR", "--session-ttl", "--pool-workers"):
        assert text in result.stdout, text


def test_init_db_creates_the_database_and_uploads_folder(tmp_path):
    result = miniface("init-db", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "uploads").is_dir()
    with sqlite3.connect(tmp_path / "d" / "miniface.db") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"users", "posts", "sessions", "friendships"} <= tables


def test_seed_demo_fills_an_empty_database_once(tmp_path):
    data = str(tmp_path / "d")
    assert miniface("seed", "--demo", "--data-dir", data).returncode == 0
    with sqlite3.connect(Path(data) / "miniface.db") as conn:
        people = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    assert people >= 5 and posts > 0
    again = miniface("seed", "--demo", "--data-dir", data)
    assert again.returncode == 0 and "nothing to do" in again.stderr
    with sqlite3.connect(Path(data) / "miniface.db") as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == people


def test_seed_without_demo_is_a_usage_error(tmp_path):
    assert miniface("seed", "--data-dir", str(tmp_path)).returncode == 2


def test_a_bad_environment_value_is_reported(tmp_path):
    result = miniface("serve", "--data-dir", str(tmp_path), env={"MINIFACE_PORT": "eighty"})
    assert result.returncode != 0 and "MINIFACE_PORT" in result.stderr


def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path):
    server = ServeProcess("--data-dir", str(tmp_path / "d"), *FAST)
    try:
        status, body = server.get("/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert server.get("/api/me")[0] == 401
    finally:
        code = server.stop()
    assert code == 0
    assert (tmp_path / "d" / "miniface.db").is_file()
    assert any('"GET /healthz HTTP/1.1" 200' in line for line in server.lines)


def test_serve_reads_its_settings_from_the_environment(tmp_path):
    env = {"MINIFACE_DATA_DIR": str(tmp_path / "envdata"), "MINIFACE_ACCESS_LOG": "0",
           "MINIFACE_PORT": "1"}  # --port 0 on the command line wins over the env
    server = ServeProcess(*FAST, env=env)
    try:
        assert server.get("/healthz")[0] == 200
    finally:
        assert server.stop() == 0
    assert (tmp_path / "envdata" / "miniface.db").is_file()
    assert not any("GET /healthz" in line for line in server.lines)


def test_serve_demo_seeds_people_who_can_log_in(tmp_path):
    server = ServeProcess("--demo", "--data-dir", str(tmp_path / "d"), *FAST)
    try:
        status, body = server.post_json("/api/login", {"username": "alice",
                                                       "password": "password123"})
        assert status == 200 and json.loads(body)["user"]["username"] == "alice"
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("args", [["client", "--help"]])
def test_client_is_delegated_to_the_terminal_client(args):
    result = miniface(*args)
    assert result.returncode == 0
    assert "usage: miniface client" in result.stdout + result.stderr

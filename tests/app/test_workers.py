"""`miniface serve --workers 2`: two processes on one port under a supervisor.

A real supervisor in a child process, real workers forked from it, real sockets.
Each worker names itself in `X-MiniFace-Node` (`w/1`, `w/2`), so a test can tell
which worker holds a keep-alive connection or an event stream, and read the
supervisor's log to learn the workers' process ids.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from appclient import FAST_ARGON2, Client, image_bytes, login, signup, wait_for
from sse_reader import EventReader

REPO = Path(__file__).resolve().parents[2]
NODES = ("w/1", "w/2")
# Generous: the machine running the suite is shared and slow.
STARTUP_SECONDS = 30
DELIVERY_SECONDS = 3.0
# SO_REUSEPORT hashes each new connection to a worker; 60 tries all landing on
# one of two workers has a chance of 2 in 2**60.
CONNECT_TRIES = 60
_STARTED_RE = re.compile(r"worker (\d) \(pid (\d+)\) started")


class Supervised:
    """`miniface serve --workers 2` in a child process, its log collected line by line."""

    def __init__(self, data_dir: Path, env: dict | None = None):
        # The worker count from the environment (the other test below uses --workers).
        command = [sys.executable, "-m", "handlers.cli", "serve",
                   "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir),
                   "--node-name", "w", "--no-access-log", "--keepalive-timeout", "120",
                   "--shutdown-grace", "30",
                   *[f"--{name.replace('_', '-')}={value}" for name, value in FAST_ARGON2.items()]]
        self.process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "MINIFACE_WORKERS": "2",
                                             **(env or {})})
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._collect, daemon=True).start()
        found = self.wait_for_line(r"2 workers on http://127\.0\.0\.1:(\d+)")
        self.port = int(found.group(1))
        self.wait_for_line(r"listening on", count=2)

    def _collect(self) -> None:
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for_line(self, pattern: str, count: int = 1, timeout: float = STARTUP_SECONDS):
        """The `count`-th log line matching `pattern` (a match object), waiting for it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [m for m in map(regex.search, self.lines) if m]
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"no log line {pattern!r} (x{count}):\n"
                                         + "".join(self.lines))
                self._changed.wait(min(remaining, 0.5))

    def worker_pids(self) -> dict[int, int]:
        """Worker number -> pid of the latest process started in that slot."""
        with self._changed:
            return {int(m.group(1)): int(m.group(2))
                    for m in map(_STARTED_RE.search, self.lines) if m}

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.fixture
def served(tmp_path):
    supervised = Supervised(tmp_path / "data")
    yield supervised
    supervised.stop()


def client_on(port: int, node: str) -> Client:
    """A client whose keep-alive connection is held by worker `node`."""
    for _ in range(CONNECT_TRIES):
        client = Client(port)
        if client.get("/healthz").headers.get("x-miniface-node") == node:
            return client
        client.close()
    raise AssertionError(f"no connection reached {node}")


def stream_on(port: int, node: str, cookies: dict) -> EventReader:
    """An event stream held by worker `node`."""
    for _ in range(CONNECT_TRIES):
        reader = EventReader(port, cookies=cookies)
        assert reader.status == 200
        if reader.headers.get("x-miniface-node") == node:
            return reader
        reader.close()
    raise AssertionError(f"no event stream reached {node}")


def logged_in(port: int, node: str, username: str, first: Client) -> Client:
    """`username`, signed up through `first`, logged in through worker `node`."""
    assert signup(first, username).status == 201
    client = client_on(port, node)
    answer = login(client, username)
    assert answer.status == 200
    client.user = answer.json()["user"]
    return client


def on_other_worker(port: int, client: Client) -> Client:
    """`client`'s session (cookies) on a connection held by the other worker."""
    node = client.get("/healthz").headers["x-miniface-node"]
    other = client_on(port, NODES[1 - NODES.index(node)])
    other.cookies = dict(client.cookies)
    return other


def test_sessions_uploads_friends_and_chat_work_across_workers(served):
    port = served.port
    newcomer = client_on(port, "w/2")
    ann = logged_in(port, "w/1", "ann", newcomer)
    bob = logged_in(port, "w/2", "bob", newcomer)
    # A session made by one worker is known to the other.
    ann_there = on_other_worker(port, ann)
    assert ann_there.get("/api/me").json()["username"] == "ann"
    # A photo posted through one worker is served by the other.
    photo = image_bytes(fmt="PNG")
    created = ann.post_multipart("/api/posts", {"body": "hi", "visibility": "public"},
                                 {"image": ("p.png", photo, "image/png")},
                                 headers={"X-CSRF-Token": ann.csrf_token()})
    assert created.status == 201, created
    served_photo = ann_there.get(created.json()["image_url"])
    assert served_photo.headers["x-miniface-node"] == "w/2"
    assert served_photo.status == 200 and served_photo.body == photo
    # Friends: asked through worker 1, accepted through worker 2.
    assert ann.post_json("/api/friends/bob").status == 201
    assert bob.post_json("/api/friends/ann").status == 200
    # Ann's event stream is held by worker 1, Bob's by worker 2.
    with stream_on(port, "w/1", ann.cookies) as ann_events, \
            stream_on(port, "w/2", bob.cookies) as bob_events:
        sent = ann.post_json("/api/messages/bob", {"body": "hello from w/1"})
        assert sent.status == 201 and sent.headers["x-miniface-node"] == "w/1"
        got = message_with_id(bob_events, sent.json()["id"])
        assert got["body"] == "hello from w/1"
        reply = bob.post_json("/api/messages/ann", {"body": "hi back from w/2"})
        assert reply.status == 201
        # (Ann's own tabs are told of what she sent too: skip that one.)
        got = message_with_id(ann_events, reply.json()["id"])
        assert got["body"] == "hi back from w/2"
    for client in (newcomer, ann, bob, ann_there):
        client.close()


def message_with_id(reader: EventReader, message_id: int) -> dict:
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        got = reader.next("message", timeout=max(0.0, deadline - time.monotonic())).json()
        if got["id"] == message_id:
            return got


def test_the_login_throttle_counts_failures_on_every_worker(served):
    port = served.port
    on_one, on_two = client_on(port, "w/1"), client_on(port, "w/2")
    assert signup(on_one, "cyd").status == 201
    for client in (on_one, on_two, on_one, on_two, on_one):
        assert login(client, "cyd", "wrong password").status == 401
    assert login(on_two, "cyd").status == 429   # the right password, refused all the same
    assert login(on_one, "cyd").status == 429
    on_one.close()
    on_two.close()


def test_the_signup_budget_of_an_address_holds_across_workers(tmp_path):
    supervised = Supervised(tmp_path / "data", env={"MINIFACE_SIGNUPS_PER_ADDRESS": "3"})
    try:
        on_one, on_two = client_on(supervised.port, "w/1"), client_on(supervised.port, "w/2")
        for client, name in ((on_one, "one"), (on_two, "two"), (on_one, "three")):
            assert signup(client, name).status == 201
        # Neither worker has seen three sign-ups itself; the database has.
        assert signup(on_two, "four").status == 429
        assert signup(on_one, "four").status == 429
        on_one.close()
        on_two.close()
    finally:
        assert supervised.stop() == 0


def test_a_killed_worker_is_replaced(served):
    before = served.worker_pids()
    assert sorted(before) == [1, 2]
    os.kill(before[1], signal.SIGKILL)
    served.wait_for_line(rf"worker 1 \(pid {before[1]}\) died .*SIGKILL")
    replaced = served.wait_for_line(r"worker 1 \(pid (\d+)\) started", count=2)
    assert int(replaced.group(1)) not in (before[1], before[2])
    with pytest.raises(ProcessLookupError):      # reaped, not left a zombie
        os.kill(before[1], 0)
    served.wait_for_line(r"listening on", count=3)
    # The new worker serves the port again; the other one never stopped.
    new_one = client_on(served.port, "w/1")
    assert new_one.get("/healthz").status == 200
    assert served.worker_pids()[2] == before[2]
    new_one.close()


def test_sigterm_lets_an_in_flight_request_finish(served):
    body = b'{"username": "dee", "name": "Dee", "password": "correct horse battery"}'
    head = (f"POST /api/signup HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        sock.sendall(head)
        # A worker has accepted the connection and parsed the head (until then it
        # could sit in a listener's queue, which a stopping worker drops).
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body[:10])                    # the request is under way...
        served.process.send_signal(signal.SIGTERM)  # ...when the stop begins
        # Both workers stop accepting: new connections are refused.
        wait_for(lambda: refuses_connections(served.port), timeout=STARTUP_SECONDS)
        sock.sendall(body[10:])
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:200]
    assert b'"username":"dee"' in answer.replace(b" ", b"")
    assert served.process.wait(timeout=60) == 0
    served.wait_for_line(r"worker 1 \(pid \d+\) stopped: exit status 0")
    served.wait_for_line(r"worker 2 \(pid \d+\) stopped: exit status 0")
    assert not any("died" in line for line in served.lines)


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def read_until_closed(sock: socket.socket) -> bytes:
    """The response: the server closes the connection after it, since it is stopping."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_workers_stop_when_the_supervisor_is_killed(served):
    pids = served.worker_pids()
    served.process.kill()                        # no chance to stop them itself
    served.process.wait(timeout=10)
    wait_for(lambda: not any(map(is_running, pids.values())), timeout=STARTUP_SECONDS)
    assert refuses_connections(served.port)


def is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie waiting for its new parent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_port_already_taken_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "handlers.cli", "serve", "--workers", "2", "--port",
             str(port), "--data-dir", str(tmp_path / "data")],
            cwd=REPO, capture_output=True, text=True, timeout=STARTUP_SECONDS)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_a_node_name_is_kept_to_characters_safe_in_a_header():
    from handlers.config import AppConfig
    assert AppConfig(node_name="eu-1.web/2").node_name == "eu-1.web/2"
    for bad in ("a\r\nSet-Cookie: x=1", "a b", "é", "x" * 65):
        with pytest.raises(ValueError):
            AppConfig(node_name=bad)

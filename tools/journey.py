"""The smoke journey through a load balancer in front of several MiniFace nodes.

    journey = Journey("http://127.0.0.1:8080/", ["node1", "node2"])
    failures = journey.run()            # every step in order; [] when all passed
    journey.sign_up(); journey.log_in() # or step by step: each raises AssertionError

Two people sign up, log in, post a photo, befriend each other and chat, all
through the balancer's one address, and every answer says which node served it
(`X-MiniFace-Node`, set by `miniface serve --node-name`). The checks are what
"many machines" must mean to a person:

- nodes answer in turn: consecutive requests land on different nodes (nginx's
  round robin with one worker alternates exactly), and each node answers;
- a session made through one node works on every node (it is a database row);
- a photo uploaded through one node is served, byte for byte, by every node;
- a chat message sent through one node reaches an event stream held by another.

Standard library only (the photo is a PNG made with zlib), so the journey runs
against any MiniFace behind any balancer.
"""

from __future__ import annotations

import http.client
import json
import queue
import secrets
import struct
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field

__all__ = ["Journey", "Reply", "EventStreamReader", "tiny_png", "STEPS", "PASSWORD"]

NODE_HEADER = "x-miniface-node"
PASSWORD = "cluster-pass-123"
# A loaded 2-core VM hashes a password in about a second; nothing should take 30.
REQUEST_TIMEOUT_SECONDS = 30
# A message crosses nodes within one live poll (0.25 s) or one NOTIFY; 15 s leaves
# room for a machine busy with other work without hiding a message that never comes.
DELIVERY_TIMEOUT_SECONDS = 15


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    """A valid RGB PNG of one colour, made with the standard library only."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


@dataclass
class Reply:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def node(self) -> str:
        """The node that answered ("node1" of "node1/2": node and worker)."""
        return self.headers.get(NODE_HEADER, "").split("/")[0]

    def json(self):
        return json.loads(self.body)


@dataclass
class Person:
    username: str
    name: str
    token: str = ""
    cookie: str = ""


class EventStreamReader:
    """`GET /api/events` held open; a thread parses Server-Sent Events into a queue."""

    def __init__(self, host: str, port: int, token: str):
        self.conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_SECONDS)
        self.conn.request("GET", "/api/events", headers={
            "Accept": "text/event-stream", "Authorization": f"Bearer {token}"})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.node = (self.response.getheader(NODE_HEADER) or "").split("/")[0]
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        if self.status == 200:
            # Heartbeats come every 15 s, so a read may wait that long.
            self.conn.sock.settimeout(None)
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, data = "", []
        try:
            for raw in iter(self.response.readline, b""):
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].removeprefix(" "))
                elif not line and data:
                    self.events.put((kind or "message", "\n".join(data)))
                    kind, data = "", []
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed by us or by the server: the stream simply ends

    def wait_for(self, kind: str, match, timeout: float) -> dict | None:
        """The first `kind` event whose JSON data satisfies `match`, or None."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                got_kind, data = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if got_kind == kind and match(json.loads(data)):
                return json.loads(data)
        return None

    def close(self) -> None:
        try:
            self.conn.sock and self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()


@dataclass
class Journey:
    """The smoke journey against `base_url`; `trail` is every answer, in order."""

    base_url: str
    node_names: list[str]
    trail: list[Reply] = field(default_factory=list)
    log: object = print

    def __post_init__(self):
        parts = urllib.parse.urlsplit(self.base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        suffix = secrets.token_hex(3)
        self.alice = Person(f"alice_{suffix}", "Alice Cluster")
        self.bob = Person(f"bob_{suffix}", "Bob Cluster")
        self.photo_post: dict | None = None
        self.chat_delay: float | None = None

    # -- HTTP ----------------------------------------------------------------------------

    def request(self, method: str, path: str, *, person: Person | None = None,
                json_body=None, body: bytes | None = None, headers: dict | None = None,
                cookie: bool = False, record: bool = True) -> Reply:
        """One request through the balancer (a new connection each time); `record`
        adds it to `trail`, whose order must be the order the balancer saw."""
        headers = dict(headers or {})
        if person and cookie:
            headers["Cookie"] = person.cookie
        elif person:
            headers["Authorization"] = f"Bearer {person.token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            reply = Reply(method, path, response.status,
                          {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()
        if record:
            self.trail.append(reply)
        assert reply.node in self.node_names, (
            f"{method} {path}: X-MiniFace-Node is {reply.node!r}, not one of {self.node_names}")
        return reply

    def expect(self, reply: Reply, status: int) -> Reply:
        assert reply.status == status, (
            f"{reply.method} {reply.path} via {reply.node}: {reply.status}, expected {status}: "
            f"{reply.body[:300]!r}")
        return reply

    def land_next_request_off(self, node: str) -> None:
        """Make the next request go to another node than `node`: with round robin,
        that follows a request `node` answered."""
        for _ in range(len(self.node_names) + 1):
            if self.expect(self.request("GET", "/healthz"), 200).node == node:
                return
        raise AssertionError(f"no request reached {node} in a full round")

    # -- the steps -------------------------------------------------------------------------

    def nodes_answer_in_turn(self) -> None:
        seen = [self.expect(self.request("GET", "/healthz"), 200).node
                for _ in range(2 * len(self.node_names))]
        assert set(seen) == set(self.node_names), f"answered by {seen}"
        assert all(a != b for a, b in zip(seen, seen[1:], strict=False)), f"not in turn: {seen}"

    def sign_up(self) -> None:
        for person in (self.alice, self.bob):
            reply = self.expect(self.request("POST", "/api/signup", json_body={
                "username": person.username, "name": person.name, "password": PASSWORD}), 201)
            assert reply.json()["username"] == person.username

    def log_in(self) -> None:
        for person in (self.alice, self.bob):
            reply = self.expect(self.request("POST", "/api/login", json_body={
                "username": person.username, "password": PASSWORD}), 200)
            person.token = reply.json()["token"]
            person.cookie = reply.headers["set-cookie"].split(";")[0]

    def log_in_together(self) -> None:
        """Four log-ins at the same moment from four addresses (X-Forwarded-For, as a
        balancer in front of ours would send): the nodes must count each client by
        its own address (`--trusted-proxies`), or all but one per node get 429."""
        people = [self.alice, self.bob, self.alice, self.bob]
        replies: list[Reply | BaseException] = [None] * len(people)

        def log_in(index: int) -> None:
            try:
                replies[index] = self.request(
                    "POST", "/api/login", record=False,
                    headers={"X-Forwarded-For": f"203.0.113.{10 + index}"},
                    json_body={"username": people[index].username, "password": PASSWORD})
            except BaseException as exc:  # handed to the asserting thread below
                replies[index] = exc

        threads = [threading.Thread(target=log_in, args=(i,)) for i in range(len(people))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT_SECONDS * 2)
        for reply in replies:
            if isinstance(reply, BaseException):
                raise AssertionError(f"a simultaneous log-in failed: {reply!r}")
        statuses = [(r.status, r.node) for r in replies]
        assert all(r.status == 200 for r in replies), (
            f"simultaneous log-ins from four addresses: {statuses} (429: the nodes count "
            "every client as the balancer; is it in their --trusted-proxies?)")

    def session_works_on_every_node(self) -> None:
        """The token (API) and the cookie (the home page) made through one node
        are accepted by all of them."""
        api_nodes, page_nodes = set(), set()
        for _ in range(len(self.node_names)):
            reply = self.expect(self.request("GET", "/api/me", person=self.alice), 200)
            assert reply.json()["username"] == self.alice.username
            api_nodes.add(reply.node)
        for _ in range(len(self.node_names)):
            page = self.expect(self.request("GET", "/", person=self.alice, cookie=True), 200)
            # The logged-in page names its viewer for the live script (views/_top).
            assert f'data-me="{self.alice.username}"'.encode() in page.body, (
                f"the home page served by {page.node} is not alice's")
            page_nodes.add(page.node)
        assert api_nodes == page_nodes == set(self.node_names), (api_nodes, page_nodes)

    def post_photo(self) -> None:
        boundary = "cluster" + secrets.token_hex(8)
        parts = [(f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
                  "A photo from the cluster\r\n").encode(),
                 (f'--{boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\n'
                  "friends\r\n").encode(),
                 (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                  'filename="dot.png"\r\nContent-Type: image/png\r\n\r\n').encode()
                 + tiny_png() + b"\r\n",
                 f"--{boundary}--\r\n".encode()]
        reply = self.expect(self.request(
            "POST", "/api/posts", person=self.alice, body=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}), 201)
        self.photo_post = reply.json()
        assert self.photo_post["image_url"], "the post has no image_url"

    def befriend(self) -> None:
        reply = self.expect(self.request("POST", f"/api/friends/{self.bob.username}",
                                         person=self.alice), 201)
        assert reply.json()["friendship"] == "request_sent"
        reply = self.expect(self.request("POST", f"/api/friends/{self.alice.username}",
                                         person=self.bob), 200)
        assert reply.json()["friendship"] == "friends"
        friends = self.expect(self.request("GET", "/api/friends", person=self.alice), 200)
        assert [f["username"] for f in friends.json()["friends"]] == [self.bob.username]

    def friend_sees_the_post(self) -> None:
        assert self.photo_post, "no photo was posted"
        feed = self.expect(self.request("GET", "/api/feed", person=self.bob), 200).json()
        assert self.photo_post["id"] in [p["id"] for p in feed["posts"]], (
            "alice's friends-only post is not in bob's feed")

    def photo_from_every_node(self) -> None:
        """Bob (a friend) fetches alice's photo until every node has served it."""
        assert self.photo_post, "no photo was posted"
        path = urllib.parse.urlsplit(self.photo_post["image_url"]).path
        served: dict[str, bytes] = {}
        statuses = {}
        for _ in range(2 * len(self.node_names)):
            reply = self.request("GET", path, person=self.bob)
            statuses[reply.node] = reply.status
            if reply.status == 200:
                assert reply.headers.get("content-type", "").startswith("image/"), reply.headers
                served[reply.node] = reply.body
        assert set(served) == set(self.node_names), (
            f"photo {path} uploaded through one node: status by node {statuses}")
        assert len(set(served.values())) == 1, "the nodes serve different bytes"

    def chat_crosses_nodes(self) -> None:
        """Bob's event stream is held by one node; alice's message goes through
        another and must arrive on bob's stream."""
        stream = EventStreamReader(self.host, self.port, self.bob.token)
        try:
            self.trail.append(Reply("GET", "/api/events", stream.status,
                                    {NODE_HEADER: stream.node}, b""))
            assert stream.status == 200, f"/api/events: {stream.status}"
            text = f"hello across nodes {secrets.token_hex(4)}"
            self.land_next_request_off(stream.node)
            sent_at = time.monotonic()
            reply = self.expect(self.request("POST", f"/api/messages/{self.bob.username}",
                                             person=self.alice, json_body={"body": text}), 201)
            assert reply.node != stream.node, (
                f"the message went through {reply.node}, which also holds the stream")
            event = stream.wait_for("message", lambda data: data.get("body") == text,
                                    DELIVERY_TIMEOUT_SECONDS)
            assert event is not None, (
                f"a message sent through {reply.node} did not reach bob's stream on "
                f"{stream.node} within {DELIVERY_TIMEOUT_SECONDS} s")
            self.chat_delay = time.monotonic() - sent_at
            assert event["from"] == self.alice.username
        finally:
            stream.close()

    def requests_alternated(self) -> None:
        """Over the whole journey, no node answered two requests in a row."""
        nodes = [reply.node for reply in self.trail]
        repeats = [i for i in range(1, len(nodes)) if nodes[i] == nodes[i - 1]]
        assert not repeats, (
            f"requests {repeats} went to the same node as the one before: "
            + ", ".join(f"{r.method} {r.path} -> {r.node}" for r in self.trail))

    # -- all of it ---------------------------------------------------------------------------

    def run(self) -> list[tuple[str, str]]:
        """Every step in order, printing one line each; [(step, why)] of the failed.
        A step that later steps need stops the journey when it fails."""
        failures = []
        for title, method_name, needed in STEPS:
            started = time.monotonic()
            try:
                getattr(self, method_name)()
            except AssertionError as exc:
                failures.append((title, str(exc)))
                self.log(f"  FAIL {title}: {exc}")
                if needed:
                    break
                continue
            extra = f" ({self.chat_delay * 1000:.0f} ms)" if method_name == "chat_crosses_nodes" \
                else ""
            self.log(f"  ok   {title}{extra} [{time.monotonic() - started:.2f} s]")
        return failures


# (title, method, needed by later steps), in order.
STEPS = [
    ("nodes answer in turn", "nodes_answer_in_turn", False),
    ("two people sign up", "sign_up", True),
    ("both log in", "log_in", True),
    ("four log-ins at once from four addresses", "log_in_together", False),
    ("a session works on every node (API and home page)", "session_works_on_every_node", False),
    ("alice posts a photo for friends", "post_photo", True),
    ("alice and bob become friends", "befriend", True),
    ("bob's feed shows alice's post", "friend_sees_the_post", False),
    ("every node serves the photo", "photo_from_every_node", False),
    ("a chat message crosses nodes to an event stream", "chat_crosses_nodes", False),
    ("consecutive requests landed on different nodes", "requests_alternated", False),
]

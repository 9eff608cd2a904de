"""Helpers for the hostile-client suite: a running MiniFace, a prober, a real user.

The fixtures built on them are in conftest.py; the README's "Hostile clients"
section says how to run the suite and its long variant.

- `HostileServer`: the app `miniface serve` builds (same flag defaults, same
  `ServerConfig` and `AppConfig`), on 127.0.0.1 port 0 in a temporary data dir,
  with the loop on a background thread of the test process.
- `Prober`: a thread that asks `GET /healthz` every 50 ms while an attack runs and
  records how long each answer took. Probes alternate between one keep-alive
  connection and a fresh connection each time, so a stalled loop, a full accept
  queue and a connection cap all show up. `ProbeReport` holds the figures.
- `RealUser`: an account made before the attack; `login_seconds()` times a real
  login (a new connection, the JSON API) while the attack runs.

Budgets (generous: this machine has 2 cores shared by several test runs):
the prober's p95 must stay under PROBE_P95_BUDGET_MS and its worst probe under
PROBE_MAX_BUDGET_MS; a real user's login must finish within LOGIN_BUDGET_SECONDS.
Before the fixes of issue #9, attacks pushed the prober into whole seconds.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import socket
import statistics
import threading
import time

import reactor
from handlers.app import create_app
from handlers.cli import _split, build_parser

# The short variant runs in `make test`; MINIFACE_HOSTILE_LONG=1 makes every attack
# bigger and longer (see `scaled`).
LONG = os.environ.get("MINIFACE_HOSTILE_LONG", "").strip().lower() in {"1", "true", "yes", "on"}

PROBE_INTERVAL_SECONDS = 0.05
# A probe that gets no answer within this long counts as failed (and as this slow).
PROBE_TIMEOUT_SECONDS = 10.0
# "Hundreds of milliseconds, not seconds" (issue #9), with room for a loaded VM:
# a quiet server answers /healthz in a few ms, a blocked loop takes seconds. The
# slowest probe of a run is forgiven (the one whose time is over the max budget):
# on 2 cores shared by several test runs, a quiet server has been seen to answer
# one probe in 1.6 s; a real stall shows in more than one probe.
PROBE_P95_BUDGET_MS = 500.0
PROBE_MAX_BUDGET_MS = 2000.0
LOGIN_BUDGET_SECONDS = 2.0

# argon2 at its minimum cost, for tests that do not attack hashing. The hostile
# server defaults to the real cost (`miniface serve`'s), since a login's budget
# only means something with real hashing.
FAST_ARGON2 = dict(argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1)
REAL_USER_PASSWORD = "a real user's passphrase"


def scaled(short, long):
    """`long` under MINIFACE_HOSTILE_LONG=1, else `short`."""
    return long if LONG else short


# -- the server ------------------------------------------------------------------


class HostileServer:
    """A running MiniFace as `miniface serve` would build it: `port`, `server`
    (the `reactor.Server`), `app`, `app_config`, `server_config`."""

    def __init__(self, data_dir, *, argv=(), server_overrides=None, app_overrides=None):
        args = build_parser().parse_args(["serve", "--host", "127.0.0.1", "--port", "0",
                                          "--data-dir", str(data_dir), *argv])
        app_config, server_config = _split(args)
        self.app_config = dataclasses.replace(app_config, **(app_overrides or {}))
        self.server_config = dataclasses.replace(server_config, **(server_overrides or {}))
        self.app = create_app(self.app_config)
        self.server = reactor.Server(self.app, self.server_config).start()

    @property
    def port(self) -> int:
        return self.server.port

    def connection(self, timeout: float = PROBE_TIMEOUT_SECONDS) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method: str, path: str, body=None, headers=None,
                timeout: float = PROBE_TIMEOUT_SECONDS):
        """(status, headers dict with lower-case names, body) on a new connection."""
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def post_json(self, path: str, obj, headers=None, timeout: float = PROBE_TIMEOUT_SECONDS):
        body = json.dumps(obj).encode()
        return self.request("POST", path, body,
                            {"Content-Type": "application/json", **(headers or {})}, timeout)

    def raw_socket(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def stop(self) -> None:
        self.server.stop(timeout=2)
        self.app.close()


# -- the prober ------------------------------------------------------------------


@dataclasses.dataclass
class ProbeReport:
    """Latencies of the probes (ms) and what went wrong with any of them."""

    latencies_ms: list[float]
    errors: list[str]

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=0.0)

    @property
    def p95_ms(self) -> float:
        if len(self.latencies_ms) < 2:
            return self.max_ms
        return statistics.quantiles(self.latencies_ms, n=20, method="inclusive")[-1]

    @property
    def second_worst_ms(self) -> float:
        """The slowest probe but one (the budget forgives a single hiccup)."""
        ordered = sorted(self.latencies_ms)
        return ordered[-2] if len(ordered) >= 2 else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    def __str__(self) -> str:
        errors = f", errors {self.errors[:3]}" if self.errors else ""
        return (f"{self.count} probes: median {self.median_ms:.0f} ms, "
                f"p95 {self.p95_ms:.0f} ms, max {self.max_ms:.0f} ms{errors}")

    def assert_fast(self, p95_ms: float = PROBE_P95_BUDGET_MS,
                    max_ms: float = PROBE_MAX_BUDGET_MS) -> None:
        """Every probe answered 200; p95 within budget, and every probe but the
        slowest one within `max_ms`."""
        assert self.count >= 3, f"too few probes ran: {self}"
        assert not self.errors, f"probes failed: {self}"
        assert self.p95_ms <= p95_ms, f"p95 over {p95_ms:.0f} ms: {self}"
        assert self.second_worst_ms <= max_ms, f"two probes took over {max_ms:.0f} ms: {self}"


class Prober:
    """`GET /healthz` every PROBE_INTERVAL_SECONDS on its own connections, in a thread.

    Use as a context manager around the attack: it waits for a first answer on
    entry (so the attack starts against a serving server) and stops on exit;
    `report` then holds the figures. A probe is not sent before the previous one
    answered, so a stalled loop shows as one long probe, not a pile-up.
    """

    def __init__(self, port: int, interval: float = PROBE_INTERVAL_SECONDS):
        self.port = port
        self.interval = interval
        self._latencies: list[float] = []
        self._errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prober", daemon=True)
        self._kept: http.client.HTTPConnection | None = None
        self.report: ProbeReport | None = None

    def __enter__(self) -> Prober:
        self._thread.start()
        deadline = time.monotonic() + PROBE_TIMEOUT_SECONDS
        while not self._latencies and not self._errors and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> ProbeReport:
        if self.report is None:
            self._stop.set()
            self._thread.join(PROBE_TIMEOUT_SECONDS + 5)
            self.report = ProbeReport(list(self._latencies), list(self._errors))
        return self.report

    def snapshot(self) -> ProbeReport:
        """The figures so far, while the prober keeps running."""
        return ProbeReport(list(self._latencies), list(self._errors))

    def _run(self) -> None:
        fresh = False
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = self._probe(fresh)
                if status != 200:
                    self._errors.append(f"status {status}")
            except (OSError, http.client.HTTPException) as exc:
                self._errors.append(f"{'fresh' if fresh else 'kept'} connection: {exc!r}")
                self._close_kept()
            self._latencies.append((time.monotonic() - started) * 1000)
            fresh = not fresh
            self._stop.wait(max(0.0, started + self.interval - time.monotonic()))
        self._close_kept()

    def _probe(self, fresh: bool) -> int:
        if fresh:
            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=PROBE_TIMEOUT_SECONDS)
            try:
                return _get_healthz(conn)
            finally:
                conn.close()
        if self._kept is None:
            self._kept = http.client.HTTPConnection("127.0.0.1", self.port,
                                                    timeout=PROBE_TIMEOUT_SECONDS)
        status = _get_healthz(self._kept)
        return status

    def _close_kept(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None


def _get_healthz(conn: http.client.HTTPConnection) -> int:
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    response.read()
    if response.will_close:
        conn.close()
    return response.status


# -- a real user -----------------------------------------------------------------


class RealUser:
    """An account that exists before the attack, whose owner logs in during it."""

    def __init__(self, server: HostileServer, username: str = "real_user",
                 password: str = REAL_USER_PASSWORD):
        self.server = server
        self.username = username
        self.password = password
        self.last_login: tuple[int, float] | None = None
        status, _, body = server.post_json("/api/signup", {
            "username": username, "name": "Real User", "password": password})
        assert status == 201, (status, body)

    def login(self, timeout: float = PROBE_TIMEOUT_SECONDS):
        """(status, seconds taken, token or None) for one login on a new connection."""
        started = time.monotonic()
        status, _, body = self.server.post_json(
            "/api/login", {"username": self.username, "password": self.password},
            timeout=timeout)
        took = time.monotonic() - started
        token = json.loads(body).get("token") if status == 200 else None
        return status, took, token

    def assert_login_fast(self, budget: float = LOGIN_BUDGET_SECONDS) -> float:
        """Log in now; fail unless it succeeds within `budget` seconds. Returns the time."""
        status, took, _ = self.login(timeout=max(budget * 3, PROBE_TIMEOUT_SECONDS))
        self.last_login = (status, took)
        assert status == 200, f"the real user's login answered {status}"
        assert took < budget, f"the real user's login took {took:.2f} s (budget {budget} s)"
        return took

    def timed_login(self) -> None:
        """Log in now and keep (status, seconds) in `last_login` for a later
        `check_last_login()` (so a test can report its prober figures first)."""
        status, took, _ = self.login()
        self.last_login = (status, took)

    def check_last_login(self, budget: float = LOGIN_BUDGET_SECONDS) -> None:
        status, took = self.last_login
        assert status == 200, f"the real user's login answered {status}"
        assert took < budget, f"the real user's login took {took:.2f} s (budget {budget} s)"


def bearer_token(server: HostileServer, username: str,
                 password: str = REAL_USER_PASSWORD) -> str:
    """Sign `username` up, log in, and return the bearer token (an attacker's account)."""
    status, _, body = server.post_json("/api/signup", {
        "username": username, "name": username.title(), "password": password})
    assert status == 201, (status, body)
    status, _, body = server.post_json("/api/login",
                                       {"username": username, "password": password})
    assert status == 200, (status, body)
    return json.loads(body)["token"]


# -- pages under a big list ------------------------------------------------------


def slowest_page_loads(server: HostileServer, paths, headers: dict, seconds: float) -> dict:
    """Load each of `paths` in turn for `seconds`: {path: (status, body bytes, the
    slowest load in seconds)}, the last status and size of each."""
    seen = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in paths:
            started = time.monotonic()
            status, _, body = server.request("GET", path, headers=headers, timeout=120)
            took = max(time.monotonic() - started, seen.get(path, (0, 0, 0.0))[2])
            seen[path] = (status, len(body), took)
    return seen


def assert_pages_small_and_fast(what: str, seen: dict, report: ProbeReport) -> None:
    """Print `seen` (from `slowest_page_loads`) with the prober's figures, then
    require every page 200, under 256 KiB and under 1 s, and the prober fast."""
    print(f"\n{what}: " + ", ".join(
        f"{path} {size // 1024} KiB {took * 1000:.0f} ms" for path, (_, size, took) in seen.items())
        + f"; prober {report}")
    for path, (status, size, took) in seen.items():
        assert status == 200, path
        assert size < 256 * 1024, (path, size)
        assert took < 1.0, (path, took)
    report.assert_fast()

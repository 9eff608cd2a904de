"""Fixtures for the hostile-client suite (issue #9): one attacker must not stall everyone.

Each test starts a real MiniFace, runs an attack against it with real sockets, and
checks with a prober that everyone else is still served fast. Helpers and budgets
live in hostile_support.py.

    hostile_server(*, argv=(), server=None, app=None, fast_hashing=False) -> HostileServer
        the app `miniface serve` builds (its flag defaults; `argv` adds flags such
        as "--body-timeout", "5"), on port 0 in a fresh data dir; `server` and `app`
        are ServerConfig / AppConfig overrides; real argon2 cost unless fast_hashing
    prober(server) -> Prober        `with prober(srv) as probe: attack()`, then
                                    `probe.report.assert_fast()` (or read p95_ms, max_ms)
    real_user(server, username="real_user") -> RealUser
                                    signs up now; `assert_login_fast()` during the attack

Test files here must not share a basename with any other test file of the suite
(pytest imports them by basename): tests/app already has test_hostile_*.py.
MINIFACE_HOSTILE_LONG=1 runs the long variants (`scaled(short, long)`).
"""

from __future__ import annotations

import logging

import pytest
from hostile_support import FAST_ARGON2, HostileServer, Prober, RealUser


@pytest.fixture
def hostile_server(tmp_path):
    """Factory for running MiniFace servers; all stopped at teardown."""
    started: list[HostileServer] = []

    def start(*, argv=(), server=None, app=None, fast_hashing=False) -> HostileServer:
        app_overrides = {**(FAST_ARGON2 if fast_hashing else {}), **(app or {})}
        live = HostileServer(tmp_path / f"data{len(started)}", argv=argv,
                             server_overrides=server, app_overrides=app_overrides)
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture
def prober():
    """Factory: `prober(server)` -> a `Prober` to use as a context manager."""
    probers: list[Prober] = []

    def make(server: HostileServer, **kw) -> Prober:
        probe = Prober(server.port, **kw)
        probers.append(probe)
        return probe

    yield make
    for probe in probers:
        probe.stop()


@pytest.fixture
def real_user():
    """Factory: `real_user(server)` signs an account up now and returns a `RealUser`."""
    return RealUser


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    # Attacks make the server log a refusal per connection; keep warnings only.
    caplog.set_level(logging.WARNING, logger="reactor")
    caplog.set_level(logging.WARNING, logger="handlers")

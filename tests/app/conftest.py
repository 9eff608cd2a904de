"""Fixtures for the app tests: a real MiniFace on port 0 and real HTTP clients.

Fixtures (helpers and classes are in appclient.py: `Client`, `Result`, `Clock`,
`LiveApp`, `signup`, `login`, `image_bytes`, `encode_multipart`, `wait_for`):

    app_server(*, server_overrides=None, **AppConfig overrides) -> LiveApp
                                                   start a fresh MiniFace (own data dir)
                                                   on sqlite and on PostgreSQL (`backend`)
    server -> LiveApp                              the default one
    clock -> Clock                                 its clock (`clock.advance(seconds)`)
    client -> Client                               a logged-out client of `server`
    make_user(username, name=None, password=PASSWORD) -> Client
        signs up and logs in with the cookie; `client.user` is the user dict,
        `client.login_token` the token (`server.client().bearer(token)` for bearer)
    befriend(a, b)                                 a asks, b accepts (logged-in Clients)
    png_bytes(size=(32, 24), fmt="PNG") -> bytes   a small real image (`image_bytes`)
"""

from __future__ import annotations

import pytest
from appclient import FAST_ARGON2, PASSWORD, Client, Clock, LiveApp, image_bytes, login, signup

import reactor
from handlers.app import create_app
from handlers.config import AppConfig


@pytest.fixture
def app_server(request, tmp_path, backend):
    """Factory: `app_server(**AppConfig overrides)` starts a fresh MiniFace, on the
    test's backend (each test runs on sqlite and on PostgreSQL, see tests/conftest.py):
    with PostgreSQL each app gets a fresh database unless `database=` is given."""
    started: list[LiveApp] = []
    new_pg_database = request.getfixturevalue("fresh_pg_database") \
        if backend == "postgresql" else None

    def start(*, server_overrides: dict | None = None, **overrides) -> LiveApp:
        clock = overrides.pop("clock", None) or Clock()
        if new_pg_database is not None and "database" not in overrides:
            overrides["database"] = new_pg_database()
        data_dir = tmp_path / f"data{len(started)}"
        config = AppConfig(data_dir=data_dir, clock=clock, **{**FAST_ARGON2, **overrides})
        app = create_app(config)
        server_config = {"host": "127.0.0.1", "port": 0, "access_log": False,
                         "shutdown_grace": 1.0, **(server_overrides or {})}
        server = reactor.Server(app, **server_config).start()
        live = LiveApp(app, server, config, clock)
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture
def server(app_server) -> LiveApp:
    return app_server()


@pytest.fixture
def clock(server) -> Clock:
    return server.clock


@pytest.fixture
def client(server) -> Client:
    return server.client()


@pytest.fixture
def make_user(server):
    """Factory: `make_user("alice")` signs up and logs in; returns the Client
    (cookie session; `client.user` is the user, `client.token` stays None —
    use `client.bearer(client.login_token)` for bearer requests)."""

    def make(username: str, name: str | None = None, password: str = PASSWORD) -> Client:
        client = server.client()
        created = signup(client, username, name, password)
        assert created.status == 201, created
        logged_in = login(client, username, password)
        assert logged_in.status == 200, logged_in
        client.user = logged_in.json()["user"]
        client.login_token = logged_in.json()["token"]
        return client

    return make


@pytest.fixture
def befriend():
    """`befriend(a, b)`: a asks b, b accepts; both are logged-in Clients."""

    def make_friends(a: Client, b: Client) -> None:
        asked = a.post_json(f"/api/friends/{b.user['username']}")
        assert asked.status == 201, asked
        accepted = b.post_json(f"/api/friends/{a.user['username']}")
        assert accepted.status == 200, accepted

    return make_friends


@pytest.fixture
def png_bytes():
    return image_bytes

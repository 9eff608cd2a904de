"""Fixtures for the reactor tests: a small app and real servers on port 0."""

from __future__ import annotations

import logging

import pytest
from sampleapp import build_app

import reactor

TEST_DEFAULTS = dict(host="127.0.0.1", port=0, access_log=False, shutdown_grace=2.0)


@pytest.fixture
def serve():
    """Start a real server: `serve(app=None, **config_overrides)`; stopped at teardown."""
    servers = []

    def start(app=None, **overrides):
        server = reactor.Server(app if app is not None else build_app(),
                                **{**TEST_DEFAULTS, **overrides})
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop(timeout=1)


@pytest.fixture
def streams():
    """The list the `/stream` handler appends its `EventStream`s to."""
    return []


@pytest.fixture
def server(serve, streams):
    return serve(build_app(streams))


@pytest.fixture(autouse=True)
def _quiet_reactor_logs(caplog):
    # Rejections are logged at info by design; keep them, but do not flood output.
    caplog.set_level(logging.WARNING, logger="reactor")

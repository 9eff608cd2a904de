"""Fixtures for the terminal client's tests: a MiniFace on the real clock (so the
client's relative times, "just now", are what a person sees) and a client home."""

import time

import pytest
from test_client_support import ClientHome


@pytest.fixture
def server(app_server):
    return app_server(clock=time.time)


@pytest.fixture
def url(server):
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
def home(tmp_path, url):
    """Ann's home directory for the client (config dir and saved token)."""
    return ClientHome(tmp_path / "ann", url)

"""Behind a load balancer (`trusted_proxies`): the per-address limits key each client
by the address its balancer saw (X-Forwarded-For), never by what a client writes.

The limit used is sign-ups per address (one here): a 201 or 429 shows which
address the server counted.
"""

from __future__ import annotations

import pytest

from handlers.config import AppConfig

BALANCER = "127.0.0.1"       # the tests' connections come from here


def signup_via(server, username: str, forwarded_for: str | None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return server.client().post_json("/api/signup", {
        "username": username, "name": "N", "password": "long enough 1"}, headers=headers)


def test_behind_a_trusted_balancer_each_forwarded_client_has_its_own_limit(app_server):
    server = app_server(signups_per_address=1, signup_window=3600,
                        trusted_proxies=f"{BALANCER}, 10.0.0.0/8")
    assert signup_via(server, "first", "203.0.113.1").status == 201
    assert signup_via(server, "second", "203.0.113.2").status == 201
    assert signup_via(server, "again", "203.0.113.1").status == 429
    # Behind a second trusted hop (10.x), the client is still the first untrusted one.
    assert signup_via(server, "third", "203.0.113.3, 10.1.2.3").status == 201
    assert signup_via(server, "third_again", "203.0.113.3, 10.9.9.9").status == 429


def test_addresses_a_client_writes_itself_are_not_believed(app_server):
    server = app_server(signups_per_address=1, signup_window=3600, trusted_proxies=BALANCER)
    assert signup_via(server, "first", "203.0.113.1").status == 201
    # The client prepends a made-up address; the balancer appended the real one.
    assert signup_via(server, "spoof", "198.51.100.7, 203.0.113.1").status == 429


def test_without_trusted_proxies_the_header_is_ignored(app_server):
    server = app_server(signups_per_address=1, signup_window=3600)
    assert signup_via(server, "first", "203.0.113.1").status == 201
    assert signup_via(server, "second", "203.0.113.2").status == 429


def test_a_malformed_forwarded_address_counts_as_the_balancer(app_server):
    server = app_server(signups_per_address=1, signup_window=3600, trusted_proxies=BALANCER)
    assert signup_via(server, "first", "not-an-address").status == 201
    assert signup_via(server, "second", None).status == 429   # the balancer's own slot


def test_trusted_proxies_must_be_addresses_or_networks():
    assert AppConfig(trusted_proxies="10.0.0.5 10.0.1.0/24,::1").trusted_proxies
    with pytest.raises(ValueError, match="not-a-host"):
        AppConfig(trusted_proxies="10.0.0.5,not-a-host")

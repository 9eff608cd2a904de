"""Limits that hold for the whole site, not per process: sign-ups per client
address and failed log-ins per (account, address) are rows in the database, so two
nodes on one database (PostgreSQL), or two apps on one sqlite file (what two
workers are), share one budget. The hashing gate stays per process (it guards
that process's CPU); tests/app/test_admission.py covers it."""

import threading

import pytest
from appclient import login, signup

from handlers.store import signups


@pytest.fixture
def two_nodes(app_server, backend, request):
    """Two MiniFace apps, each with its own data directory, on one database."""
    if backend == "postgresql":
        url = request.getfixturevalue("fresh_pg_database")()
        make = lambda: app_server(database=url, signups_per_address=3,  # noqa: E731
                                  signup_window=3600)
        return make(), make()
    first = app_server(signups_per_address=3, signup_window=3600)
    return first, app_server(db_path=first.config.db_path, signups_per_address=3,
                             signup_window=3600)


def test_the_signup_budget_of_an_address_holds_across_nodes(two_nodes):
    first, second = two_nodes
    on_first, on_second = first.client(), second.client()
    assert signup(on_first, "one").status == 201
    assert signup(on_second, "two").status == 201
    assert signup(on_first, "three").status == 201
    # Each node has seen fewer than three; together they have seen three.
    for client in (on_second, on_first):
        refused = signup(client, "four")
        assert refused.status == 429, refused
        assert int(refused.headers["retry-after"]) == 3600
    # The window slides on both: an hour later the address may sign up again.
    first.clock.advance(3600)
    second.clock.advance(3600)
    assert signup(on_second, "four").status == 201


def test_simultaneous_signups_on_two_nodes_do_not_overrun_the_budget(two_nodes):
    first, second = two_nodes
    statuses = []
    lock = threading.Lock()

    def sign_up(node, name):
        answer = signup(node.client(), name).status
        with lock:
            statuses.append(answer)

    threads = [threading.Thread(target=sign_up, args=(node, f"user{i}"))
               for i, node in enumerate((first, second) * 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # One hash in flight per address per node may refuse some with 429 as well;
    # however they interleave, at most three accounts are made from this address.
    assert len(statuses) == 8 and statuses.count(201) <= 3, statuses
    assert set(statuses) <= {201, 429}, statuses
    made = first.db.query_value("SELECT count(*) FROM users")
    assert made == statuses.count(201) and made >= 1


def test_failed_logins_count_across_nodes(two_nodes):
    first, second = two_nodes
    on_first, on_second = first.client(), second.client()
    assert signup(on_first, "cyd").status == 201
    limit = first.config.login_failure_limit
    for attempt in range(limit):
        client = (on_first, on_second)[attempt % 2]
        assert login(client, "cyd", "wrong password").status == 401
    # Past the budget on both nodes, even with the right password.
    assert login(on_second, "cyd").status == 429
    assert login(on_first, "cyd").status == 429


def test_take_signup_slides_its_window_per_address(server):
    db, t0 = server.db, 1_800_000_000
    take = lambda client, now: signups.take_signup(db, client=client, now=now,  # noqa: E731
                                                   limit=2, window=60)
    first, wait = take("a", t0)
    assert first and wait == 0
    assert take("a", t0 + 10)[1] == 0
    assert take("a", t0 + 20) == (0, 40)          # the older of the two leaves at t0 + 60
    assert take("b", t0 + 20)[1] == 0             # another address has its own budget
    assert take("a", t0 + 59) == (0, 1)
    assert take("a", t0 + 60)[1] == 0             # and the expired row is gone
    assert db.query_value("SELECT count(*) FROM signups WHERE client = 'a'") == 2
    # A place given back counts no more.
    place, _ = take("c", t0 + 60)
    signups.release_signup(db, row_id=place)
    assert db.query_value("SELECT count(*) FROM signups WHERE client = 'c'") == 0
    # Rows older than the window are deleted by the next sign-up, whoever makes it.
    take("d", t0 + 200)
    assert db.query_value("SELECT count(*) FROM signups") == 1

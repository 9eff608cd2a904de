"""User search runs on the loop thread: past its time budget it answers clearly."""

from __future__ import annotations

import pytest

from handlers.store import users as user_store


@pytest.fixture
def out_of_time(server, monkeypatch):
    # Enough people that each query runs past sqlite's first progress check, and
    # no time at all for either query.
    server.db.execute_many(
        "INSERT INTO users (username, name, password_hash, created_at)"
        " VALUES (:username, 'Alias', 'x', 0)",
        [{"username": f"ali{i}"} for i in range(5000)])
    monkeypatch.setattr(user_store, "SEARCH_TIME_BUDGET_SECONDS", 0.0)
    monkeypatch.setattr(user_store, "SEARCH_PREFIX_TIME_BUDGET_SECONDS", 0.0)


def test_a_search_past_its_budget_is_a_400_that_says_why(make_user, out_of_time):
    alice = make_user("alice")
    answer = alice.get("/api/users?q=ali")
    assert answer.status == 400 and answer.error_code == "bad_request", answer
    assert answer.json()["error"]["message"] == user_store.SEARCH_TOO_BROAD


def test_the_people_page_says_the_search_was_too_broad(make_user, out_of_time):
    alice = make_user("alice")
    page = alice.get("/people?q=ali")
    assert page.status == 200
    assert "too broad; type more of the name" in page.text

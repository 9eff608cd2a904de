"""The feed shows likes and comments with a fixed number of queries per page, however
many posts it holds (no query per post): counted with sqlite's trace callback on the
server's own connection."""

import threading

import pytest


class QueryCounter:
    def __init__(self, db):
        self.db = db
        self.statements: list[str] = []
        self._lock = threading.Lock()

    def _on_statement(self, sql: str) -> None:
        with self._lock:
            self.statements.append(sql)

    def count(self, fn) -> int:
        self.statements = []
        self.db.set_trace(self._on_statement)
        try:
            answer = fn()
        finally:
            self.db.set_trace(None)
        assert answer.status == 200, answer
        return len(self.statements)


@pytest.fixture
def busy_feed(server, make_user, befriend):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    befriend(alice, carol)

    def add_posts(n):
        for i in range(n):
            author = (alice, bob, carol)[i % 3]
            post_id = author.post_json("/api/posts", {"body": f"post {i}",
                                                      "visibility": "public"}).json()["id"]
            for person in (alice, bob, carol):
                person.post_json(f"/api/posts/{post_id}/like")
                person.post_json(f"/api/posts/{post_id}/comments", {"body": f"on {i}"})

    return alice, add_posts


# Statements are counted with sqlite's trace callback.
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("path", ["/", "/api/feed"])
def test_the_feed_costs_the_same_queries_for_one_post_and_twenty(server, busy_feed, path):
    alice, add_posts = busy_feed
    counter = QueryCounter(server.db)
    add_posts(1)
    alice.get(path)                     # warm: "last seen" was just written
    one = counter.count(lambda: alice.get(path))
    add_posts(24)
    alice.get(path)
    twenty = counter.count(lambda: alice.get(path))
    page = alice.get(path)
    if path == "/api/feed":
        posts = page.json()["posts"]
        assert len(posts) == 20 and all(p["likes"] == 3 and p["comments"] == 3 for p in posts)
    else:
        assert page.text.count('class="card post"') == 20
    assert twenty == one, counter.statements
    assert twenty <= 15, counter.statements

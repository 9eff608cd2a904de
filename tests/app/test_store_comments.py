"""comments.py on both backends: the latest comments of many posts in one query."""

from store_fixtures import (
    T0,
    db_fixture,  # noqa: F401  (the `db` fixture)
    make_user,
)

from handlers.store import comments, posts


def test_latest_comments_of_gives_each_post_its_last_two_oldest_first(db):
    author = make_user(db, "author")["id"]
    reader = make_user(db, "reader")["id"]
    post_ids = [posts.create_post(db, author_id=author, body=f"post {n}", visibility="public",
                                  now=T0 + n)["id"] for n in range(3)]
    for n in range(3):
        comments.add_comment(db, post_id=post_ids[0], author_id=reader, post_author_id=author,
                             body=f"first post, comment {n}", now=T0 + 10 + n)
    comments.add_comment(db, post_id=post_ids[1], author_id=author, post_author_id=author,
                         body="second post, only comment", now=T0 + 20)

    latest = comments.latest_comments_of(db, post_ids=post_ids)

    assert [c["body"] for c in latest[post_ids[0]]] == ["first post, comment 1",
                                                        "first post, comment 2"]
    assert [c["body"] for c in latest[post_ids[1]]] == ["second post, only comment"]
    assert latest[post_ids[2]] == []

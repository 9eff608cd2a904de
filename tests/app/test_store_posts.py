"""posts.py and visibility.py: the visibility matrix, keyset pages, query plans."""

import itertools
import re

import pytest
from store_fixtures import (
    SQLITE_ONLY,
    T0,
    db_fixture,  # noqa: F401  (the `db` fixture)
    make_user,
)

from handlers.store import friends, posts
from handlers.store.visibility import VISIBILITIES, can_view

# viewer -> the visibilities of the author's posts that viewer may see.
EXPECTED = {
    "author": {"public", "friends", "private"},
    "friend": {"public", "friends"},
    "stranger": {"public"},
    "anonymous": {"public"},
}


@pytest.fixture
def world(db):
    """An author with one post (and photo) per visibility, a friend, a stranger."""
    ids = {role: make_user(db, role)["id"] for role in ("author", "friend", "stranger")}
    friends.request_or_accept(db, from_id=ids["author"], to_id=ids["friend"], now=T0)
    friends.request_or_accept(db, from_id=ids["friend"], to_id=ids["author"], now=T0)
    ids["anonymous"] = None
    by_visibility = {
        visibility: posts.create_post(db, author_id=ids["author"], body=f"{visibility} post",
                                      visibility=visibility, image_name=f"{visibility}.png",
                                      now=T0)
        for visibility in VISIBILITIES}
    return ids, by_visibility


def _visibilities(rows):
    return {row["visibility"] for row in rows}


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
def test_feed_shows_what_the_rule_allows(db, world, viewer):
    ids, _ = world
    assert _visibilities(posts.feed_for(db, viewer_id=ids[viewer])) == EXPECTED[viewer]


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
def test_profile_shows_what_the_rule_allows(db, world, viewer):
    ids, _ = world
    rows = posts.posts_by(db, author_id=ids["author"], viewer_id=ids[viewer])
    assert _visibilities(rows) == EXPECTED[viewer]


@pytest.mark.parametrize(("viewer", "visibility"),
                         list(itertools.product(sorted(EXPECTED), VISIBILITIES)))
def test_single_post_and_photo_follow_the_rule(db, world, viewer, visibility):
    ids, by_visibility = world
    post = by_visibility[visibility]
    allowed = visibility in EXPECTED[viewer]
    found = posts.get_visible_post(db, post_id=post["id"], viewer_id=ids[viewer])
    assert (found == post) is allowed and (found is None) is not allowed
    photo = posts.visible_post_for_image(db, image_name=post["image_name"], viewer_id=ids[viewer])
    assert (photo is not None) is allowed
    is_friend = viewer == "friend"
    assert can_view(post, ids[viewer], is_friend=is_friend) is allowed


def test_feed_mixes_own_friends_and_public_posts_but_not_strangers_private(db, world):
    ids, _ = world
    mine = posts.create_post(db, author_id=ids["friend"], body="mine", visibility="private",
                             now=T0)
    posts.create_post(db, author_id=ids["stranger"], body="s", visibility="friends", now=T0)
    posts.create_post(db, author_id=ids["stranger"], body="s", visibility="private", now=T0)
    public = posts.create_post(db, author_id=ids["stranger"], body="p", visibility="public",
                               now=T0)
    feed = posts.feed_for(db, viewer_id=ids["friend"])
    assert [p["author_username"] for p in feed[:2]] == ["stranger", "friend"]
    assert {p["id"] for p in feed} >= {mine["id"], public["id"]}
    assert [p["body"] for p in feed if p["author_id"] == ids["stranger"]] == ["p"]


def test_post_dict_carries_its_author(db, world):
    ids, by_visibility = world
    post = by_visibility["public"]
    assert post == {"id": post["id"], "author_id": ids["author"], "author_username": "author",
                    "author_name": "Author", "author_created_at": T0, "author_bio": "",
                    "author_avatar_name": None, "body": "public post",
                    "visibility": "public", "image_name": "public.png", "created_at": T0,
                    "edited_at": None, "likes": 0, "liked": 0, "comments": 0}
    assert posts.get_post(db, post_id=post["id"], viewer_id=ids["author"]) == post
    assert posts.get_post(db, post_id=10_000) is None


def test_unknown_visibility_is_refused(db, world):
    ids, by_visibility = world
    with pytest.raises(ValueError):
        posts.create_post(db, author_id=ids["author"], body="x", visibility="everyone", now=T0)
    with pytest.raises(ValueError):
        posts.set_visibility(db, post_id=by_visibility["public"]["id"], visibility="nobody")


def test_set_visibility_hides_a_post_from_friends(db, world):
    ids, by_visibility = world
    post_id = by_visibility["friends"]["id"]
    updated = posts.set_visibility(db, post_id=post_id, visibility="private")
    assert updated["visibility"] == "private"
    assert posts.get_visible_post(db, post_id=post_id, viewer_id=ids["friend"]) is None
    assert posts.set_visibility(db, post_id=10_000, visibility="public") is None


def test_delete_post_returns_its_image_name(db, world):
    ids, by_visibility = world
    assert posts.delete_post(db, post_id=by_visibility["private"]["id"]) == "private.png"
    assert posts.get_post(db, post_id=by_visibility["private"]["id"]) is None
    plain = posts.create_post(db, author_id=ids["author"], body="x", visibility="public", now=T0)
    assert posts.delete_post(db, post_id=plain["id"]) is None
    assert posts.visible_post_for_image(db, image_name="private.png",
                                        viewer_id=ids["author"]) is None


def _all_pages(fetch, limit):
    pages, before = [], None
    while True:
        page = fetch(before=before, limit=limit)
        if not page:
            return pages
        pages.append([p["id"] for p in page])
        before = page[-1]["id"]


def test_keyset_pages_cover_the_feed_once_newest_first(db, world):
    ids, _ = world
    for i in range(45):
        author = ids["author"] if i % 2 else ids["stranger"]
        posts.create_post(db, author_id=author, body=str(i), visibility=VISIBILITIES[i % 3],
                          now=T0 + i)
    whole = [p["id"] for p in posts.feed_for(db, viewer_id=ids["friend"], limit=100)]
    pages = _all_pages(lambda **kw: posts.feed_for(db, viewer_id=ids["friend"], **kw), 7)
    assert [len(page) for page in pages[:-1]] == [7] * (len(pages) - 1)
    assert [i for page in pages for i in page] == whole == sorted(whole, reverse=True)
    profile = _all_pages(lambda **kw: posts.posts_by(db, author_id=ids["author"],
                                                     viewer_id=ids["stranger"], **kw), 4)
    flat = [i for page in profile for i in page]
    public = db.query_all("SELECT id FROM posts WHERE author_id = :id AND visibility = 'public'"
                          " ORDER BY id DESC", {"id": ids["author"]})
    assert flat == [row["id"] for row in public] and len(flat) > 4


def test_page_size_is_clamped(db, world):
    ids, _ = world
    for i in range(posts.MAX_PAGE_SIZE + 5):
        posts.create_post(db, author_id=ids["stranger"], body=str(i), visibility="public",
                          now=T0)
    assert len(posts.feed_for(db, viewer_id=None, limit=10_000)) == posts.MAX_PAGE_SIZE
    assert len(posts.feed_for(db, viewer_id=None, limit=0)) == 1


def _plan(db, sql, params):
    return [row["detail"] for row in db.query_all("EXPLAIN QUERY PLAN " + sql, params)]


PLAN_PARAMS = {"viewer_id": 1, "user_id": 1, "author_id": 2, "before": 2**62, "limit": 20,
               "post_id": 1, "image_name": "x.png"}
# Any pass over all of posts (`SCAN posts`, `SCAN p`), even over a covering index:
# every access to posts must be a SEARCH that seeks to a key or range.
FULL_POSTS_SCAN = re.compile(r"^SCAN (posts|p|q|r)\b")


@pytest.mark.parametrize(("name", "indexes"), [
    ("FEED_SQL", {"posts_author", "posts_public", "posts_author_vis"}),
    ("PROFILE_SQL", {"posts_author_vis"}),
])
@SQLITE_ONLY
def test_list_queries_use_indexes_not_table_scans(db, name, indexes):
    plan = _plan(db, getattr(posts, name), PLAN_PARAMS)
    assert not [line for line in plan if FULL_POSTS_SCAN.search(line)], plan
    used = {index for line in plan for index in re.findall(r"INDEX (\w+)", line)}
    assert indexes <= used, plan
    # Candidates are fetched by primary key, then joined to their authors by key.
    assert "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan


@SQLITE_ONLY
def test_single_post_lookups_use_keys(db):
    by_id = _plan(db, posts._SELECT_POST + " WHERE p.id = :post_id", PLAN_PARAMS)
    by_image = _plan(db, posts._SELECT_POST + " WHERE p.image_name = :image_name", PLAN_PARAMS)
    assert any("INTEGER PRIMARY KEY" in line for line in by_id if " p " in f" {line} ")
    assert any("posts_image" in line for line in by_image), by_image

"""The home page (feed, composer, requests, online friends), the welcome page for
visitors, and the page of a single post."""

from __future__ import annotations

from .. import posts, presence, reactions
from ..base import page_params
from ..store import friends as friend_store
from ..store import posts as post_store
from . import present
from .base import PageHandler

__all__ = ["HomePage", "PostPage", "home_context", "FEED_PAGE_SIZE"]

FEED_PAGE_SIZE = 20
WELCOME_POSTS = 5
# A post's own page shows this many comments, with a link to the earlier ones.
POST_PAGE_COMMENTS = 50
POST_PAGE_LIKERS = 50
# The side card shows the newest few requests; all of them are on /friends, a page
# at a time (50,000 pending requests once made a 49 MB home page).
HOME_REQUESTS = 5
# The online box lists this many friends by name (live.js keeps it at that many);
# with 5,000 friends online it once held all of them, a 1 MB home page.
HOME_ONLINE = 20


def next_page(items: list, limit: int, url: str) -> tuple[list, str]:
    """(the first `limit` items, the "older" URL or "") from a list fetched with limit + 1."""
    if len(items) <= limit:
        return items, ""
    items = items[:limit]
    separator = "&" if "?" in url else "?"
    return items, f"{url}{separator}before={items[-1]['id']}"


def home_context(handler: PageHandler, composer: dict | None = None) -> dict:
    """Everything home.mustache reads for `handler`'s viewer; `composer` keeps a
    failed post's text and error."""
    viewer_id = handler.viewer_id
    _, before = page_params(handler.request)
    # Each answer, and what is made of it, is reused until the database changes
    # (handlers/readcache.py): shared between requests, so never changed.
    rows, next_url = handler.cached(("home_feed", viewer_id, before),
                                    lambda: _feed_page(handler, viewer_id, before))
    # The side cards know who is online, which moves with the clock: the second is
    # part of their key.
    now = handler.now()
    side = handler.cached(("home_side", viewer_id, now), lambda: _side_cards(handler, viewer_id))
    # The cards too, for this second: what they hold besides the rows is the clock.
    posts = handler.cached(("home_posts", viewer_id, before, now),
                           lambda: handler.post_views(rows, now=now))
    return {
        "title": "Home",
        "composer": composer or handler.composer(),
        "posts": posts,
        "older": before is not None,
        "next_url": next_url,
        **side,
    }


def _feed_page(handler: PageHandler, viewer_id: int, before) -> tuple[list, str]:
    rows = handler.cached(("feed", viewer_id, before), lambda: post_store.feed_for(
        handler.db, viewer_id=viewer_id, before=before, limit=FEED_PAGE_SIZE + 1))
    return next_page(rows, FEED_PAGE_SIZE, "/")


def _side_cards(handler: PageHandler, viewer_id: int) -> dict:
    """The friend requests and online friends cards."""
    db = handler.db
    requests = handler.cached(("requests", viewer_id), lambda: friend_store.incoming_requests(
        db, user_id=viewer_id, limit=HOME_REQUESTS + 1))
    more_requests = len(requests) > HOME_REQUESTS
    requests = requests[:HOME_REQUESTS]
    requests_count = handler.requests_count() if more_requests else len(requests)
    # Online: a live stream in any worker, or a request in the last two minutes.
    online = handler.cached(("online", viewer_id, handler.now()), lambda: presence.online_friends(
        handler.ctx, user_id=viewer_id, limit=HOME_ONLINE + 1))
    more_online = len(online) > HOME_ONLINE
    online = online[:HOME_ONLINE]
    has_friends = bool(online) or handler.cached(
        ("has_friends", viewer_id), lambda: friend_store.has_friends(db, user_id=viewer_id))
    return {
        "requests": [present.user_view(u, friendship="request_received") for u in requests],
        "has_requests": bool(requests),
        "requests_count": requests_count,
        "more_requests": more_requests,
        "online": [present.user_view(u, friendship="friends") for u in online],
        "has_online": bool(online),
        "more_online": more_online,
        "online_max": HOME_ONLINE,
        "has_friends": has_friends,
    }


class HomePage(PageHandler):
    """GET /: the feed for a logged-in viewer, the welcome page for anyone else."""

    nav = "home"

    def get(self):
        if self.session is None:
            return self.welcome()
        return self.page("home", home_context(self))

    def welcome(self):
        public = post_store.feed_for(self.db, viewer_id=None, limit=WELCOME_POSTS)
        views = self.post_views(public)
        return self.page("welcome", {"title": "Welcome", "page": "welcome", "form": {},
                                     "posts": views, "has_posts": bool(views)})


class PostPage(PageHandler):
    """GET /posts/{id}: one post, if this viewer may see it (404 otherwise)."""

    def get(self, post_id: int):
        viewer_id = self.viewer_id
        post = posts.visible_post(self.ctx, viewer_id=viewer_id, post_id=post_id)
        _, before = page_params(self.request)
        comments, next_before = reactions.list_comments(
            self.ctx, viewer_id=viewer_id, post_id=post_id, before=before,
            limit=POST_PAGE_COMMENTS)
        view = self.post_views([post], comments={post["id"]: comments})[0]
        view["has_earlier_comments"] = next_before is not None
        view["earlier_comments_url"] = f"/posts/{post_id}?before={next_before}#comments"
        likers = reactions.post_likers(self.ctx, viewer_id=viewer_id, post_id=post_id,
                                       limit=POST_PAGE_LIKERS)
        return self.page("post", {
            "title": f"Post by {post['author_name']}", "post": view,
            "likers": [present.user_view(u) for u in likers], "has_likers": bool(likers)})

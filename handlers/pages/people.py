"""Profiles, the friends page, people search, and the friendship buttons' actions
(over `handlers.friends`)."""

from __future__ import annotations

from reactor import Response

from .. import friends
from ..base import before_param, page_params, request_page
from ..errors import Conflict, Invalid, NotFound
from ..store import friends as friend_store
from ..store import posts as post_store
from ..store import users as user_store
from ..store.errors import QueryTimeout
from . import present
from .base import PageHandler
from .home import FEED_PAGE_SIZE, next_page

__all__ = ["FriendAdd", "FriendRemove", "FriendsPage", "PeoplePage", "ProfilePage"]

SEARCH_LIMIT = 30
# Pending requests on /friends, per list and page (each list pages on its own).
REQUESTS_PAGE_SIZE = 20
# Friends on /friends, per page (`?friends_page=N`, by name). A list of 5,000
# friends (the cap) was a 5.1 MB page; 60 rows are about 60 KB.
FRIENDS_PAGE_SIZE = 60
SUGGESTION_LIMIT = 10
MAX_QUERY_CHARS = 80
UNDONE_MESSAGES = {
    "unfriended": "You and {name} are no longer friends.",
    "cancelled": "Friend request to {name} cancelled.",
    "declined": "Friend request from {name} declined.",
}


def users_with_states(handler: PageHandler, users: list[dict], state: str | None = None):
    """User views with the viewer's friendship state: `state` for all of them when
    the list already implies it, else looked up (one query for the whole list)."""
    if state is not None:
        return [present.user_view(u, friendship=state) for u in users]
    states = friend_store.friendship_states(handler.db, viewer_id=handler.viewer_id,
                                            user_ids=[u["id"] for u in users])
    return [present.user_view(u, friendship=states[u["id"]]) for u in users]


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class ProfilePage(PageHandler):
    """GET /u/{username}: cover, avatar, friendship button and the visible posts."""

    def get(self, username: str):
        user = friends.find_user(self.ctx, username)
        viewer_id = self.viewer_id
        own = viewer_id == user["id"]
        self.nav = "profile" if own else ""
        state = (friend_store.friendship_state(self.db, viewer_id=viewer_id, other_id=user["id"])
                 if viewer_id is not None else None)
        _, before = page_params(self.request)
        rows = post_store.posts_by(self.db, author_id=user["id"], viewer_id=viewer_id,
                                   before=before, limit=FEED_PAGE_SIZE + 1)
        rows, next_url = next_page(rows, FEED_PAGE_SIZE, f"/u/{user['username']}")
        return self.page("profile", {
            "title": user["name"],
            "profile": self.profile_view(user, state),
            "is_own_profile": own,
            "composer": self.composer() if own else {},
            "posts": self.post_views(rows),
            "next_url": next_url,
            "empty_text": self.empty_text(user, own, before),
        })

    def profile_view(self, user: dict, state: str | None) -> dict:
        view = present.user_view(user, friendship=state)
        count = friend_store.count_friends(self.db, user_id=user["id"])
        view["joined"] = present.joined(user["created_at"])
        view["friend_count_label"] = plural(count, "friend")
        view["show_friend_button"] = state not in (None, "self")
        return view

    def empty_text(self, user: dict, own: bool, before) -> str:
        if before is not None:
            return "No older posts."
        if own:
            return "You have not posted yet. Write something above — your friends will see it."
        if self.session is None:
            return (f"{present.first_name(user['name'])} has no public posts. "
                    "Log in to see posts shared with friends.")
        return f"{present.first_name(user['name'])} has not posted anything you can see yet."


class FriendsPage(PageHandler):
    """GET /friends: requests received and sent, friends, and suggestions."""

    nav = "friends"

    def get(self):
        if self.session is None:
            return self.login_redirect()
        me = self.viewer_id
        suggested = user_store.suggest_users(self.db, viewer_id=me, limit=SUGGESTION_LIMIT)
        return self.page("friends", {
            "title": "Friends",
            **self.requests_section("incoming", friend_store.incoming_requests,
                                    friend_store.count_incoming_requests, "request_received"),
            **self.requests_section("outgoing", friend_store.outgoing_requests,
                                    friend_store.count_outgoing_requests, "request_sent"),
            **self.friends_section(),
            "suggestions": users_with_states(self, suggested, "none"),
            "has_suggestions": bool(suggested),
        })

    def friends_section(self) -> dict:
        """The viewer's friends by name, a page of FRIENDS_PAGE_SIZE at a time:
        `?friends_page=N` (from 1) with a link to the next page while there is one."""
        page = before_param(self.request, "friends_page") or 1
        offset = (page - 1) * FRIENDS_PAGE_SIZE
        rows = friend_store.friends_of(self.db, user_id=self.viewer_id,
                                       limit=FRIENDS_PAGE_SIZE + 1, offset=offset)
        more = len(rows) > FRIENDS_PAGE_SIZE
        rows = rows[:FRIENDS_PAGE_SIZE]
        total = (friend_store.count_friends(self.db, user_id=self.viewer_id)
                 if more or page > 1 else len(rows))
        return {"friends": users_with_states(self, rows, "friends"),
                "has_friends": bool(rows), "friends_count": total,
                "friends_next": f"/friends?friends_page={page + 1}#friends-list" if more else "",
                "friends_later": page > 1,
                "friends_shown": (f"{offset + 1:,}–{offset + len(rows):,} of {total:,}"
                                  if rows and (more or page > 1) else "")}

    def requests_section(self, side: str, fetch, count, state: str) -> dict:
        """One list of pending requests, a page at a time: `?{side}_before=` continues
        it (the other list starts from its newest), with a link to the next page."""
        before = before_param(self.request, f"{side}_before")
        rows = fetch(self.db, user_id=self.viewer_id, before=before,
                     limit=REQUESTS_PAGE_SIZE + 1)
        rows, next_before = request_page(rows, REQUESTS_PAGE_SIZE)
        total = count(self.db, user_id=self.viewer_id) if next_before or before else len(rows)
        next_url = f"/friends?{side}_before={next_before}#{side}" if next_before else ""
        return {side: users_with_states(self, rows, state), f"has_{side}": bool(rows),
                f"{side}_count": total, f"{side}_next": next_url,
                f"{side}_later": bool(before)}


class PeoplePage(PageHandler):
    """GET /people?q=: search by username or name; suggestions when `q` is empty."""

    nav = "people"

    def get(self):
        if self.session is None:
            return self.login_redirect()
        q = (self.request.arg("q") or "").strip()[:MAX_QUERY_CHARS]
        if q:
            title = f"Results for “{q}”"
            empty = f"No one matches “{q}”. Try part of a name or a username."
            try:
                found = user_store.search_users(self.db, q=q, limit=SEARCH_LIMIT)
            except QueryTimeout:
                found, empty = [], user_store.SEARCH_TOO_BROAD
        else:
            found = user_store.suggest_users(self.db, viewer_id=self.viewer_id,
                                             limit=SUGGESTION_LIMIT)
            title = "People you may know"
            empty = "No suggestions yet. Search for someone by name above."
        results = users_with_states(self, found)
        return self.page("people", {"title": "People", "q": q, "search_q": q,
                                    "results": results, "has_results": bool(results),
                                    "results_title": title, "empty_text": empty})


class FriendAdd(PageHandler):
    """POST /friends/{username}/add: send a request, or accept theirs."""

    def post(self, username: str):
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        target = self.next_location(form)
        try:
            other, state = friends.befriend(self.ctx, viewer=self.session.user, username=username)
        except (Conflict, Invalid) as exc:
            return self.done(target, exc.message, "error")
        if state == "friends":
            return self.done(target, f"You and {other['name']} are now friends.")
        return self.done(target, f"Friend request sent to {other['name']}.")


class FriendRemove(PageHandler):
    """POST /friends/{username}/remove: unfriend, cancel a request, or decline one."""

    def post(self, username: str) -> Response:
        if self.session is None:
            return self.login_redirect()
        form = self.read_form()
        target = self.next_location(form)
        other = friends.find_user(self.ctx, username)
        try:
            undone = friends.unfriend(self.ctx, viewer=self.session.user, username=username)
        except NotFound:
            return self.done(target, f"There was nothing to undo with {other['name']}.", "error")
        return self.done(target, UNDONE_MESSAGES[undone].format(name=other["name"]))

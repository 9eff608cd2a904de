"""The API's objects (API.md "Objects"), built from store rows.

A user carries `friendship` only when someone is logged in; lists look the
states up in one query (`friendship_states`), never one per row.
"""

from __future__ import annotations

from ..posts import photo_url
from ..profiles import avatar_url
from ..store import friends as friend_store
from ..store import posts as post_store
from ..store.times import iso

__all__ = ["comment_json", "comments_json", "notification_json", "notifications_json",
           "page_of", "post_json", "posts_json", "user_json", "users_json"]


def user_json(user: dict, friendship: str | None = None) -> dict:
    """{"id", "username", "name", "created_at", "bio", "avatar_url"} plus
    "friendship" when given. `avatar_url` is the large size (profiles.AVATAR_LARGE)."""
    out = {"id": user["id"], "username": user["username"], "name": user["name"],
           "created_at": iso(user["created_at"]), "bio": user.get("bio") or "",
           "avatar_url": avatar_url(user.get("avatar_name"))}
    if friendship is not None:
        out["friendship"] = friendship
    return out


def _states(ctx, viewer_id, user_ids) -> dict:
    if viewer_id is None or not user_ids:
        return {}
    return friend_store.friendship_states(ctx.db, viewer_id=viewer_id,
                                          user_ids=sorted(set(user_ids)))


def users_json(ctx, viewer_id: int | None, users: list) -> list:
    """Users with the viewer's friendship to each (when logged in)."""
    states = _states(ctx, viewer_id, [u["id"] for u in users])
    return [user_json(u, states.get(u["id"]) if viewer_id else None) for u in users]


def one_user_json(ctx, viewer_id: int | None, user: dict) -> dict:
    return users_json(ctx, viewer_id, [user])[0]


def post_json(post: dict, friendship: str | None = None) -> dict:
    author = {"id": post["author_id"], "username": post["author_username"],
              "name": post["author_name"], "created_at": post["author_created_at"],
              "bio": post["author_bio"], "avatar_name": post["author_avatar_name"]}
    return {"id": post["id"], "author": user_json(author, friendship), "body": post["body"],
            "visibility": post["visibility"], "image_url": photo_url(post["image_name"]),
            "created_at": iso(post["created_at"]), "likes": post["likes"],
            "liked": bool(post["liked"]), "comments": post["comments"],
            "edited_at": iso(post["edited_at"])}


def posts_json(ctx, viewer_id: int | None, posts: list) -> list:
    """Posts with each author's friendship to the viewer (when logged in)."""
    states = _states(ctx, viewer_id, [p["author_id"] for p in posts])
    return [post_json(p, states.get(p["author_id"]) if viewer_id else None) for p in posts]


def page_of(rows: list, limit: int) -> tuple[list, int | None]:
    """(the first `limit` rows, next_before), from a store list asked for `limit + 1`.

    An extra row means there is a next page, starting below the last id shown. At
    the store's cap (100) the extra row cannot be asked for, so a full page is
    taken to have a successor (at worst the client then fetches one empty page).
    """
    if len(rows) > limit or (len(rows) == limit == post_store.MAX_PAGE_SIZE):
        rows = rows[:limit]
        return rows, rows[-1]["id"]
    return rows, None


def comments_json(ctx, viewer_id: int | None, comments: list) -> list:
    """API comments {"id", "post_id", "author", "body", "created_at"} (store shape in)."""
    states = _states(ctx, viewer_id, [c["author"]["id"] for c in comments])
    return [{"id": c["id"], "post_id": c["post_id"],
             "author": user_json(c["author"], states.get(c["author"]["id"]) if viewer_id else None),
             "body": c["body"], "created_at": iso(c["created_at"])} for c in comments]


def comment_json(ctx, viewer_id: int | None, comment: dict) -> dict:
    return comments_json(ctx, viewer_id, [comment])[0]


def notification_json(row: dict, friendship: str | None = None) -> dict:
    """API notification {"id", "kind", "actor", "post_id", "comment_id", "created_at",
    "read"} from a store row."""
    return {"id": row["id"], "kind": row["kind"], "actor": user_json(row["actor"], friendship),
            "post_id": row["post_id"], "comment_id": row["comment_id"],
            "created_at": iso(row["created_at"]), "read": row["read_at"] is not None}


def notifications_json(ctx, viewer_id: int, rows: list) -> list:
    states = _states(ctx, viewer_id, [row["actor"]["id"] for row in rows])
    return [notification_json(row, states.get(row["actor"]["id"])) for row in rows]

"""Posts: writing, deleting, and the visibility-filtered reads (feed, profile, photo).

Lists are newest first and paginated by keyset: ids grow with time, so a page is
`id < :before ORDER BY id DESC LIMIT :limit` and the next page starts below the
last id shown.

How the list queries stay fast with millions of posts. A single
`WHERE <visible> ORDER BY id DESC` walks the whole table when few posts match
(a viewer with three friends while public posts are rare). Instead each list
gathers candidate ids from branches that are each one index seek walking back
from `:before` and stopping after LIMIT entries:
  feed:    the viewer's posts (posts_author), public posts (posts_public), and
           for each friend their 'friends' posts (posts_author_vis);
  profile: the author's posts of each visibility (posts_author_vis).
The newest LIMIT of the union is exactly the newest LIMIT of the whole result,
because each branch already holds its own newest LIMIT. The visibility rule is
then applied to the few candidates, so it stays the single source of truth.
"""

from .friends import FRIEND_IDS_CTE
from .visibility import FRIENDS, PRIVATE, PUBLIC, VISIBILITIES, VISIBLE_TO_VIEWER

__all__ = [
    "create_post",
    "get_post",
    "get_visible_post",
    "feed_for",
    "posts_by",
    "set_visibility",
    "edit_post",
    "delete_post",
    "visible_post_for_image",
    "MAX_PAGE_SIZE",
]

# The API's documented maximum page size (API.md: limit default 20, max 100).
MAX_PAGE_SIZE = 100
# `before` omitted means "from the newest": larger than any id either database hands out.
_NEWEST = 2**63 - 1

# Likes and comments are counted from their rows inside the post query itself (one
# primary-key or index seek per post), so a page of posts costs no extra queries
# for them and a count can never drift from the rows. `liked` binds :viewer_id
# (NULL when logged out: nothing matches).
POST_COLUMNS = """p.id, p.author_id, u.username AS author_username, u.name AS author_name,
       u.created_at AS author_created_at, u.bio AS author_bio,
       u.avatar_name AS author_avatar_name, p.body, p.visibility, p.image_name, p.created_at,
       p.edited_at,
       (SELECT count(*) FROM likes lk WHERE lk.post_id = p.id) AS likes,
       EXISTS (SELECT 1 FROM likes lv WHERE lv.post_id = p.id AND lv.user_id = :viewer_id)
           AS liked,
       (SELECT count(*) FROM comments cm WHERE cm.post_id = p.id) AS comments"""

_SELECT_POST = f"SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id"

# Every derived table has an alias: PostgreSQL requires one (sqlite does not mind).
_PAGE = "SELECT * FROM (SELECT id FROM posts WHERE {where} AND id < :before" \
        " ORDER BY id DESC LIMIT :limit) AS page"

FEED_SQL = f"""
WITH {FRIEND_IDS_CTE},
candidate(id) AS (
    {_PAGE.format(where="author_id = :viewer_id")}
    UNION
    {_PAGE.format(where=f"visibility = '{PUBLIC}'")}
    UNION
    SELECT * FROM (SELECT q.id FROM friend f JOIN posts q ON q.author_id = f.id
                   WHERE q.visibility = '{FRIENDS}' AND q.id < :before
                   ORDER BY q.id DESC LIMIT :limit) AS page
)
SELECT {POST_COLUMNS}
FROM candidate c JOIN posts p ON p.id = c.id JOIN users u ON u.id = p.author_id
WHERE {VISIBLE_TO_VIEWER}
ORDER BY p.id DESC
LIMIT :limit
"""

PROFILE_SQL = f"""
WITH candidate(id) AS (
    {_PAGE.format(where=f"author_id = :author_id AND visibility = '{PUBLIC}'")}
    UNION ALL
    {_PAGE.format(where=f"author_id = :author_id AND visibility = '{FRIENDS}'")}
    UNION ALL
    {_PAGE.format(where=f"author_id = :author_id AND visibility = '{PRIVATE}'")}
)
SELECT {POST_COLUMNS}
FROM candidate c JOIN posts p ON p.id = c.id JOIN users u ON u.id = p.author_id
WHERE {VISIBLE_TO_VIEWER}
ORDER BY p.id DESC
LIMIT :limit
"""


def _page_params(before, limit) -> dict:
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    return {"before": _NEWEST if before is None else int(before), "limit": limit}


def _check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")


def create_post(db, *, author_id: int, body: str, visibility: str, image_name=None,
                now: int) -> dict:
    """Store a post and return its dict. Raises ValueError for an unknown visibility."""
    _check_visibility(visibility)
    post_id = db.execute(
        "INSERT INTO posts (author_id, body, visibility, image_name, created_at)"
        " VALUES (:author_id, :body, :visibility, :image_name, :now)",
        {"author_id": author_id, "body": body or "", "visibility": visibility,
         "image_name": image_name, "now": now})
    return get_post(db, post_id=post_id, viewer_id=author_id)


def get_post(db, *, post_id: int, viewer_id=None):
    """The post with this id whoever may see it (for its author's edits), or None.

    `viewer_id` only decides its `liked` field."""
    return db.query_one(f"{_SELECT_POST} WHERE p.id = :post_id",
                        {"post_id": post_id, "viewer_id": viewer_id})


def get_visible_post(db, *, post_id: int, viewer_id):
    """The post if the viewer may see it, else None (missing and hidden look alike)."""
    return db.query_one(f"{_SELECT_POST} WHERE p.id = :post_id AND {VISIBLE_TO_VIEWER}",
                        {"post_id": post_id, "viewer_id": viewer_id})


def visible_post_for_image(db, *, image_name: str, viewer_id):
    """The post that owns this uploaded file, if the viewer may see it, else None."""
    return db.query_one(
        f"{_SELECT_POST} WHERE p.image_name = :image_name AND {VISIBLE_TO_VIEWER}",
        {"image_name": image_name, "viewer_id": viewer_id})


def feed_for(db, *, viewer_id, before=None, limit: int = 20) -> list:
    """Newest first: the viewer's posts, friends' non-private posts, public posts.

    A logged-out viewer (None) gets public posts. `before` is the last id of the
    previous page; `limit` is clamped to 1..MAX_PAGE_SIZE.
    """
    params = {"viewer_id": viewer_id, "user_id": viewer_id, **_page_params(before, limit)}
    return db.query_all(FEED_SQL, params)


def posts_by(db, *, author_id: int, viewer_id, before=None, limit: int = 20) -> list:
    """The author's posts that the viewer may see, newest first (a profile page)."""
    params = {"author_id": author_id, "viewer_id": viewer_id, **_page_params(before, limit)}
    return db.query_all(PROFILE_SQL, params)


def set_visibility(db, *, post_id: int, visibility: str):
    """Change who sees a post; returns the updated post, or None if it is gone."""
    _check_visibility(visibility)
    db.execute("UPDATE posts SET visibility = :visibility WHERE id = :post_id",
               {"post_id": post_id, "visibility": visibility})
    return get_post(db, post_id=post_id)


def edit_post(db, *, post_id: int, body=None, visibility=None, now: int):
    """Change a post's text and/or visibility in one write; returns the post.

    `edited_at` is set only when the text really changes (saving the same text,
    or changing only who sees it, is not an edit)."""
    if visibility is not None:
        _check_visibility(visibility)
    db.execute(
        "UPDATE posts SET visibility = coalesce(:visibility, visibility),"
        # CAST: PostgreSQL cannot tell the type of a parameter that is only NULL-tested.
        " edited_at = CASE WHEN CAST(:body AS TEXT) IS NOT NULL"
        "                       AND CAST(:body AS TEXT) <> body THEN :now"
        "                  ELSE edited_at END,"
        " body = coalesce(:body, body) WHERE id = :post_id",
        {"post_id": post_id, "body": body, "visibility": visibility, "now": now})
    return get_post(db, post_id=post_id)


def delete_post(db, *, post_id: int):
    """Delete a post; returns its image_name (for removing the file) or None.

    Its likes, comments and every notification about them go with it, in the
    same transaction (ON DELETE CASCADE, migration 002)."""
    with db.transaction():
        image_name = db.query_value("SELECT image_name FROM posts WHERE id = :post_id",
                                    {"post_id": post_id})
        db.execute("DELETE FROM posts WHERE id = :post_id", {"post_id": post_id})
    return image_name

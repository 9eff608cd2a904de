"""Who may see a post: the one rule, written once.

A viewer sees a post when it is theirs, or it is public, or it is for friends and
the viewer is the author's friend. A logged-out viewer (viewer_id None, bound as
SQL NULL) sees public posts only: every comparison with NULL is false, and
min()/max() with a NULL argument are NULL, so the friendship probe finds nothing.

`VISIBLE_TO_VIEWER` is the SQL form over a `posts` row aliased `p` with the
parameter `:viewer_id`; the feed, profiles, single posts and photo URLs all add it
to their WHERE clause. `can_view` is the same rule for a post already in hand.
"""

__all__ = ["DEFAULT_VISIBILITY", "FRIENDS", "PRIVATE", "PUBLIC", "VISIBILITIES",
           "VISIBLE_TO_VIEWER", "can_view"]

# The three values of posts.visibility, here and nowhere else.
PUBLIC, FRIENDS, PRIVATE = "public", "friends", "private"
VISIBILITIES = (PUBLIC, FRIENDS, PRIVATE)
# A post is for friends unless its author says otherwise.
DEFAULT_VISIBILITY = FRIENDS

VISIBLE_TO_VIEWER = f"""(
    p.visibility = '{PUBLIC}'
    OR p.author_id = :viewer_id
    OR (p.visibility = '{FRIENDS}'
        AND EXISTS (SELECT 1 FROM friendships fv
                    WHERE fv.user_a = min(p.author_id, :viewer_id)
                      AND fv.user_b = max(p.author_id, :viewer_id)))
)"""


def can_view(post: dict, viewer_id, *, is_friend: bool) -> bool:
    """The rule for one post dict; `is_friend`: the viewer is the author's friend."""
    if post["visibility"] == PUBLIC:
        return True
    if viewer_id is not None and post["author_id"] == viewer_id:
        return True
    return post["visibility"] == FRIENDS and viewer_id is not None and bool(is_friend)

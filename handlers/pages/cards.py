"""Post cards rendered once and reused: `PostCard` and `CardCache`.

A feed page is mostly post cards, and a card is the same HTML for everyone in the
same position towards it, apart from a few strings: the page's CSRF token and
return path (in its forms), the viewer's own avatar (in the comment box) and the
relative times of the post and its comments ("5 min ago"). So each card is
rendered once with placeholders in those places, cut into pieces at the
placeholders, and kept; a page then writes the pieces with this request's strings
in between, escaped as the template escapes them.

The key of a cached card is the post's row as the post query returns it (body,
visibility, photo, edit time, the author's name and username, like and comment
counts, whether this viewer likes it), the comments shown under it (with their
writers' names), and the viewer's position (`present.card_viewer_part`: wrote the
post, may act, may delete which comments). Whatever changes a card (an edit, a
like, a comment, a deleted comment, a new name) changes its key, so a changed post
simply misses and a stale card is never found; a deleted post is never asked for.
Old entries leave first when the cache is full.

`PostCard` is what pages put in their contexts: a mapping that builds
`present.post_view` only when something reads it (chevron, a cache miss), so a
cached card costs neither the view nor the template. A page that changes a card's
view (`card[key] = value`, the post page's comment paging) renders that card
afresh. tests/app/test_mustache.py renders every page with chevron too, which also
proves the placeholders stand only where the template prints these strings.
"""

from __future__ import annotations

import re

from ..mustache import escape, lookup
from . import present

__all__ = ["PostCard", "CardCache", "MAX_CACHED_CARDS"]

# A card is 3-5 KB of HTML: 4,096 cards are about 16 MiB.
MAX_CACHED_CARDS = 4096
# Read by the card from the page around it (`_form_fields`), per request.
PAGE_SLOTS = ("csrf_token", "return_to")
# The viewer's own view (the comment box's avatar): its text and numbers are slots.
VIEWER = "viewer"
_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_RE = re.compile("\x00([a-z0-9_.]+)\x00")
_POST_TIME = "t"          # slot of the post's relative time; "c0", "c1", ... its comments'
_TIME_SLOT_RE = re.compile("c[0-9]+")


def _frozen(value):
    """A hashable copy of rows (dicts, lists) for a cache key."""
    if type(value) is dict:
        return tuple((k, _frozen(v)) for k, v in value.items())
    if type(value) is list:
        return tuple(_frozen(v) for v in value)
    return value


class PostCard:
    """One post as `_post_card` reads it (the keys of `present.post_view`)."""

    __slots__ = ("row", "comments", "viewer_id", "now", "image_url", "key", "_view")

    def __init__(self, row: dict, *, comments: list, viewer_id, now: int, image_url):
        self.row, self.comments, self.viewer_id = row, comments, viewer_id
        self.now, self.image_url = now, image_url
        self.key = (present.card_viewer_part(row, comments, viewer_id), tuple(row),
                    tuple(row.values()), _frozen(comments))
        self._view = None

    def view(self) -> dict:
        if self._view is None:
            self._view = present.post_view(self.row, viewer_id=self.viewer_id, now=self.now,
                                           image_url=self.image_url, comments=self.comments)
        return self._view

    def relative_time(self, comment: int) -> str:
        """The post's relative time (`comment` -1) or that of its comment number `comment`."""
        created = self.row["created_at"] if comment < 0 else self.comments[comment]["created_at"]
        return present.relative_time(int(created), self.now)

    def __getitem__(self, key: str):
        return self.view()[key]

    def __setitem__(self, key: str, value) -> None:
        self.view()[key] = value
        self.key = None  # no longer what the cache holds under its key

    def __contains__(self, key: str) -> bool:
        return key in self.view()

    def get(self, key: str, default=None):
        return self.view().get(key, default)

    def keys(self):
        return self.view().keys()


class CardCache:
    """Cut-up cards by key; `wrap` goes in front of the `_post_card` template."""

    def __init__(self, max_entries: int = MAX_CACHED_CARDS):
        self.max_entries = max_entries
        self._pieces: dict = {}
        self.hits = self.misses = 0
        # The page being rendered: its scopes, the viewer's shape, the slot texts so far.
        self._page: list = []
        self._viewer_shape = None
        self._texts: dict = {}

    def wrap(self, original):
        """A render function for `_post_card` that serves a `PostCard` from the cache
        (anything else, a changed card or an indented partial renders as before)."""

        def render_card(scopes, out, pad):
            card = scopes[-1]
            if pad or type(card) is not PostCard or card.key is None:
                return original(scopes, out, pad)
            page = scopes[:-1]
            if not _same(page, self._page):  # every card of a page shares these
                self._page, self._texts = page, {}
                self._viewer_shape = _viewer_shape(lookup(VIEWER, page))
            key = (card.key, self._viewer_shape)
            cut = self._pieces.get(key)
            if cut is None:
                self.misses += 1
                cut = self._cut(original, card, lookup(VIEWER, page), key)
            else:
                self.hits += 1
            self._fill(cut, card, out)
            return None

        return render_card

    def _cut(self, original, card: PostCard, viewer, key) -> tuple[list, list]:
        view = dict(card.view())
        view["time_relative"] = _PLACEHOLDER.format(_POST_TIME)
        view["latest_comments"] = [dict(c, time_relative=_PLACEHOLDER.format(f"c{i}"))
                                   for i, c in enumerate(view["latest_comments"])]
        page = {name: _PLACEHOLDER.format(name) for name in PAGE_SLOTS}
        if viewer:
            page[VIEWER] = {k: _PLACEHOLDER.format(f"{VIEWER}.{k}") if _is_slot(v) else v
                            for k, v in viewer.items()}
        out: list[str] = []
        original([page, view], out, "")
        # [text, slot, text, slot, ..., text]: placeholders survive escaping unchanged.
        pieces = _PLACEHOLDER_RE.split("".join(out))
        # Time slots become the index of their comment (-1: the post's own time).
        slots = [-1 if name == _POST_TIME else int(name[1:]) if _TIME_SLOT_RE.fullmatch(name)
                 else name for name in pieces[1::2]]
        cut = (pieces[0::2], slots)
        if len(self._pieces) >= self.max_entries:
            del self._pieces[next(iter(self._pieces))]
        self._pieces[key] = cut
        return cut

    def _fill(self, cut: tuple[list, list], card: PostCard, out: list) -> None:
        texts, slots = cut
        append = out.append
        append(texts[0])
        page_texts = self._texts
        for index, slot in enumerate(slots, 1):
            if type(slot) is int:
                append(escape(card.relative_time(slot)))
            else:
                text = page_texts.get(slot)
                if text is None:
                    value = lookup(slot, self._page)
                    text = page_texts[slot] = escape(value if type(value) is str else str(value))
                append(text)
            append(texts[index])


def _same(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x is not y:
            return False
    return True


def _is_slot(value) -> bool:
    return type(value) in (str, int)


def _viewer_shape(viewer) -> tuple | bool:
    """What of the viewer's view a card keeps as it is (whether there is one, its
    flags); its text and numbers are filled in per request."""
    if not viewer or type(viewer) is not dict:
        return bool(viewer)
    return tuple((k, v) for k, v in viewer.items() if not _is_slot(v))

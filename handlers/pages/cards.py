"""Post cards rendered once and reused: `PostCard` and `CardCache`.

A feed page is mostly post cards, and a card is the same HTML for everyone in the
same position towards it, apart from a few strings: the page's CSRF token and
return path (in its forms), the viewer's own avatar (in the comment box) and the
relative times of the post and its comments ("5 min ago"). So each card is
rendered once with placeholders in those places, cut into pieces at the
placeholders, and kept; a page then writes the pieces with this request's strings
in between, escaped as the template escapes them.

The key of a cached card is the post's row as the post query returns it (body,
visibility, photo, edit time, the author's name, username and profile picture,
like and comment counts, whether this viewer likes it), the comments shown under
it (with their writers' names and pictures), and the viewer's position (`present.card_viewer_part`: wrote the
post, may act, may delete which comments). Whatever changes a card (an edit, a
like, a comment, a deleted comment, a new name or picture) changes its key, so a changed post
simply misses and a stale card is never found; a deleted post is never asked for.
Old entries leave first when the cache is full.

Pages go out as UTF-8 (`render_utf8`): each cut card keeps its text encoded, and
with the page's strings filled in for the last few pages (sessions, addresses)
that showed it, so a cached card costs a few byte joins and its relative times;
only the text around the cards is joined and encoded per request. A filled card
also keeps its relative times as last shown, with the moment the first of them
will read otherwise (`present.relative_time_until`: "3 h ago" holds for up to an
hour); until then the card is one list of bytes, reused as it is.

`PostCard` is what pages put in their contexts: a mapping that builds
`present.post_view` only when something reads it (chevron, a cache miss), so a
cached card costs neither the view nor the template. A page that changes a card's
view (`card[key] = value`, the post page's comment paging) renders that card
afresh. tests/app/test_mustache.py renders every page with chevron too, which also
proves the placeholders stand only where the template prints these strings.
"""

from __future__ import annotations

import functools
import re
import secrets

from ..mustache import escape, lookup, render
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


# "5 min ago" for (time, now): the same few answers all second long, page after page.
_relative_time = functools.lru_cache(maxsize=4096)(present.relative_time)
# Filled-in copies kept per cut card: a few sessions (or addresses) reading it at once.
MAX_FILLED_PER_CARD = 4


@functools.lru_cache(maxsize=4096)
def _relative_bytes(created: int, now: int) -> tuple[bytes, int]:
    """("5 min ago" as it goes into a page, the time until which it reads so)."""
    return (escape(present.relative_time(created, now)).encode("utf-8"),
            present.relative_time_until(created, now))


def _frozen(value):
    """A hashable copy of rows (dicts, lists) for a cache key."""
    if type(value) is dict:
        return tuple((k, _frozen(v)) for k, v in value.items())
    if type(value) is list:
        return tuple(_frozen(v) for v in value)
    return value


class CardKey:
    """What a cached card depends on (`key_of`): one object per distinct value
    (`_interned`), so that the caches hash and compare it by identity, in C, and
    pages reuse the same keys while the database is unchanged (handlers/readcache.py).
    Two keys of one value made across a reset of the table differ: a card cached
    under the older is then missed, never wrong."""

    __slots__ = ("value",)

    def __init__(self, value: tuple):
        self.value = value


# {value: its CardKey}; started afresh when full (see CardKey).
_interned: dict = {}
MAX_INTERNED_KEYS = 2 * MAX_CACHED_CARDS


def key_of(row: dict, comments: list, viewer_id) -> CardKey:
    """The card's key: the post row, the comments shown, the viewer's position."""
    value = (present.card_viewer_part(row, comments, viewer_id), tuple(row),
             tuple(row.values()), _frozen(comments))
    key = _interned.get(value)
    if key is None:
        if len(_interned) >= MAX_INTERNED_KEYS:
            _interned.clear()
        key = _interned[value] = CardKey(value)
    return key


_new = object.__new__


class PostCard:
    """One post as `_post_card` reads it (the keys of `present.post_view`)."""

    __slots__ = ("row", "comments", "viewer_id", "now", "image_url", "key", "_view")

    def __init__(self, row: dict, *, comments: list, viewer_id, now: int, image_url,
                 key: CardKey | None = None):
        self.row, self.comments, self.viewer_id = row, comments, viewer_id
        self.now, self.image_url = now, image_url
        self.key = key_of(row, comments, viewer_id) if key is None else key
        self._view = None

    @classmethod
    def of(cls, row: dict, comments: list, viewer_id, now: int, image_url,
           key: CardKey) -> PostCard:
        """The same as `PostCard(...)` with its key known, made without keyword
        parsing: a feed page makes twenty."""
        card = _new(cls)
        card.row, card.comments, card.viewer_id = row, comments, viewer_id
        card.now, card.image_url, card.key, card._view = now, image_url, key, None
        return card

    def view(self) -> dict:
        if self._view is None:
            self._view = present.post_view(self.row, viewer_id=self.viewer_id, now=self.now,
                                           image_url=self.image_url, comments=self.comments)
        return self._view

    def created_at(self, comment: int) -> int:
        """When the post (`comment` -1) or its comment number `comment` was written."""
        return int(self.row["created_at"] if comment < 0 else self.comments[comment]["created_at"])

    def relative_time(self, comment: int) -> str:
        """The post's relative time (`comment` -1) or that of its comment number `comment`."""
        return _relative_time(self.created_at(comment), self.now)

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
        # {viewer's shape: {card key: cut card}}; `_size` counts the cards in all.
        self._pieces: dict = {}
        # {page signature: that viewer's cards in `_pieces`}, not to work the shape out
        # on every page.
        self._cards_by_signature: dict = {}
        # {page signature: {card key: filled card}}: the filled cards of `_pieces` again,
        # found in one look-up; `_fill_count` counts them in all.
        self._fills_by_signature: dict = {}
        self._fills: dict = {}
        self._fill_count = 0
        self._size = 0
        self.hits = self.misses = 0
        # The page being rendered: its scopes, its viewer's cards, the slot texts so far.
        self._page: list = []
        self._cards: dict = {}
        self._texts: dict = {}
        # While `render_utf8` runs: the cards' bytes, each standing in the text as the
        # sentinel (random, so no page text is it by chance; a count check catches the rest).
        self._collected: list | None = None
        self._signature = 0
        # Page signatures by number (`_number`), and the last viewer's view with its part.
        self._numbers: dict = {}
        self._last_number = 0
        self._viewer = self._viewer_part = None
        self._sentinel = f"\x00{secrets.token_hex(8)}\x00"
        self._sentinel_bytes = self._sentinel.encode("ascii")

    def render_utf8(self, function, context) -> bytes:
        """`render(function, context)` as UTF-8, with the cards never decoded: they are
        kept as encoded pieces. A page with any character beyond Latin-1 ("…") is one
        wide string once joined, and encoding 60 KB of it cost more than rendering;
        here only the text around the cards is joined and encoded."""
        self._collected = collected = []
        try:
            out: list[str] = []
            function([context], out, "")
        finally:
            self._collected = None
        parts = "".join(out).encode("utf-8").split(self._sentinel_bytes)
        if len(parts) != len(collected) + 1:  # the page printed the sentinel itself
            return render(function, context).encode("utf-8")
        pieces = [parts[0]]
        for card, after in zip(collected, parts[1:], strict=True):
            pieces.extend(card)
            pieces.append(after)
        return b"".join(pieces)

    def encoded(self, pieces, out: list) -> bool:
        """While `render_utf8` runs, put `pieces` (UTF-8 bytes) where `out` stands
        and say True; otherwise False (the caller writes its text)."""
        collected = self._collected
        if collected is None:
            return False
        collected.append(pieces)
        out.append(self._sentinel)
        return True

    def wrap(self, original):
        """A render function for `_post_card` that serves a `PostCard` from the cache
        (anything else, a changed card or an indented partial renders as before)."""

        def render_card(scopes, out, pad):
            card = scopes[-1]
            if pad or type(card) is not PostCard or card.key is None:
                return original(scopes, out, pad)
            page = self._page
            # Every card of a page shares the scopes around it: checked by identity.
            if len(scopes) - 1 != len(page) or (page and (
                    scopes[0] is not page[0] or (len(page) > 1 and not _same(scopes[:-1], page)))):
                self._start_page(scopes[:-1])
            collected = self._collected
            if collected is not None:
                # The common case in one look-up: this card, filled in for this page's
                # strings before, its relative times still reading the same.
                filled = self._fills.get(card.key)
                if filled is not None and (not filled[1] or filled[2] <= card.now < filled[3]):
                    self.hits += 1
                    collected.append(filled[4] if filled[1] else filled[0])
                    out.append(self._sentinel)
                    return None
            cut = self._cards.get(card.key)
            if cut is None:
                self.misses += 1
                cut = self._cut(original, card, lookup(VIEWER, self._page))
            else:
                self.hits += 1
            if self._collected is None:
                self._fill(cut, card, out)
            else:
                self._fill_bytes(cut, card)
                out.append(self._sentinel)
            return None

        def each(cards, scopes, out):
            """`render_card` for each card of a list section, the cached ones without a
            call each; returns the items still to render as the section would (the
            rest of the list from the first that is not a cached PostCard)."""
            collected = self._collected
            if collected is None or not cards:
                return cards
            sentinel = self._sentinel
            started = False
            for index, card in enumerate(cards):
                if not card:
                    continue
                if type(card) is not PostCard or card.key is None:
                    return cards[index:]
                if not started:
                    scopes.append(card)
                    render_card(scopes, out, "")  # also starts the page (`_start_page`)
                    scopes.pop()
                    started = True
                    continue
                filled = self._fills.get(card.key)
                if filled is not None and (not filled[1] or filled[2] <= card.now < filled[3]):
                    self.hits += 1
                    collected.append(filled[4] if filled[1] else filled[0])
                    out.append(sentinel)
                else:
                    scopes.append(card)
                    render_card(scopes, out, "")
                    scopes.pop()
            return ()

        render_card.each = each
        return render_card

    def _start_page(self, page: list) -> None:
        self._page, self._texts = page, {}
        viewer = lookup(VIEWER, page)
        # Every string a card may take from this page: equal signatures, equal fills.
        # The viewer's view is the same dict on every page until the database changes
        # (PageHandler.viewer): its part is worked out again only when it is another.
        if viewer is not self._viewer:
            self._viewer, self._viewer_part = viewer, self._number(
                repr(tuple(viewer.items())) if type(viewer) is dict else bool(viewer))
        # A number, so that the cards' look-ups hash an int rather than the strings.
        self._signature = self._number(
            (*[str(lookup(name, page)) for name in PAGE_SLOTS], self._viewer_part))
        self._fills = self._fills_by_signature.get(self._signature)
        if self._fills is None:
            if len(self._fills_by_signature) >= self.max_entries:
                self._fills_by_signature.clear()
                self._fill_count = 0
            self._fills = self._fills_by_signature[self._signature] = {}
        # The signature holds the viewer's view, so it picks the viewer's cards too.
        self._cards = self._cards_by_signature.get(self._signature)
        if self._cards is None:
            shape = _viewer_shape(viewer)
            self._cards = self._pieces.get(shape)
            if self._cards is None:
                self._cards = self._pieces[shape] = {}
            if len(self._cards_by_signature) >= self.max_entries:
                self._cards_by_signature.clear()
            self._cards_by_signature[self._signature] = self._cards

    def _number(self, value) -> int:
        """A number that stands for `value` (hashable) as long as this cache lives:
        numbers are never given out twice, so forgetting old ones is safe."""
        number = self._numbers.get(value)
        if number is None:
            if len(self._numbers) >= self.max_entries:
                self._numbers.clear()
            self._last_number += 1
            number = self._numbers[value] = self._last_number
        return number

    def _cut(self, original, card: PostCard, viewer) -> tuple[list, list]:
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
        texts = pieces[0::2]
        # (texts, slots, the texts encoded, {page signature: filled in for that page})
        cut = (texts, slots, [text.encode("utf-8") for text in texts], {})
        if self._size >= self.max_entries:
            for cards in self._pieces.values():
                cards.clear()
            self._size = 0
            self._forget_fills()
        self._cards[card.key] = cut
        self._size += 1
        return cut

    def _fill(self, cut: tuple, card: PostCard, out: list) -> None:
        texts, slots, _, _ = cut
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


    def _fill_bytes(self, cut: tuple, card: PostCard) -> None:
        """The card as UTF-8, onto the list `render_utf8` collects.

        The page's strings are the same on every page of one session at one address,
        so the card with them filled in is kept too (a few per card): only the times
        are left to put in between its chunks."""
        filled = cut[3].get(self._signature)
        if filled is None:
            filled = self._fill_page_slots(cut)
        if card.key not in self._fills:
            if self._fill_count >= self.max_entries * MAX_FILLED_PER_CARD:
                self._forget_fills()
            self._fills[card.key] = filled
            self._fill_count += 1
        chunks, times, now = filled[0], filled[1], card.now
        if not times:
            self._collected.append(chunks)
            return
        if filled[2] <= now < filled[3]:  # every relative time still reads the same
            self._collected.append(filled[4])
            return
        parts, until = [chunks[0]], None
        for index, comment in enumerate(times, 1):
            text, text_until = _relative_bytes(card.created_at(comment), now)
            parts.append(text)
            parts.append(chunks[index])
            if until is None or text_until < until:
                until = text_until
        # The parts go into the page as they are: one copy, when the page is joined.
        filled[2:] = now, until, parts
        self._collected.append(parts)

    def _forget_fills(self) -> None:
        for fills in self._fills_by_signature.values():
            fills.clear()
        self._fill_count = 0

    def _fill_page_slots(self, cut: tuple) -> list:
        """[chunks, time slots, since, until, parts]: the cut card's text with this
        page's strings put in, split only where a relative time goes; then the card
        with its relative times filled in, as shown at `since`, which holds until
        the first of them reads otherwise (`present.relative_time_until`)."""
        _, slots, texts, variants = cut
        chunks, times, run = [], [], [texts[0]]
        for index, slot in enumerate(slots, 1):
            if type(slot) is int:
                chunks.append(b"".join(run))
                times.append(slot)
                run = []
            else:
                run.append(self._page_text(slot).encode("utf-8"))
            run.append(texts[index])
        chunks.append(b"".join(run))
        if len(variants) >= MAX_FILLED_PER_CARD:
            variants.clear()
        filled = variants[self._signature] = [chunks, times, 0, 0, None]
        return filled

    def _page_text(self, slot: str) -> str:
        text = self._texts.get(slot)
        if text is None:
            value = lookup(slot, self._page)
            text = self._texts[slot] = escape(value if type(value) is str else str(value))
        return text


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

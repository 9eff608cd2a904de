"""Page fragments (top bar, side navigation, composer, the home page's aside)
rendered once and reused while everything they print is the same: `FragmentCache`.

A fragment is a template whose output is a function of the values its keys look up
and of its indentation: Mustache has no clock and no I/O. So the key of a rendered
fragment is exactly that: for every key the template and its partials read
(`Views.keys_read`), the value a lookup finds from the scopes the fragment is
called with, made hashable, and the padding. A lookup inside the fragment searches
the scopes its sections pushed (made of those values) and then the same outer
scopes, so equal keys mean equal output.

Nothing is invalidated, and nothing needs to be: the values come from the page's
context, which is built on every request from current data (the read cache,
handlers/readcache.py, drops results whenever the database changes); a new badge
count, name, picture, CSRF token, return path, flash message or friend request
makes another key. A value that cannot be made a key faithfully (anything but
str, int, float, bool, None, dicts, lists and tuples of them) renders the fragment
afresh. Old entries go all at once when the cache is full.

What this saves is the template's own work (the top bar's sections, escapes and
nested partials) for one dictionary look-up per key it reads (18 for the top bar);
a page's context is one dict, so most of those are found inline. A fragment is
kept encoded too: in a page rendered as UTF-8 (`CardCache.render_utf8`) it goes in
as bytes, like a card, so the text left to encode per page is short and ASCII
(one "·" in the footer made all of it take the slow path of the encoder).
"""

from __future__ import annotations

from ..mustache import lookup

__all__ = ["FragmentCache", "FRAGMENTS", "MAX_CACHED_FRAGMENTS"]

# The partials cached this way: the layout's and the home page's, which every page
# of one viewer repeats. None of them holds a post card (pages/cards.py caches those).
FRAGMENTS = ("_top", "_sidenav", "_composer", "_home_aside", "_bottom")
# A fragment is 1-8 KB; 1,024 of them are a few MiB. Four per viewer and page.
MAX_CACHED_FRAGMENTS = 1024
# What lookup keeps of falsy values (chevron prints 0 and False, and "" for the rest).
_ZERO_OR_FALSE = (0, False)


class _Unkeyable(Exception):
    """A value that `_frozen` cannot stand for faithfully."""


# Stand-ins that keep True and False apart from 1 and 0 (equal and equally hashed,
# but printed "True" and "1"), and lists apart from tuples and dicts.
_TRUE, _FALSE, _LIST, _TUPLE, _DICT, _PLAIN_DICT, _FLOAT = (object() for _ in range(7))


# Values equal only when they print alike, once their types are equal too (not float:
# 0.0 == -0.0).
_PLAIN = frozenset({str, int, bool, type(None)})


def _frozen(value):
    """A hashable stand-in for `value` that equals another's only when both print,
    test and iterate alike in a template."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is dict:
        types = tuple(map(type, value.values()))
        if _PLAIN.issuperset(types):  # a view of one user, say: no nested values
            return (_PLAIN_DICT, tuple(value.items()), types)
        return (_DICT, *[(k, _frozen(v)) for k, v in value.items()])
    if kind is list:
        return (_LIST, *[_frozen(v) for v in value])
    if kind is tuple:
        return (_TUPLE, *[_frozen(v) for v in value])
    if kind is float:
        return (_FLOAT, value)
    raise _Unkeyable(kind.__name__)


# Lists, tuples and dicts frozen by identity: {id: (the value, its token)}. The value
# is held, so its id is not given to another object while it is here.
_frozen_by_id: dict = {}
MAX_FROZEN_BY_ID = 256
# {frozen value: a token standing for it}: an object hashed and compared by identity,
# so a fragment's key does not hash nested tuples on every page. Tokens are never
# given out again: after a reset an equal value gets a new one (a miss, not an error).
_tokens: dict = {}
MAX_TOKENS = 1024


def _key_value(value):
    """A looked-up value as `lookup` gives it ("" for the falsy ones but 0 and
    False), frozen. A container is frozen once per object: one that outlives a
    request is a read-cache result or a constant, neither ever changed
    (handlers/readcache.py), and a request's own are new objects."""
    if not value and value not in _ZERO_OR_FALSE:
        return ""
    kind = type(value)
    if kind is dict or kind is list or kind is tuple:
        known = _frozen_by_id.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        frozen = _frozen(value)
        token = _tokens.get(frozen)
        if token is None:
            if len(_tokens) >= MAX_TOKENS:
                _tokens.clear()
            token = _tokens[frozen] = object()
        if len(_frozen_by_id) >= MAX_FROZEN_BY_ID:
            _frozen_by_id.clear()
        _frozen_by_id[id(value)] = (value, token)
        return token
    return _frozen(value)


def _dotted(context: dict, key: str, parts: tuple, scopes: list):
    """`lookup(key, scopes)` for a dotted key when the scopes are one dict."""
    value = context
    for part in parts:
        if type(value) is not dict:
            return lookup(key, scopes)  # attributes, list indexes: chevron's way
        # A missing part is "": with one scope, there is nothing further out to look in.
        value = value.get(part, "")
    return value


def key_function(name: str, keys: tuple):
    """`key(scopes, pad)`: (name, pad, the frozen value of each of `keys` as seen
    from `scopes`), raising `_Unkeyable` for a value `_frozen` refuses.

    Generated as straight-line code, one line per key, for the usual case of one
    dict scope (a page's context, as the layout sees it): the look-ups are what
    a cached fragment costs, so they are written out rather than looped over."""
    lines = ["def key(scopes, pad):",
             "    if len(scopes) != 1 or type(scopes[0]) is not dict:",
             "        return (NAME, pad, *[_frozen(lookup(k, scopes)) for k in KEYS])",
             "    c = scopes[0]",
             "    g = c.get"]
    for index, key in enumerate(keys):
        v = f"v{index}"
        # A missing key is "": with one scope, there is nothing further out to look in.
        if "." not in key:
            lines.append(f"    {v} = g({key!r}, '')")
        else:
            first, rest = key.split(".", 1)
            lines.append(f"    {v} = g({first!r}, '')")
            if "." in rest:
                lines.append(f"    {v} = _dotted(c, {key!r}, {tuple(key.split('.'))!r}, scopes)")
            else:
                lines.append(f"    {v} = {v}.get({rest!r}, '') if type({v}) is dict"
                             f" else _dotted(c, {key!r}, {(first, rest)!r}, scopes)")
        # str and int as they are (lookup keeps 0); bools apart from 1 and 0.
        lines.append(f"    t = type({v})")
        lines.append("    if t is not str and t is not int:")
        lines.append(f"        {v} = (_TRUE if {v} else _FALSE) if t is bool else _key_value({v})")
    lines.append("    return (NAME, pad, " + "".join(f"v{i}, " for i in range(len(keys))) + ")")
    namespace = {"NAME": name, "KEYS": keys, "_frozen": _frozen, "lookup": lookup,
                 "_dotted": _dotted, "_key_value": _key_value, "_TRUE": _TRUE, "_FALSE": _FALSE}
    exec(compile("\n".join(lines), f"<fragment key {name}>", "exec"), namespace)  # noqa: S102
    return namespace["key"]


class FragmentCache:
    """Rendered fragments by what they read; put in front of `names` in `views`."""

    def __init__(self, views, names=FRAGMENTS, max_entries: int = MAX_CACHED_FRAGMENTS,
                 cards=None):
        self.max_entries = max_entries
        # A CardCache: while it renders a page as UTF-8, a fragment goes in encoded.
        self.cards = cards
        self._entries: dict = {}
        self.hits = self.misses = 0
        for name in names:
            if not views.has(name):
                continue
            keys = views.keys_read(name)
            if "." in keys:
                # "{{.}}" at the top would read the whole page context.
                raise ValueError(f"{name} reads '.': it cannot be cached as a fragment")
            views.wrap(name, lambda original, name=name, keys=keys:
                       self._wrap(name, keys, original))

    def _wrap(self, name: str, keys: tuple, original):
        entries = self._entries

        key_of = key_function(name, keys)

        cards = self.cards

        def render_fragment(scopes, out, pad):
            try:
                key = key_of(scopes, pad)
            except _Unkeyable:
                return original(scopes, out, pad)
            entry = entries.get(key)
            if entry is None:
                self.misses += 1
                sub: list[str] = []
                original(scopes, sub, pad)
                text = "".join(sub)
                # (text, (its UTF-8 up to its last newline,), the rest from that
                # newline), or (text, None) without a newline: a page rendered as
                # UTF-8 takes the bytes as they are and the last line as text, so
                # what a partial after it sees as its line is the same.
                cut = text.rfind("\n")
                entry = ((text, (text[:cut].encode("utf-8"),), text[cut:]) if cut >= 0
                         else (text, None))
                if len(entries) >= self.max_entries:
                    entries.clear()
                entries[key] = entry
            else:
                self.hits += 1
            if entry[1] is not None and cards is not None and cards.encoded(entry[1], out):
                out.append(entry[2])
            else:
                out.append(entry[0])
            return None

        return render_fragment

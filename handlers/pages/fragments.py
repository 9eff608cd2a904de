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
a page's context is one dict, so most of those are found inline.
"""

from __future__ import annotations

from ..mustache import lookup

__all__ = ["FragmentCache", "FRAGMENTS", "MAX_CACHED_FRAGMENTS"]

# The partials cached this way: the layout's and the home page's, which every page
# of one viewer repeats. None of them holds a post card (pages/cards.py caches those).
FRAGMENTS = ("_top", "_sidenav", "_composer", "_home_aside")
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


def _values(paths: list, scopes: list) -> list:
    """The frozen value of each key in `paths` ([(key, its parts or None when it has
    no dot)]) as seen from `scopes`: `lookup`'s answers, found inline when the
    scopes are one dict (a page's context, as the layout sees it)."""
    if len(scopes) != 1 or type(scopes[0]) is not dict:
        return [_frozen(lookup(key, scopes)) for key, _ in paths]
    context = scopes[0]
    values = []
    append = values.append
    for key, parts in paths:
        if parts is None:
            # A missing key: with one scope, there is nothing further out to look in.
            value = context.get(key, "")
        else:
            value = context
            for part in parts:
                if type(value) is not dict:
                    value = lookup(key, scopes)  # attributes, list indexes: chevron's way
                    break
                value = value.get(part, "")
        kind = type(value)
        if kind is str:
            append(value)
        elif not value and value not in _ZERO_OR_FALSE:
            append("")
        else:
            append(_frozen(value))
    return values


class FragmentCache:
    """Rendered fragments by what they read; put in front of `names` in `views`."""

    def __init__(self, views, names=FRAGMENTS, max_entries: int = MAX_CACHED_FRAGMENTS):
        self.max_entries = max_entries
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

        paths = [(k, k.split(".") if "." in k else None) for k in keys]

        def render_fragment(scopes, out, pad):
            try:
                key = (name, pad, *_values(paths, scopes))
            except _Unkeyable:
                return original(scopes, out, pad)
            text = entries.get(key)
            if text is None:
                self.misses += 1
                sub: list[str] = []
                original(scopes, sub, pad)
                text = "".join(sub)
                if len(entries) >= self.max_entries:
                    entries.clear()
                entries[key] = text
            else:
                self.hits += 1
            out.append(text)
            return None

        return render_fragment

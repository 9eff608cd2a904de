"""`Views`: the Mustache templates in `views/`, read and tokenized once, rendered with chevron.

Every `views/*.mustache` file is a template named by its stem (`home`, `error`) and is
also available as a partial under the same name; by convention partials start with
an underscore (`_post_card`, `_top`). Pages share one layout through two partials:
each page begins with `{{> _top}}` and ends with `{{> _bottom}}`, so no template
ever needs `{{{ }}}` to splice rendered HTML into another.

Templates are tokenized by chevron when `Views` is built and turned into Python
functions (`handlers/mustache.py` generates their code once), so a request neither
reads the disk nor re-tokenizes, and rendering costs a fraction of `chevron.render`
with the same output. `{{ }}` escapes `& < > "`; attribute values in the templates are always
double-quoted for that reason.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import chevron
from chevron.tokenizer import tokenize

from .mustache import compile_templates, keys_read, render

__all__ = ["Views", "TEMPLATE_SUFFIX"]

log = logging.getLogger(__name__)

TEMPLATE_SUFFIX = ".mustache"


class Views:
    """All templates of one directory, ready to render.

    `render(name, context)` returns the HTML of template `name` with `context` (a
    plain dict). Raises `KeyError` for an unknown template name, so a typo in a
    handler fails loudly instead of rendering an empty page.
    """

    def __init__(self, views_dir: str | Path):
        self.views_dir = Path(views_dir)
        self._tokens: dict[str, list[tuple[str, str]]] = {}
        for path in sorted(self.views_dir.glob("*" + TEMPLATE_SUFFIX)):
            # The file's final newline would follow every inline partial into the page.
            text = path.read_text(encoding="utf-8").removesuffix("\n")
            self._tokens[path.name[: -len(TEMPLATE_SUFFIX)]] = list(tokenize(text))
        self._compiled = compile_templates(self._tokens)
        # One render at a time: the card cache (pages/cards.py) keeps per-render
        # state, and with PostgreSQL pages render on several database threads.
        # Rendering is Python work, which one thread at a time does anyway.
        self._render_lock = threading.RLock()
        log.debug("loaded %d templates from %s", len(self._tokens), self.views_dir)

    @property
    def names(self) -> list[str]:
        """The template names, sorted."""
        return sorted(self._tokens)

    def has(self, name: str) -> bool:
        return name in self._tokens

    def render(self, name: str, context: dict) -> str:
        """The HTML of template `name` rendered with `context`."""
        with self._render_lock:
            return render(self._compiled[name], context)

    def render_utf8(self, name: str, context: dict, cards=None) -> bytes:
        """The same page as UTF-8; `cards` (a CardCache) keeps its cards encoded."""
        if cards is None:
            return self.render(name, context).encode("utf-8")
        with self._render_lock:
            return cards.render_utf8(self._compiled[name], context)

    def keys_read(self, name: str) -> tuple[str, ...]:
        """The keys template `name` and its partials look up (`mustache.keys_read`)."""
        return keys_read(self._tokens, name)

    def wrap(self, name: str, wrapper) -> None:
        """Put `wrapper(render function)` in front of template `name` wherever it is
        rendered (handlers/pages/cards.py caches post cards this way)."""
        self._compiled.wrap(name, wrapper)

    def render_with_chevron(self, name: str, context: dict) -> str:
        """The same page rendered by `chevron.render` (the reference for tests)."""
        tokens = self._tokens[name]
        # partials_path=None: an unknown partial renders empty rather than reading disk.
        return chevron.render(tokens, context, partials_path=None, partials_dict=self._tokens)

"""Render chevron-tokenized Mustache templates through Python code generated once.

chevron tokenizes our templates (once, at start); `chevron.render` then interprets
the tokens on every request (string concatenation, scope lists rebuilt per
section, escaping by repeated `replace`): about 1.6 ms for a home page of 20 post
cards. Walking a compiled tree of the same tokens took 0.9 ms. Here the tokens
become the source of one Python function per template, compiled with `compile()`
when `Views` is built: literals are constants, partials are direct calls, a key is
first looked for in the innermost scope inline and only then through the scope
stack, and the indentation of a partial is worked out while generating code
whenever the text before it is known then.

The output is meant to be byte-for-byte what `chevron.render` gives for the same
tokens and data (tests/app/test_mustache.py compares the two on every page the
app renders, and on the corner cases below): the same key lookup through the
scope stack (dicts, then attributes, then list indexes; dotted names; `.`), the
same falsy rules (0 and False are kept, other falsy values render as ""), the
same escaping of `& " < >`, the same handling of a falsy list item (skipped), and
the same indentation of standalone partials. Lambdas are not supported (our
templates use none; a callable value renders through `str`).

How chevron indents a partial: when everything its current output holds after the
last newline is whitespace, that whitespace is added to the padding of every line
of the partial, and the partial's trailing spaces are cut. "Its current output"
starts afresh for each template, partial and list item (chevron renders those
with a nested call), but runs on through other sections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

__all__ = ["CompiledTemplates", "compile_templates", "escape", "keys_read", "lookup", "render"]

_ZERO_OR_FALSE = (0, False)
# Types that are never iterated as a list section; the rest go through chevron's test.
_NOT_LISTS = (dict, str, bool, int, float)


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _probe(scope, parts):
    """(True, value) when every part of a dotted key resolves from `scope`, as in
    chevron's `_get_key`: item, then attribute, then integer index."""
    try:
        for part in parts:
            try:
                scope = scope[part]
            except (TypeError, AttributeError):
                try:
                    scope = getattr(scope, part)
                except (TypeError, AttributeError):
                    scope = scope[int(part)]
    except (AttributeError, KeyError, IndexError, ValueError):
        return False, None
    return True, scope


# Scalars a section pushes (`{{#flag}}` pushes True, `{{#body}}` the text): chevron
# tries item, attribute and integer index on them, and two of the three raise.
_SCALARS = (bool, str, int, float)
_misses: dict = {}


def _never_in(scope, key: str) -> bool:
    """True when chevron's three tries at `key` on this scalar all fail: `key` is
    none of its type's attributes and no integer. Worked out once per (type, key)."""
    known = _misses.get((type(scope), key))
    if known is None:
        try:
            int(key)
            is_number = True
        except ValueError:
            is_number = False
        known = _misses[type(scope), key] = not is_number and key not in dir(type(scope))
    return known


def _lookup(key: str, scopes: list):
    """chevron's `_get_key`, with the scope stack innermost-last."""
    if key == ".":
        return scopes[-1]
    parts = key.split(".") if "." in key else None
    for scope in reversed(scopes):
        if parts is None and type(scope) is dict:
            if key not in scope:
                continue
            value = scope[key]
        elif type(scope) in _SCALARS and _never_in(scope, parts[0] if parts else key):
            continue
        else:
            found, value = _probe(scope, parts or (key,))
            if not found:
                continue
        if value in _ZERO_OR_FALSE:
            return value
        return value or ""
    return ""


def _is_list(value) -> bool:
    """chevron iterates a section value that is a Sequence or Iterator but not a str."""
    return isinstance(value, (Sequence, Iterator)) and not isinstance(value, str)


def _current_line(out: list, start: int) -> str:
    """What out[start:] holds after its last newline."""
    tail = []
    for index in range(len(out) - 1, start - 1, -1):
        before, newline, after = out[index].rpartition("\n")
        tail.append(after)
        if newline:
            break
    return "".join(reversed(tail))


_RUNTIME = {"_esc": _escape, "_look": _lookup, "_is_list": _is_list, "_line": _current_line,
            "_ZF": _ZERO_OR_FALSE, "_NOT_LISTS": _NOT_LISTS, "_Callable": Callable}


class _Writer:
    """Python source for the templates: one function per template,
    `_t_<n>(scopes, out, pad)` appending to `out`."""

    def __init__(self, names: dict[str, str]):
        self.names = names           # template name -> function name
        self.constants: dict[str, str] = {}
        self.lines: list[str] = []
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def constant(self, text: str) -> str:
        if text not in self.constants:
            self.constants[text] = f"_L{len(self.constants)}"
        return self.constants[text]

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def function(self, name: str, tree: list) -> None:
        self.emit(0, f"def {self.names[name]}(scopes, out, pad):")
        self.emit(1, "w = out.append")
        self.emit(1, "start = len(out)")
        self.block(tree, 1, line="", start="start")
        self.emit(1, "return None")
        self.emit(0, "")

    def block(self, nodes: list, depth: int, line: str | None, start: str) -> str | None:
        """Code for `nodes`; `line` is the text after the output's last newline when
        known here (None when it depends on data). Returns the line after them."""
        for node in nodes:
            line = self.node(node, depth, line, start)
        return line

    def node(self, node, depth: int, line: str | None, start: str) -> str | None:
        kind, key, children = node
        if kind == "literal":
            name = self.constant(key)
            if "\n" in key:
                self.emit(depth, f"w({name} if not pad else {name}.replace('\\n', '\\n' + pad))")
                return key.rpartition("\n")[2]
            self.emit(depth, f"w({name})")
            return None if line is None else line + key
        if kind in ("variable", "no escape"):
            self.value(key, depth, "v")
            if kind == "variable":
                if key == ".":
                    self.emit(depth, "if v is True:")
                    self.emit(depth + 1, "v = scopes[-2]")
                self.emit(depth, "w(_esc(v if type(v) is str else str(v)))")
            else:
                self.emit(depth, "w(v if type(v) is str else str(v))")
            return None
        if kind == "section":
            self.section(key, children, depth, line, start)
            return None
        if kind == "inverted section":
            self.value(key, depth, "v")
            self.emit(depth, "if not v:")
            self.emit(depth + 1, "scopes.append(True)")
            self.block(children, depth + 1, line, start)
            self.emit(depth + 1, "scopes.pop()")
            return None
        self.partial(key, depth, line, start)
        return None

    def value(self, key: str, depth: int, var: str) -> None:
        """`var = ` the looked-up value of `key`: the innermost scope inline when it
        is a dict holding a plain key, the whole stack otherwise."""
        if key == "." or "." in key:
            self.emit(depth, f"{var} = _look({key!r}, scopes)")
            return
        self.emit(depth, "s = scopes[-1]")
        self.emit(depth, f"{var} = s[{key!r}] if type(s) is dict and {key!r} in s"
                         f" else _look({key!r}, scopes)")
        self.emit(depth, f"if not {var} and {var} not in _ZF:")
        self.emit(depth + 1, f"{var} = ''")

    def section(self, key: str, children: list, depth: int, line, start: str) -> None:
        """A list value renders the children once per truthy item, each item a fresh
        output; another truthy value renders them once, in the current output."""
        value, item, item_start = self.fresh("sv"), self.fresh("it"), self.fresh("st")
        self.value(key, depth, value)
        self.emit(depth, f"if type({value}) is list or (type({value}) not in _NOT_LISTS"
                         f" and _is_list({value})):")
        self.emit(depth + 1, f"{item}s, {item_start}_fresh = {value}, True")
        self.emit(depth, "else:")
        self.emit(depth + 1, f"{item}s, {item_start}_fresh = ({value},) if {value} else (), False")
        function = (self.names.get(children[0][1])
                    if len(children) == 1 and children[0][0] == "partial" else None)
        if function is not None and line == "":
            # A list of one partial, called straight (no padding, a fresh line): a
            # wrapper may take the whole list at once (`each`, pages/cards.py).
            each = self.fresh("each")
            self.emit(depth, f"{each} = getattr({function}, 'each', None)")
            self.emit(depth, f"if {each} is not None and not pad and type({item}s) is list:")
            self.emit(depth + 1, f"{item}s = {each}({item}s, scopes, out)")
        self.emit(depth, f"for {item} in {item}s:")
        self.emit(depth + 1, f"if not {item}:")
        self.emit(depth + 2, "continue  # chevron renders nothing for a falsy item")
        self.emit(depth + 1, f"scopes.append({item})")
        self.emit(depth + 1, f"{item_start} = len(out) if {item_start}_fresh else {start}")
        # The text before a partial is known here only if both ways agree on it.
        self.block(children, depth + 1, "" if line == "" else None, item_start)
        self.emit(depth + 1, "scopes.pop()")

    def partial(self, key: str, depth: int, line, start: str) -> None:
        function = self.names.get(key)
        if function is None:
            return  # an unknown partial renders empty, as in chevron
        if line is not None and not line.isspace():
            # Not indented, known now: unless padding is on, write straight into `out`.
            self.emit(depth, "if not pad:")
            self.emit(depth + 1, f"{function}(scopes, out, pad)")
            self.emit(depth, "else:")
            depth += 1
        self.emit(depth, f"left = _line(out, {start})")
        self.emit(depth, "if left.isspace():")
        self.emit(depth + 1, "sub = []")
        self.emit(depth + 1, f"{function}(scopes, sub, pad + left)")
        self.emit(depth + 1, "w(''.join(sub).rstrip(' \\t'))")
        self.emit(depth, "else:")
        self.emit(depth + 1, f"{function}(scopes, out, pad)")


def _tree(tokens) -> list:
    """chevron's flat (tag, key) tokens as nested (kind, key, children) nodes."""
    root: list = []
    stack = [root]
    for tag, key in tokens:
        if tag in ("section", "inverted section"):
            children: list = []
            stack[-1].append((tag, key, children))
            stack.append(children)
        elif tag == "end":
            stack.pop()
        elif tag in ("literal", "variable", "no escape", "partial"):
            stack[-1].append((tag, key, None))
        # comments and delimiter changes leave nothing to render
    return root


class CompiledTemplates:
    """The render function of each template: `compiled[name]` takes (scopes, out, pad):
    the scope stack outermost first, a list the output is appended to, and "" for
    padding. Every template is also a partial of the others."""

    def __init__(self, namespace: dict, names: dict[str, str]):
        self._namespace = namespace
        self._names = names

    def __getitem__(self, name: str) -> Callable:
        return self._namespace[self._names[name]]

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def wrap(self, name: str, wrapper: Callable[[Callable], Callable]) -> None:
        """Replace template `name`, as a page and as every partial call to it, with
        `wrapper(original function)` (a fragment cache in front of it)."""
        function = self._names[name]
        self._namespace[function] = wrapper(self._namespace[function])


def compile_templates(tokens_by_name: dict[str, list]) -> CompiledTemplates:
    """The templates of chevron's tokens, each compiled to one Python function."""
    names = {name: f"_t_{i}" for i, name in enumerate(tokens_by_name)}
    writer = _Writer(names)
    namespace = dict(_RUNTIME)
    for name, tokens in tokens_by_name.items():
        # One compile() per template: the compiler's peak memory stays that of one
        # function (it is not all given back to the system afterwards).
        writer.lines = []
        writer.function(name, _tree(tokens))
        code = compile("\n".join(writer.lines), f"<mustache {name}>", "exec")
        namespace.update({const: text for text, const in writer.constants.items()})
        exec(code, namespace)  # noqa: S102
    return CompiledTemplates(namespace, names)


def keys_read(tokens_by_name: dict[str, list], name: str) -> tuple[str, ...]:
    """Every key template `name` looks up (variables and sections, sorted), its
    partials' included: what its output can depend on, apart from padding."""
    keys: set[str] = set()
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen or current not in tokens_by_name:
            continue
        seen.add(current)
        for tag, key in tokens_by_name[current]:
            if tag == "partial":
                pending.append(key)
            elif tag in ("variable", "no escape", "section", "inverted section"):
                keys.add(key)
    return tuple(sorted(keys))


escape = _escape
lookup = _lookup


def render(function: Callable, context) -> str:
    """The text of a compiled template rendered with `context` as the only scope."""
    out: list[str] = []
    function([context], out, "")
    return "".join(out)

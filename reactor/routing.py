"""`Router` and `Handler`: map a method and a path to a handler class.

Patterns are paths with `{name}` segments: `{name}` matches one segment,
`{name:int}` digits (passed as int), `{name:path}` the rest of the path, slashes
included. Static paths are looked up in a dict before patterns are tried (as in
bottle's `Router`). No match is a 404; a path that matches but whose handler has
no method for the verb is a 405 with `Allow`.

A handler class is made anew for each request: `cls(request, **deps)`, where
`deps` are the keyword arguments given to `Router.add` (the app's database, views,
...). Its `get`, `post`, `put`, `patch`, `delete`, `options` methods take the
captured parameters as keyword arguments and return a `Response`, or a future of
one (`self.server.defer()`, `self.server.then()`). HEAD runs `get` (the serializer
drops the body). A router is an application with a start-up hook: the server it
runs on is handed to it, and from it to each handler as `self.server`.
"""

from __future__ import annotations

import re

from .errors import MethodNotAllowed, NotFound

__all__ = ["Router", "Handler"]

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "options")

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_CONVERTERS = {
    None: (r"[^/]+", str),
    "str": (r"[^/]+", str),
    "int": (r"[0-9]+", int),
    "path": (r".*", str),
}


class Handler:
    """Base class for handler classes. Subclasses define `get`, `post`, ...

    `self.request` is the request; `self.server` the `Server` running the router
    (None until it starts), for `defer` and `then`.
    """

    server = None

    def __init__(self, request, **deps):
        self.request = request
        for name, value in deps.items():
            setattr(self, name, value)

    @classmethod
    def allowed_methods(cls) -> set[str]:
        allowed = {m.upper() for m in HTTP_METHODS if callable(getattr(cls, m, None))}
        if "GET" in allowed:
            allowed.add("HEAD")
        return allowed


class _Route:
    __slots__ = ("pattern", "regex", "converters", "handler_cls", "deps", "allowed", "_typed")

    def __init__(self, pattern, handler_cls, deps):
        self.pattern = pattern
        self.handler_cls = handler_cls
        self.deps = deps
        self.allowed = handler_cls.allowed_methods()
        self.converters = {}
        regex, pos = [], 0
        for m in _PARAM.finditer(pattern):
            regex.append(re.escape(pattern[pos:m.start()]))
            kind = m.group(2)
            if kind not in _CONVERTERS:
                raise ValueError(f"unknown converter {kind!r} in {pattern!r}")
            expr, conv = _CONVERTERS[kind]
            regex.append(f"(?P<{m.group(1)}>{expr})")
            self.converters[m.group(1)] = conv
            pos = m.end()
        regex.append(re.escape(pattern[pos:]))
        self.regex = re.compile("".join(regex) + r"\Z") if self.converters else None
        # The parameters that need converting; the rest stay the strings matched.
        self._typed = [(name, conv) for name, conv in self.converters.items() if conv is not str]

    def match(self, path):
        m = self.regex.match(path)
        if m is None:
            return None
        params = m.groupdict()
        try:
            for name, conv in self._typed:
                params[name] = conv(params[name])
        except ValueError:
            # int() refuses strings over sys.get_int_max_str_digits() (4300) digits:
            # such a segment names nothing, so the route does not match.
            return None
        return params


class Router:
    """An application: `handle(request)` dispatches to the matching handler."""

    def __init__(self):
        self._static: dict[str, _Route] = {}
        self._patterns: list[_Route] = []
        self.server = None

    def on_start(self, server) -> None:
        """Called by `Server` before the first request: handlers reach it as `self.server`."""
        self.server = server

    def add(self, pattern: str, handler_cls, **deps) -> None:
        """Route `pattern` to `handler_cls`; `deps` reach its constructor."""
        route = _Route(pattern, handler_cls, deps)
        if route.regex is None:
            self._static[pattern] = route
        else:
            self._patterns.append(route)

    def match(self, path: str):
        """(route, params) for `path`, or (None, None)."""
        route = self._static.get(path)
        if route is not None:
            return route, {}
        for route in self._patterns:
            params = route.match(path)
            if params is not None:
                return route, params
        return None, None

    def handle(self, request):
        route = self._static.get(request.path)
        if route is not None:
            params = {}
        else:
            route, params = self.match(request.path)
            if route is None:
                raise NotFound()
        method = request.method
        if method not in route.allowed:
            raise MethodNotAllowed(route.allowed)
        request.path_params = params
        handler = route.handler_cls(request, **route.deps)
        handler.server = self.server
        name = "get" if method == "HEAD" else method.lower()
        return getattr(handler, name)(**params)

    __call__ = handle

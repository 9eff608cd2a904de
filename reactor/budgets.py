"""Budgets a connection spends: transfer-rate windows, and the body bytes in flight.

`RateWindow` is a deadline that only a real amount of progress moves. A body must
bring, and a response must drain, at least `window * min_rate` bytes in every
`window` seconds; a peer sending (or reading) one byte every few seconds gains
nothing from each byte, so it is cut off one window after its last real progress
instead of never. (A deadline restarted by every byte is what let slow bodies
hold their buffers forever.)

`BodyBudget` counts the request-body bytes held by all of a server's connections
at once, in memory or spilled to disk. A head whose Content-Length does not fit
what is left is refused at once, before `100 Continue`; a body that grows past
it (chunked, or one that started when there was room) is refused when it does.
Both get 503 with Retry-After. The bytes are returned when the request is
answered or its connection closes.

`admit_body` is the check a connection runs on each request head: the
application's own limit for the request (`app.body_limit(request)`, when the app
has one), then the budget. The limits and their reasons are in reactor/config.py.
"""

from __future__ import annotations

from .config import BODY_BUDGET_RETRY_AFTER_SECONDS
from .errors import HTTPError, ProtocolError

__all__ = ["BodyBudget", "RateWindow", "admit_body", "over_budget"]


class RateWindow:
    """A deadline `window` seconds after the last time `quantum` bytes had moved
    since the one before (or since `restart`)."""

    __slots__ = ("window", "quantum", "started", "_moved")

    def __init__(self, window: float, min_rate: float, now: float):
        self.window = window
        self.quantum = max(1, int(window * min_rate))
        self.started = now
        self._moved = 0

    def restart(self, now: float) -> None:
        self.started = now
        self._moved = 0

    def progress(self, nbytes: int, now: float) -> None:
        self._moved += nbytes
        if self._moved >= self.quantum:
            self.restart(now)

    @property
    def deadline(self) -> float:
        return self.started + self.window


class BodyBudget:
    """Request-body bytes held by every connection of one server together."""

    __slots__ = ("limit", "held")

    def __init__(self, limit: int):
        self.limit = limit
        self.held = 0

    def fits(self, nbytes: int) -> bool:
        return self.held + nbytes <= self.limit

    def take(self, nbytes: int) -> None:
        self.held += nbytes

    def give_back(self, nbytes: int) -> None:
        self.held = max(0, self.held - nbytes)


def over_budget() -> ProtocolError:
    return ProtocolError(503, "The server is receiving too many request bodies; "
                              "try again shortly",
                         headers=[("Retry-After", str(BODY_BUDGET_RETRY_AFTER_SECONDS))])


def admit_body(app, request, parser, budget: BodyBudget) -> ProtocolError | None:
    """Why the body of `request` (a parsed head) is refused before it is read,
    or None. Narrows the parser's body limit to the application's for it."""
    if not parser.expects_body:
        return None
    limit = parser.max_body_bytes
    app_limit = getattr(app, "body_limit", None)
    if app_limit is not None:
        try:
            allowed = app_limit(request)
        except HTTPError as exc:
            return ProtocolError(exc.status, exc.message, headers=exc.headers)
        if allowed is not None and allowed < limit:
            limit = allowed
            parser.limit_body(limit)
    declared = parser.declared_length
    if declared is not None and declared > limit:
        return ProtocolError(413, f"Request body too large (at most {limit} bytes here)")
    if not budget.fits(declared or 1):
        return over_budget()
    return None

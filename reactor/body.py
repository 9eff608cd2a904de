"""`BodyBuffer`: a request body as it arrives, in memory or spilled to disk.

Its bytes count against the server's `BodyBudget` until the request is answered
(`release`), and against the rate window that sets the body's deadline
(reactor/budgets.py).
"""

from __future__ import annotations

import tempfile

from .budgets import BodyBudget, RateWindow

__all__ = ["BodyBuffer"]


class BodyBuffer:
    """Collects one request's body. Past `spill_bytes` it moves to a temporary
    file, so memory stays bounded whatever the upload size. `budget` is shared by
    the server's connections; `window` is this body's `RateWindow`."""

    __slots__ = ("spill_bytes", "budget", "window", "held", "_data", "_file")

    def __init__(self, spill_bytes: int, budget: BodyBudget, window: RateWindow):
        self.spill_bytes = spill_bytes
        self.budget = budget
        self.window = window
        self.held = 0                 # bytes taken from the budget
        self._data: bytearray | None = None
        self._file = None

    def add(self, data: bytes, now: float) -> bool:
        """Keep `data`; False (and nothing kept) when the budget has no room."""
        size = len(data)
        if not self.budget.fits(size):
            return False
        self.budget.take(size)
        self.held += size
        self.window.progress(size, now)
        self._keep(data)
        return True

    def _keep(self, data: bytes) -> None:
        if self._file is not None:
            self._file.write(data)
            return
        if self._data is None:
            self._data = bytearray(data)
        else:
            self._data += data
        if len(self._data) > self.spill_bytes:
            self._file = tempfile.TemporaryFile(prefix="reactor-body-")
            self._file.write(self._data)
            self._data = None

    def hand_to(self, request) -> None:
        """Give the body to `request` (`body`, or `body_file` rewound) and start over."""
        if self._file is not None:
            self._file.seek(0)
            request.body_file, self._file = self._file, None
        elif self._data is not None:
            request.body = bytes(self._data)
            self._data = None

    def release(self) -> None:
        """The request was answered: its bytes no longer count against the budget."""
        self.budget.give_back(self.held)
        self.held = 0

    def discard(self) -> None:
        self.release()
        self._data = None
        if self._file is not None:
            self._file.close()
            self._file = None

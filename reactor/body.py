"""`BodyBuffer`: a request body as it arrives, in memory or spilled to disk."""

from __future__ import annotations

import tempfile

__all__ = ["BodyBuffer"]


class BodyBuffer:
    """Collects one request's body. Past `spill_bytes` it moves to a temporary
    file, so memory stays bounded whatever the upload size."""

    __slots__ = ("spill_bytes", "_data", "_file")

    def __init__(self, spill_bytes: int):
        self.spill_bytes = spill_bytes
        self._data: bytearray | None = None
        self._file = None

    def add(self, data: bytes) -> None:
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

    def discard(self) -> None:
        self._data = None
        if self._file is not None:
            self._file.close()
            self._file = None

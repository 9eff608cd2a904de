"""What `RequestParser.next_event()` returns besides a `Request` head."""

from __future__ import annotations

__all__ = ["Data", "EndOfMessage", "END_OF_MESSAGE", "NEED_DATA"]


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


# More bytes are needed (or the parser waits for `start_next()`).
NEED_DATA = _Sentinel("NEED_DATA")


class Data:
    """A piece of request body."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def __eq__(self, other):
        return isinstance(other, Data) and other.data == self.data

    def __repr__(self):
        return f"Data({self.data!r})"


class EndOfMessage:
    """The request's body is complete (trailers, if any, were checked and dropped)."""

    __slots__ = ()

    def __eq__(self, other):
        return isinstance(other, EndOfMessage)

    def __hash__(self):
        return 0

    def __repr__(self):
        return "EndOfMessage()"


END_OF_MESSAGE = EndOfMessage()

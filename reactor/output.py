"""A connection's output queue: what is still to be sent, in order.

The queue is a deque of segments: `bytes` (a response as it was made, not copied),
`bytearray` (bytes that were appended to, or a segment partly sent and trimmed in
place by the channel) and `FileBody` (a file sent with `sendfile`). The channel
drains it from the left; the connection appends on the right.
"""

from __future__ import annotations

from collections import deque

__all__ = ["append_bytes"]


def append_bytes(output: deque, data) -> int:
    """Append `data` to `output`, joining it to a last in-memory segment so a
    run of small writes goes out in one `send`; returns the bytes added."""
    if type(data) is not bytes:
        data = bytes(data)  # a caller's bytearray may change after this
    if not output:
        output.append(data)  # the usual response: kept as it is, not copied
        return len(data)
    last = type(output[-1])
    if last is bytearray:
        output[-1] += data
    elif last is bytes:
        output[-1] = bytearray(output[-1]) + data
    else:
        output.append(data)  # after a file: a segment of its own
    return len(data)

"""The states of a connection, and how one leads to another.

    READING_HEAD --head--> READING_BODY --end of message--> WAITING
    WAITING --response (now, or when a deferred future completes)-->
        READING_HEAD   if the connection stays alive (pipelined bytes are parsed next)
        STREAMING      if the response is an `EventStream`
        CLOSING        otherwise: flush the output, then close
    WAITING, STREAMING --the client closes--> CLOSED (a pending answer's work is
        cancelled; a stream's listeners hear it close)
    any --protocol error--> CLOSING (after an error response)
    any --timeout, or a reset--> CLOSED

`reactor.connection` makes the moves; this module only names the states.
"""

from __future__ import annotations

import enum

__all__ = ["ConnState", "READING", "WATCHING"]


class ConnState(enum.Enum):
    READING_HEAD = "reading head"
    READING_BODY = "reading body"
    WAITING = "waiting for handler"
    STREAMING = "streaming"
    CLOSING = "closing"
    CLOSED = "closed"


# Reading a request; and waiting or streaming, where reads only notice the client leave.
READING = (ConnState.READING_HEAD, ConnState.READING_BODY)
WATCHING = (ConnState.WAITING, ConnState.STREAMING)

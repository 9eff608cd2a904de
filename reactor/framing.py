"""How a response goes on the wire: which framing its body gets (sans-I/O, pure).

`choose_framing` looks only at the request's method and version and at the
response's status and body, so every combination is a one-line test. The
serializer then writes what it chose: RFC 9110 §6.4.1 (no body for HEAD, 1xx, 204
and 304, while HEAD still gets the length a GET would get) and RFC 9112 §7.1
(chunked coding for a stream to an HTTP/1.1 client; an HTTP/1.0 client gets the
raw bytes and the end of the connection ends the stream).
"""

from __future__ import annotations

from .messages import FileBody
from .streams import EventStream

__all__ = ["BYTES", "FILE", "STREAM", "STREAM_HEAD", "choose_framing"]

BYTES = "bytes"              # the body in memory, after a Content-Length head
FILE = "file"                # a FileBody sent with sendfile after the head
STREAM = "stream"            # an EventStream opens; chunks follow the head
STREAM_HEAD = "stream head"  # HEAD of a stream: the head a GET would get, no body


def choose_framing(method: str, version: str, status: int, body):
    """(kind, length, send_body, chunked) for a response.

    `length` is the Content-Length to announce (None for none); `send_body` is
    False for HEAD and for statuses without a body; `chunked` is for streams to
    HTTP/1.1 clients. A stream with a status other than 200 never opens: it is
    answered as an empty body.
    """
    has_body = not (status < 200 or status == 204 or status == 304)
    send_body = has_body and method != "HEAD"
    if type(body) is bytes:
        return BYTES, len(body) if has_body else None, send_body, False
    if isinstance(body, FileBody):
        return FILE, body.count if has_body else None, send_body, False
    if isinstance(body, EventStream):
        if status == 200:
            return (STREAM if send_body else STREAM_HEAD), None, send_body, version == "1.1"
        return BYTES, 0 if has_body else None, send_body, False
    return BYTES, len(body) if has_body else None, send_body, False

"""`Channel`: one accepted socket and its `Connection`, registered with the selector.

The channel moves bytes; the connection decides what they mean. For each
readiness event the channel reads once, feeds the connection, writes what the
connection queued straight away (most responses leave in that one `send`,
without waiting for writability), then re-registers only if the interest
changed. When the connection changes outside an I/O event (a deferred response,
a pushed stream event) it calls `refresh`, its one "output ready" callback.
"""

from __future__ import annotations

import os
import selectors
import socket
import time

from .connection import Connection

__all__ = ["Channel", "receive_buffer"]

EVENT_READ = selectors.EVENT_READ
EVENT_WRITE = selectors.EVENT_WRITE
RECV_BYTES = 256 * 1024
# Bytes are received into one buffer per loop and copied out at their real size:
# `sock.recv(RECV_BYTES)` allocates 256 KiB per call, which glibc serves with
# mmap, then mremap to shrink it and munmap to free it: three system calls and
# about 12 us per read, more than the rest of a small keep-alive request.
SENDFILE_BYTES = 1024 * 1024
_MSG_MORE = getattr(socket, "MSG_MORE", 0)


def receive_buffer() -> memoryview:
    """The buffer a loop's channels receive into (one per loop thread)."""
    return memoryview(bytearray(RECV_BYTES))


class Channel:
    """A socket and its `Connection`. `server` owns the selector and decides how
    a finished channel is closed (`_finish`, `_close_channel`)."""

    __slots__ = ("server", "sock", "conn", "mask", "linger_deadline", "open", "_recv_view")

    def __init__(self, server, sock, remote_addr, app):
        self.server = server
        self.sock = sock
        self._recv_view = server.recv_view
        self.mask = 0
        self.linger_deadline = None
        self.open = True
        self.conn = Connection(server.config, app, remote_addr, now=time.monotonic(),
                               on_output=self.refresh, body_budget=server.body_budget)

    def on_event(self, mask) -> None:
        conn = self.conn
        if mask & EVENT_READ:
            view = self._recv_view
            try:
                data = view[:self.sock.recv_into(view)].tobytes()
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                conn.close()
                data = None
            if data is not None:
                conn.on_data(data, time.monotonic())
        if conn.output:
            self.flush()
        self.update()

    def refresh(self) -> None:
        """Re-check a connection changed outside an I/O event (a future, a push)."""
        if not self.open:
            return
        if self.conn.output:
            self.flush()
        self.update()

    def flush(self) -> None:
        conn = self.conn
        out = conn.output
        sock = self.sock
        sent = 0
        while out:
            segment = out[0]
            kind = type(segment)
            try:
                if kind is bytes or kind is bytearray:
                    # A head followed by a file: MSG_MORE lets the kernel put both in
                    # the same segments instead of sending the head on its own.
                    n = sock.send(segment, _MSG_MORE if len(out) > 1 else 0)
                    conn.output_size -= n
                    sent += n
                    if n == len(segment):
                        out.popleft()
                        continue
                    if kind is bytes:
                        # Partly sent: the rest as a bytearray, whose front `del`
                        # later trims in place instead of copying the rest each time.
                        out[0] = bytearray(memoryview(segment)[n:])
                    else:
                        del segment[:n]
                    break
                n = os.sendfile(sock.fileno(), segment.fd, segment.offset,
                                min(segment.count, SENDFILE_BYTES))
                if n == 0:  # the file shrank under us; the framing is now a lie
                    conn.close()
                    return
                sent += n
                conn.output_size -= n
                segment.offset += n
                segment.count -= n
                if segment.count == 0:
                    segment.close()
                    out.popleft()
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                conn.close()
                return
        if sent:
            conn.on_sent(time.monotonic(), sent)

    def update(self) -> None:
        """Close, or make the selector's interest match what the connection wants."""
        conn = self.conn
        if self.linger_deadline is not None:
            return  # closing already: only the linger timer or EOF ends it
        if conn.should_close():
            self.server._finish(self, graceful=not conn.is_closed)
            return
        mask = (EVENT_READ if conn.wants_read() else 0) | (EVENT_WRITE if conn.output else 0)
        if mask != self.mask:
            selector = self.server.loop.selector
            if not self.mask:
                selector.register(self.sock, mask, self.on_event)
            elif not mask:
                selector.unregister(self.sock)
            else:
                selector.modify(self.sock, mask, self.on_event)
            self.mask = mask

    def on_linger(self, mask) -> None:
        view = self._recv_view
        try:
            data = view[:self.sock.recv_into(view)].tobytes()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.server._close_channel(self)

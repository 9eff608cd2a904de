"""Attack clients for the hostile suite: raw sockets doing what a hostile peer does.

Each attack holds many connections at once, so the sockets are driven from one
thread with a selector rather than a thread each. Sockets are plain blocking
sockets with timeouts unless said otherwise; everything is closed on exit.
"""

from __future__ import annotations

import contextlib
import re
import selectors
import socket
import threading
import time

_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


def connect(port: int, timeout: float = 10.0, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        # Before connect, so the window the peer sees is small from the start.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    return sock


def head(method: str, path: str, fields: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (fields or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def status_of(data: bytes) -> int | None:
    """The status of the last final (non-1xx) response head in `data`, if any."""
    statuses = [int(m) for m in _STATUS.findall(data) if not m.startswith(b"1")]
    return statuses[-1] if statuses else None


def read_answer(sock: socket.socket, timeout: float) -> bytes:
    """What the server sends within `timeout` (until it closes or goes quiet)."""
    sock.settimeout(timeout)
    data = bytearray()
    deadline = time.monotonic() + timeout
    with contextlib.suppress(OSError):
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if status_of(bytes(data)) is not None and b"\r\n\r\n" in data:
                sock.settimeout(0.2)  # the rest of a short body, then stop
    return bytes(data)


class ConnectionHerd:
    """Many sockets to one server, opened together and closed together.

    With `send` and `per_second`, each socket sends `send` as soon as it is open,
    and the sockets open at that pace (an attacker that keeps coming, rather than
    one burst of connections: a burst measures the cost of many requests at once,
    which is the same whatever the requests do afterwards)."""

    def __init__(self, port: int, count: int, *, rcvbuf: int | None = None,
                 send: bytes | None = None, per_second: float | None = None):
        self.socks: list[socket.socket] = []
        started = time.monotonic()
        try:
            for i in range(count):
                if per_second:
                    time.sleep(max(0.0, started + i / per_second - time.monotonic()))
                sock = connect(port, rcvbuf=rcvbuf)
                self.socks.append(sock)
                if send is not None:
                    sock.sendall(send)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> ConnectionHerd:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send_all(self, data: bytes) -> None:
        for sock in self.socks:
            sock.sendall(data)

    def close(self) -> None:
        for sock in self.socks:
            with contextlib.suppress(OSError):
                sock.close()
        self.socks.clear()

    def answers(self, timeout: float) -> list[bytes]:
        """What each socket received within `timeout` in all (non-blocking sweep)."""
        received = {id(s): bytearray() for s in self.socks}
        open_socks = set(self.socks)
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            for sock in self.socks:
                sock.setblocking(False)
                selector.register(sock, selectors.EVENT_READ)
            while open_socks and time.monotonic() < deadline:
                for key, _ in selector.select(max(0.0, deadline - time.monotonic())):
                    sock = key.fileobj
                    try:
                        chunk = sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        chunk = b""
                    if chunk:
                        received[id(sock)] += chunk
                    else:
                        selector.unregister(sock)
                        open_socks.discard(sock)
        return [bytes(received[id(s)]) for s in self.socks]


class Trickler:
    """A thread that sends one byte to each socket every `interval` seconds until
    stopped, noting when each socket first hears an answer (or is closed)."""

    def __init__(self, socks: list[socket.socket], interval: float, byte: bytes = b"x"):
        self.socks = list(socks)
        self.interval = interval
        self.byte = byte
        self.started = time.monotonic()
        self.answered_at: dict[int, float] = {}     # index -> seconds after start
        self.answers: dict[int, bytes] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trickler", daemon=True)

    def __enter__(self) -> Trickler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def all_answered(self) -> bool:
        return len(self.answered_at) == len(self.socks)

    def _run(self) -> None:
        for sock in self.socks:
            sock.setblocking(False)
        while not self._stop.is_set() and not self.all_answered():
            for i, sock in enumerate(self.socks):
                if i in self.answered_at:
                    continue
                self._poll(i, sock)
            self._stop.wait(self.interval)

    def _poll(self, i: int, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            data = None
        except OSError:
            data = b""
        if data is not None:
            self.answered_at[i] = time.monotonic() - self.started
            self.answers[i] = data
            return
        try:
            sock.send(self.byte)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.answered_at[i] = time.monotonic() - self.started
            self.answers[i] = b""


def rss_bytes() -> int:
    """This process's resident set size (the in-process server's memory with it)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    import os
    return pages * os.sysconf("SC_PAGE_SIZE")

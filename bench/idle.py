"""Memory: a server's resident set size, and holding many idle keep-alive connections."""

from __future__ import annotations

import socket

BATCH = 500
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _answer(sock: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed an idle-test connection")
        data += chunk


def hold_idle_connections(pid: int, port: int, count: int) -> tuple[int, float, float]:
    """Open `count` connections, make one request on each (keep-alive), and with
    all of them open and idle read the server's RSS: (count, RSS before, RSS with them)."""
    before = rss_mib(pid)
    socks: list[socket.socket] = []
    try:
        while len(socks) < count:
            batch = [socket.create_connection(("127.0.0.1", port), timeout=30)
                     for _ in range(min(BATCH, count - len(socks)))]
            socks.extend(batch)
            for sock in batch:
                sock.sendall(REQUEST)
            for sock in batch:
                _answer(sock)
        return len(socks), before, rss_mib(pid)
    finally:
        for sock in socks:
            sock.close()

"""The access log: one line per answered request, in the combined log format."""

from __future__ import annotations

import logging
import time

__all__ = ["log_access"]

access_log = logging.getLogger("reactor.access")


def log_access(remote_addr, request, status: int, length: int) -> None:
    """Log `request` answered with `status` and `length` body bytes (0 for none).

    The raw target is logged, never the decoded path: "%0a" in a path must not
    start a forged line.
    """
    host = remote_addr[0] if remote_addr else "-"
    headers = request.headers
    access_log.info('%s - - [%s] "%s %s HTTP/%s" %d %s "%s" "%s"', host,
                    time.strftime("%d/%b/%Y:%H:%M:%S %z"), request.method, request.target,
                    request.version, status, length or "-",
                    headers.get("referer", "-"), headers.get("user-agent", "-"))

"""Times are stored as INTEGER unix seconds (UTC); the API shows ISO 8601 strings."""

import calendar
import time

__all__ = ["now", "iso", "from_iso"]

_ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> int:
    """The current time as whole unix seconds."""
    return int(time.time())


def iso(ts):
    """Unix seconds -> "2026-11-26T12:00:00Z"; None stays None."""
    if ts is None:
        return None
    return time.strftime(_ISO_FORMAT, time.gmtime(int(ts)))


def from_iso(text: str) -> int:
    """"2026-11-26T12:00:00Z" -> unix seconds (the inverse of `iso`)."""
    return calendar.timegm(time.strptime(text, _ISO_FORMAT))

"""Notifications, shared by the JSON API, the pages and live delivery.

What is written and when lives in the store (store/notifications.py): each
action writes its notifications in its own transaction. Here: reading them as
one person (hidden ones never appear: the visibility rule is applied with the
recipient as viewer), counting the unread, marking them read.
"""

from __future__ import annotations

from .errors import Invalid
from .store import notifications as notification_store

__all__ = ["list_notifications", "mark_read", "unread_count"]


def list_notifications(ctx, *, viewer_id: int, before=None,
                       limit: int = 20) -> tuple[list, int | None]:
    """(the viewer's notifications below `before`, newest first; next_before)."""
    rows = notification_store.notifications_for(
        ctx.db, recipient_id=viewer_id, before=before,
        limit=min(limit + 1, notification_store.MAX_NOTIFICATION_PAGE))
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, rows[-1]["id"]
    return rows, None


def unread_count(ctx, *, viewer_id: int) -> int:
    return notification_store.unread_count(ctx.db, recipient_id=viewer_id)


def mark_read(ctx, *, viewer_id: int, up_to=None) -> int:
    """Mark all the viewer's notifications read, or those with id <= up_to.
    `Invalid` naming `up_to` unless it is absent or a positive integer."""
    if isinstance(up_to, float) and up_to.is_integer():
        up_to = int(up_to)  # JSON has one kind of number: 5.0 is the integer 5
    if up_to is not None and (isinstance(up_to, bool) or not isinstance(up_to, int)
                              or up_to < 1):
        raise Invalid({"up_to": "a notification id (a positive integer)"})
    up_to = None if up_to is None else min(up_to, 2**63 - 1)
    return notification_store.mark_read(ctx.db, recipient_id=viewer_id, now=ctx.now(),
                                         up_to=up_to)

"""The notifications page: newest first, grouped by day, each a sentence with a
link to the post or person; opening it marks what it shows as read."""

from __future__ import annotations

import time

from .. import notifications
from ..base import page_params
from . import present
from .base import PageHandler

__all__ = ["NotificationsPage", "notification_view", "day_label"]

PAGE_SIZE = 30
SNIPPET_CHARS = 60
_DAY = 86400
# kind -> what the actor did, after their name.
ACTIONS = {
    "like": "liked your post",
    "comment": "commented on your post",
    "reply": "also commented on a post you commented on",
    "friend_request": "sent you a friend request",
    "friend_accepted": "accepted your friend request",
}


def day_label(ts: int, now: int) -> str:
    """"Today", "Yesterday" or "26 Nov 2026" (UTC days)."""
    days = int(now) // _DAY - int(ts) // _DAY
    if days <= 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    then = time.gmtime(ts)
    return f"{then.tm_mday} {time.strftime('%b %Y', then)}"


def _snippet(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS - 1].rstrip() + "…"


def notification_view(row: dict, now: int) -> dict:
    actor = present.user_view(row["actor"])
    if row["post_id"] is not None:
        anchor = f"#c-{row['comment_id']}" if row["comment_id"] else ""
        url = f"/posts/{row['post_id']}{anchor}"
    else:
        url = "/friends" if row["kind"] == "friend_request" else actor["url"]
    created = int(row["created_at"])
    return {
        "id": row["id"], "actor": actor, "action": ACTIONS.get(row["kind"], row["kind"]),
        "snippet": _snippet(row.get("post_body")), "url": url,
        "unread": row["read_at"] is None, "kind": row["kind"],
        "time_iso": present.iso(created), "time_title": present.exact_time(created),
        "time_relative": present.relative_time(created, now),
    }


def group_by_day(rows: list, now: int) -> list[dict]:
    groups: list[dict] = []
    for row in rows:
        label = day_label(row["created_at"], now)
        if not groups or groups[-1]["label"] != label:
            groups.append({"label": label, "items": []})
        groups[-1]["items"].append(notification_view(row, now))
    return groups


class NotificationsPage(PageHandler):
    """GET /notifications: shows a page and marks its notifications read."""

    nav = "notifications"

    def get(self):
        if self.session is None:
            return self.login_redirect()
        _, before = page_params(self.request)
        rows, next_before = notifications.list_notifications(
            self.ctx, viewer_id=self.viewer_id, before=before, limit=PAGE_SIZE)
        if rows:
            # Read once shown; the bell of this very page already counts them read.
            notifications.mark_read(self.ctx, viewer_id=self.viewer_id, up_to=rows[0]["id"])
        return self.page("notifications", {
            "title": "Notifications", "groups": group_by_day(rows, self.now()),
            "has_notifications": bool(rows), "older": before is not None,
            "next_url": f"/notifications?before={next_before}" if next_before else ""})

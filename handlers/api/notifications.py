"""Notifications (API.md v1.1): the list with the unread count, and marking read.
Live `notification` events go out on /api/events (handlers/live.py)."""

from __future__ import annotations

from reactor import Response

from .. import notifications
from ..base import ApiHandler, page_params
from .shapes import notifications_json

__all__ = ["Notifications", "NotificationsRead"]


class Notifications(ApiHandler):
    def get(self):
        viewer_id = self.require_session().user_id
        limit, before = page_params(self.request)
        rows, next_before = notifications.list_notifications(
            self.ctx, viewer_id=viewer_id, before=before, limit=limit)
        return Response.json({
            "notifications": notifications_json(self.ctx, viewer_id, rows),
            "unread": notifications.unread_count(self.ctx, viewer_id=viewer_id),
            "next_before": next_before})


class NotificationsRead(ApiHandler):
    def post(self):
        viewer_id = self.require_session().user_id
        data = self.json_body()
        notifications.mark_read(self.ctx, viewer_id=viewer_id, up_to=data.get("up_to"))
        return Response.empty(204)

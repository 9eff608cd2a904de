"""`GET /healthz`: is this process serving, and does its database answer?

For load balancers and scripts (and the hostile-load prober): 200 with
`{"status": "ok"}` once `SELECT 1` comes back. It needs no session and reads
nothing a person owns.
"""

from __future__ import annotations

from reactor import Response

from .base import AppHandler

__all__ = ["Health"]


class Health(AppHandler):
    """`GET /healthz`: 200 when the database answers."""

    def get(self):
        self.db.query_value("SELECT 1")
        return Response.json({"status": "ok"})

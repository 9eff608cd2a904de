"""The JSON API under `/api/` (see API.md): one module per area.

`shapes` turns store rows into the API's objects; `openapi` describes every
endpoint (served at `/api/openapi.json`, and checked against the routing table by
the tests).
"""

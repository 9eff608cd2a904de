"""MiniFace, the social app served by `reactor`.

How the package is arranged, from the request inwards:

- `app.py` builds the `Application` (`create_app`) and is the app's one catch:
  errors become the API.md JSON error or an HTML page, every answer gets the
  security headers. `routes.py` is the routing table; `cli.py` the `miniface`
  command; `workers.py` the `--workers N` supervisor; `config.py` the app's settings.
- Faces: `api/` (the JSON API under `/api/`, one module per area, `openapi*.py`
  the document) and `pages/` (HTML pages rendered with `views.py` and
  `mustache.py`). `health.py` answers `/healthz`, `photos.py` serves post photos.
  Handlers are thin: read input, call a service or the store, choose JSON or a view.
- Services, shared by both faces: `auth.py` and `accounts.py` (sign-up, login,
  password, deletion), `posts.py`, `friends.py`, `messages.py`, `reactions.py`,
  `notifications.py`, `presence.py` and `live.py` (event streams). Writes always go
  through a service, which validates input (`text_rules.py`, `forms.py`,
  `uploads.py`), checks who may do it and raises `errors.py`'s `HTTPError`s;
  blocking work runs on the pool through `server.defer` / `server.then`.
- `store/`: every SQL statement, by table group, over one `Database` (`db.py`).
  Reads may go straight to the store from a handler; who may see a post is one
  rule in `store/visibility.py`, used by every read that returns posts or photos.
- Shared groundwork: `base.py` (handler base classes, finished futures, paging),
  `sessions.py` (cookies, bearer tokens, CSRF), `errors.py`.

`reactor` never imports this package; this package imports `reactor`'s public names.
"""

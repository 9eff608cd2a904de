"""With PostgreSQL, MiniFace's handlers run on database threads, not on the loop.

A statement to PostgreSQL waits on the network, and the loop serves everyone, so
with that backend `Application.handle` runs each request's handler on the
"database" pool (`AppConfig.db_threads` threads, each with its own connection;
store/pg.py) and the loop only writes the answer. Python runs one thread at a
time, so the threads buy overlap of round trips, not parallel Python.

Handlers continue after blocking work with `self.server.then(future, fn)`, which
on a plain `Server` runs `fn` on the loop. With PostgreSQL `fn` usually runs SQL
(store the post once its photo is checked, start the session once the password
hash is verified), so handlers get a `DatabaseThreads` instead: the same server,
except that `then` runs `fn` (and `on_error`) on the database pool. Everything
else (`defer`, `call_soon_threadsafe`, pools) is the server's own.
"""

from __future__ import annotations

from concurrent.futures import Future

__all__ = ["DatabaseThreads"]


class DatabaseThreads:
    """A `Server` whose `then` continues on the pool `pool` (see the module doc)."""

    def __init__(self, server, pool: str) -> None:
        self._server = server
        self._pool = pool

    def __getattr__(self, name):
        return getattr(self._server, name)

    def then(self, future: Future, fn, *, on_error=None) -> Future:
        """A future of `fn(result of future)`, with `fn` run on a database thread;
        the same contract as `Server.then` otherwise (futures returned by `fn` are
        followed, `on_error` replaces a failure, cancelling the result cancels
        what it waits for)."""
        out: Future = Future()
        _cancel_along(out, future)

        def settle(done: Future, step) -> None:
            if out.done():  # cancelled while `done` was pending
                return
            try:
                try:
                    value = step(done.result())
                except Exception as exc:
                    if on_error is None:
                        raise
                    value = on_error(exc)
            except BaseException as exc:  # handed on to whoever waits on `out`
                out.set_exception(exc)
                return
            if isinstance(value, Future):
                _cancel_along(out, value)
                value.add_done_callback(lambda inner: self._run(settle, inner, _same))
            else:
                out.set_result(value)

        future.add_done_callback(lambda done: self._run(settle, done, fn))
        return out

    def _run(self, fn, *args) -> None:
        self._server.defer(fn, *args, pool=self._pool)


def _same(value):
    return value


def _cancel_along(outer: Future, inner: Future) -> None:
    outer.add_done_callback(lambda done: inner.cancel() if done.cancelled() else None)

"""Deferred work: blocking calls on a thread pool, continuations on the loop.

There is one contract for work that cannot finish at once. A handler returns a
`Response` or a `Future` of one. `Server.defer(fn)` puts a blocking call on the
`WorkerPool` and returns its future; `then(loop, future, fn)` returns a future of
`fn(result)` with `fn` run on the loop thread (which owns the application's
state, a database say). A future that `fn` returns is flattened: the outer
future ends with the inner one's outcome, so continuations chain without nesting.

A continuation runs at once when its future completes on the loop thread, and
through `loop.call_soon_threadsafe` otherwise: a chain of `then`s costs one trip
through the loop for the pool's result, not one per step.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["AppOnLoop", "WorkerPool", "then", "when_done"]


class WorkerPool:
    """Threads for blocking work, started on first use (most apps never defer)."""

    def __init__(self, workers: int):
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, fn, *args, **kwargs) -> Future:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                thread_name_prefix="reactor-pool")
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self) -> None:
        """Drop queued work and let running calls finish on their own."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def when_done(loop, future: Future, callback) -> None:
    """Call `callback(future)` on the loop thread once `future` completes."""
    def on_done(done: Future) -> None:
        if threading.get_ident() == loop.thread_id:
            callback(done)
        else:
            loop.call_soon_threadsafe(callback, done)

    future.add_done_callback(on_done)


def then(loop, future: Future, fn, *, on_error=None) -> Future:
    """A future of `fn(result of future)`, with `fn` run on the loop thread.

    If `fn` returns a future, the returned future completes with that one's
    outcome. `on_error(exc)`, when given, runs (on the loop thread) instead when
    `future` fails, `fn` raises, or the future `fn` returned fails; its return
    value (or future) becomes the result, and raising passes the error on.
    Without `on_error` the returned future fails the same way.
    """
    out: Future = Future()

    def settle(done: Future, step) -> None:
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
            when_done(loop, value, lambda inner: settle(inner, _same))
        else:
            out.set_result(value)

    when_done(loop, future, lambda done: settle(done, fn))
    return out


class AppOnLoop:
    """An application as connections see it: a pending future it returns is
    continued through `then`, so it completes on the loop thread, as the
    connection's contract asks (one from `then` already does: no extra trip)."""

    __slots__ = ("_handle", "_loop", "render_protocol_error", "body_limit")

    def __init__(self, app, loop):
        self._handle = app.handle if hasattr(app, "handle") else app
        self._loop = loop
        self.render_protocol_error = getattr(app, "render_protocol_error", None)
        self.body_limit = getattr(app, "body_limit", None)

    def handle(self, request):
        result = self._handle(request)
        if isinstance(result, Future) and not result.done():
            return then(self._loop, result, _same)
        return result


def _same(value):
    return value

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

Cancelling a future from `then` cancels what it waits for, up the chain. The
connection cancels its handler's future when the client goes away, so work
still queued on a pool for that client is dropped before it runs (a thread
pool skips a cancelled job); work already running finishes and is discarded.

Pools are named: work of one kind (password hashing, image checks) can have
threads of its own, so it queues behind its own kind only (`WorkerPools`).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["AppOnLoop", "DEFAULT_POOL", "WorkerPool", "WorkerPools", "then", "when_done"]

DEFAULT_POOL = "default"


class WorkerPool:
    """Threads for blocking work, started on first use (most apps never defer)."""

    def __init__(self, workers: int, name: str = DEFAULT_POOL):
        self.workers = workers
        self.name = name
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, fn, *args, **kwargs) -> Future:
        if self._executor is None:
            prefix = "reactor-pool" if self.name == DEFAULT_POOL else f"reactor-{self.name}"
            self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                thread_name_prefix=prefix)
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self) -> None:
        """Drop queued work and let running calls finish on their own."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


class WorkerPools:
    """The server's pools by name: "default" (`pool_workers` threads) and any the
    application adds, each with its own threads and its own queue."""

    def __init__(self, default_workers: int):
        self._pools = {DEFAULT_POOL: WorkerPool(default_workers)}

    def add(self, name: str, workers: int) -> None:
        if name in self._pools:
            raise ValueError(f"there is a pool named {name!r} already")
        if workers < 1:
            raise ValueError(f"pool {name!r} needs at least one thread")
        self._pools[name] = WorkerPool(workers, name)

    def submit(self, pool: str | None, fn, *args, **kwargs) -> Future:
        try:
            target = self._pools[pool or DEFAULT_POOL]
        except KeyError:
            raise ValueError(f"no pool named {pool!r}: add it with Server.add_pool") from None
        return target.submit(fn, *args, **kwargs)

    def sizes(self) -> dict[str, int]:
        return {name: pool.workers for name, pool in self._pools.items()}

    def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.shutdown()


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
    _cancel_along(out, future)

    def settle(done: Future, step) -> None:
        if out.done():  # cancelled (its client left) while `done` was pending
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
            when_done(loop, value, lambda inner: settle(inner, _same))
        else:
            out.set_result(value)

    when_done(loop, future, lambda done: settle(done, fn))
    return out


def _cancel_along(outer: Future, inner: Future) -> None:
    """When `outer` is cancelled, cancel `inner` too (a no-op once it runs)."""
    outer.add_done_callback(lambda done: inner.cancel() if done.cancelled() else None)


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

"""Deferred work: `server.defer` on the pool, `server.then` back on the loop."""

from __future__ import annotations

import threading

import pytest

import reactor


def test_then_runs_fn_on_the_loop_thread(serve):
    server = serve(lambda request: reactor.Response.text("unused"))
    seen = server.then(server.defer(threading.current_thread),
                       lambda pool_thread: (pool_thread.name, threading.current_thread().name))
    pool_name, loop_name = seen.result(timeout=5)
    assert pool_name.startswith("reactor-pool") and loop_name == "reactor-loop"


def test_then_flattens_a_future_that_fn_returns(serve):
    server = serve(lambda request: reactor.Response.text("unused"))
    nested = server.then(server.defer(lambda: 6),
                         lambda n: server.then(server.defer(lambda: n * 7), lambda m: m + 1))
    assert nested.result(timeout=5) == 43


def test_on_error_stands_in_for_a_failure_and_may_pass_it_on(serve):
    server = serve(lambda request: reactor.Response.text("unused"))
    recovered = server.then(server.defer(lambda: 1 / 0), lambda _: "unreached",
                            on_error=lambda exc: type(exc).__name__)
    assert recovered.result(timeout=5) == "ZeroDivisionError"

    def reraise(exc):
        raise exc
    passed_on = server.then(server.defer(lambda: None), lambda _: {}["missing"],
                            on_error=reraise)
    with pytest.raises(KeyError):
        passed_on.result(timeout=5)

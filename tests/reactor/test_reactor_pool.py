"""Deferred work: `server.defer` on the pool, `server.then` back on the loop."""

from __future__ import annotations

import http.client
import socket
import threading
from concurrent.futures import Future

import pytest
from rawclient import get, parse_responses, wait_for

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


# -- named pools -------------------------------------------------------------------


def test_work_for_a_named_pool_runs_on_its_own_threads(serve):
    server = serve(lambda request: reactor.Response.text("unused"), pool_workers=1)
    server.add_pool("images", 1)
    blocker = threading.Event()
    busy = server.defer(blocker.wait, 5)  # the default pool's only thread is taken
    name = server.defer(lambda: threading.current_thread().name, pool="images")
    assert name.result(timeout=5).startswith("reactor-images")
    assert not busy.done()
    blocker.set()
    assert busy.result(timeout=5)


def test_pools_are_named_once_and_must_exist(serve):
    server = serve(lambda request: reactor.Response.text("unused"))
    server.add_pool("hashing", 2)
    with pytest.raises(ValueError, match="already"):
        server.add_pool("hashing", 3)
    with pytest.raises(ValueError, match="no pool named 'nope'"):
        server.defer(len, "x", pool="nope")


# -- work for a client that has gone -----------------------------------------------


def test_cancelling_a_then_future_cancels_the_work_it_waits_for():
    from reactor.loop import Loop
    from reactor.pool import then
    loop = Loop()
    source = Future()
    inner = Future()
    chained = then(loop, source, lambda value: inner)
    assert chained.cancel() and source.cancelled()
    started = Future()
    second = then(loop, started, lambda value: inner)
    loop.thread_id = threading.get_ident()
    started.set_result(1)  # on the loop thread: fn runs at once and returns `inner`
    assert second.cancel() and inner.cancelled()
    loop.close()


class Queued(reactor.Handler):
    """Work on a one-thread pool; `ran` lists the jobs that ran."""

    ran: list = []
    blocker = threading.Event()

    def get(self, n):
        def job():
            if n == 1:
                self.blocker.wait(10)
            self.ran.append(n)
        return self.server.then(self.server.defer(job), lambda _: reactor.Response.text("done"))


def test_queued_work_of_a_client_that_left_never_runs(serve):
    Queued.ran, Queued.blocker = [], threading.Event()
    router = reactor.Router()
    router.add("/job/{n:int}", Queued)
    server = serve(router, pool_workers=1)
    first = socket.create_connection(("127.0.0.1", server.port))
    first.sendall(get(path="/job/1"))
    wait_for(lambda: server.connection_count == 1)
    with socket.create_connection(("127.0.0.1", server.port)) as gone:
        gone.sendall(get(path="/job/2"))
        wait_for(lambda: server.connection_count == 2)
    wait_for(lambda: server.connection_count == 1)  # the server saw it leave
    Queued.blocker.set()
    assert parse_responses(first.recv(65536))[0].body == b"done"
    first.close()
    third = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    third.request("GET", "/job/3")
    assert third.getresponse().read() == b"done"
    third.close()
    assert Queued.ran == [1, 3]

"""Graceful shutdown: stop accepting, finish in-flight requests within the grace
period, close idle connections, and exit 0 on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from rawclient import RawClient, get, wait_for

import reactor

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SlowApp:
    """Each request sets `started`, then sleeps `delay` seconds on the pool."""

    def __init__(self, delay):
        self.delay = delay
        self.started = threading.Event()
        self.server = None

    def on_start(self, server):
        self.server = server

    def handle(self, request):
        if request.path == "/hello":
            return reactor.Response.text("Hello, World!")
        self.started.set()

        def work():
            time.sleep(self.delay)
            return reactor.Response.text("finished")

        return self.server.defer(work)


def stop_in_background(server, timeout):
    thread = threading.Thread(target=server.stop, kwargs={"timeout": timeout})
    thread.start()
    wait_for(lambda: server.shutting_down)
    return thread


def test_stop_finishes_the_in_flight_request_and_closes_idle_ones(serve):
    app = SlowApp(0.3)
    server = serve(app)
    with RawClient(server.port) as idle, RawClient(server.port) as busy:
        assert idle.request(get()).status == 200
        busy.send(get(path="/slow"))
        assert app.started.wait(3)
        started = time.monotonic()
        stopper = stop_in_background(server, timeout=3)
        assert idle.is_closed_by_server(timeout=1)
        response = busy.read_response()
        assert response.body == b"finished" and response.header("connection") == "close"
        assert busy.is_closed_by_server()
        stopper.join(3)
        assert not stopper.is_alive() and time.monotonic() - started < 2


def test_new_connections_are_refused_once_shutdown_begins(serve):
    app = SlowApp(0.5)
    server = serve(app)
    with RawClient(server.port) as busy:
        busy.send(get(path="/slow"))
        assert app.started.wait(3)
        stopper = stop_in_background(server, timeout=3)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
        assert busy.read_response().body == b"finished"
        stopper.join(3)


def test_in_flight_request_past_the_grace_period_is_cut_off(serve):
    app = SlowApp(3.0)
    server = serve(app)
    with RawClient(server.port) as busy:
        busy.send(get(path="/slow"))
        assert app.started.wait(3)
        started = time.monotonic()
        server.stop(timeout=0.3)
        assert 0.25 < time.monotonic() - started < 1.5
        assert busy.is_closed_by_server(timeout=1)


SIGNAL_SCRIPT = textwrap.dedent("""
    import sys, time
    import reactor

    class Slow(reactor.Handler):
        def get(self):
            print("started", flush=True)
            def work():
                time.sleep(0.4)
                return reactor.Response.text("finished")
            return self.server.defer(work)

    class Hello(reactor.Handler):
        def get(self):
            return reactor.Response.text("Hello, World!")

    router = reactor.Router()
    router.add("/slow", Slow)
    router.add("/hello", Hello)
    server = reactor.Server(router, port=0, access_log=False, shutdown_grace=5)
    server.bind()
    print(server.port, flush=True)
    server.serve_forever()
    print("exited cleanly", flush=True)
""")


def read_line(pipe, timeout=10.0) -> str:
    ready, _, _ = select.select([pipe], [], [], timeout)
    assert ready, "the subprocess printed nothing"
    return pipe.readline().decode().strip()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_finishes_in_flight_work_and_exits_zero(tmp_path, signum):
    script = tmp_path / "serve.py"
    script.write_text(SIGNAL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": REPO}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env)
    try:
        port = int(read_line(proc.stdout))
        with RawClient(port) as idle, RawClient(port) as busy:
            assert idle.request(get()).body == b"Hello, World!"
            busy.send(get(path="/slow"))
            assert read_line(proc.stdout) == "started"
            proc.send_signal(signum)
            assert idle.is_closed_by_server(timeout=2)
            response = busy.read_response()
            assert response.body == b"finished" and response.header("connection") == "close"
        assert proc.wait(timeout=5) == 0
        assert read_line(proc.stdout) == "exited cleanly"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_response_being_written_when_stop_begins_does_not_hold_shutdown(serve):
    server = serve(shutdown_grace=5.0)
    size = 8 * 1024 * 1024
    with RawClient(server.port) as client:
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        client.send(get(path=f"/big?n={size}"))
        assert client.reader.readline().startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        stopper = stop_in_background(server, timeout=5.0)
        body = client.read_until_closed()
        assert body.endswith(b"x" * 1000) and len(body) > size
        stopper.join(5)
        assert time.monotonic() - started < 2.0

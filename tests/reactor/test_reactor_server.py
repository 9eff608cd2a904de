"""The server and loop under stress: a failing connection does not stop the timeout
sweep, running out of descriptors does not spin the accept loop."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import textwrap
import time

from rawclient import RawClient, get, wait_for

import reactor

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class BrokenHeartbeatStream(reactor.EventStream):
    def comment(self, text=""):
        raise RuntimeError("heartbeat bug on purpose")


def broken_stream_app(request):
    if request.path == "/broken-stream":
        return reactor.Response.stream(BrokenHeartbeatStream())
    return reactor.Response.text("Hello, World!")


def test_a_failing_connection_does_not_stop_timeouts_for_the_others(serve, caplog):
    server = serve(broken_stream_app, stream_heartbeat=0.05, keepalive_timeout=0.3)
    with RawClient(server.port) as streaming, RawClient(server.port) as idle:
        streaming.send(get(path="/broken-stream"))
        assert streaming.read_head().status == 200
        assert idle.request(get()).status == 200
        assert streaming.is_closed_by_server(timeout=2)  # the broken one is dropped
        assert idle.is_closed_by_server(timeout=2)       # and keep-alive still times out
    assert "heartbeat bug on purpose" in caplog.text


def test_port_stays_known_after_stop(serve):
    server = serve()
    port = server.port
    assert port != 0
    server.stop()
    assert server.port == port


def test_connection_count_follows_clients(server):
    clients = [RawClient(server.port) for _ in range(3)]
    wait_for(lambda: server.connection_count == 3)
    for client in clients:
        client.close()
    wait_for(lambda: server.connection_count == 0)


EMFILE_SCRIPT = textwrap.dedent("""
    import resource, sys
    import reactor

    resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    class Hello(reactor.Handler):
        def get(self):
            return reactor.Response.text("Hello, World!")

    router = reactor.Router()
    router.add("/hello", Hello)
    server = reactor.Server(router, port=0, access_log=False, keepalive_timeout=60)
    server.bind()
    print(server.port, flush=True)
    server.serve_forever()
""")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_running_out_of_descriptors_does_not_spin_the_accept_loop(tmp_path):
    script = tmp_path / "emfile.py"
    script.write_text(EMFILE_SCRIPT)
    stderr = open(tmp_path / "stderr.log", "wb")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=stderr, env={**os.environ, "PYTHONPATH": REPO})
    clients = []
    try:
        assert select.select([proc.stdout], [], [], 10)[0]
        port = int(proc.stdout.readline())
        for _ in range(60):  # more than the server has descriptors for
            clients.append(socket.create_connection(("127.0.0.1", port)))
        wait_for(lambda: len(os.listdir(f"/proc/{proc.pid}/fd")) >= 39, timeout=5)
        before = cpu_seconds(proc.pid)
        time.sleep(0.6)  # measuring CPU use over a window; nothing to wait on
        assert cpu_seconds(proc.pid) - before < 0.2
        for sock in clients:
            sock.close()
        clients.clear()
        with RawClient(port, timeout=5) as client:
            assert client.request(get()).body == b"Hello, World!"
    finally:
        for sock in clients:
            sock.close()
        proc.kill()
        proc.wait()
        proc.stdout.close()
        stderr.close()
    assert b"accept paused" in (tmp_path / "stderr.log").read_bytes()


def test_accepting_pauses_at_the_connection_cap_and_resumes_below_it(serve):
    server = serve(max_connections=2)
    first, second = RawClient(server.port), RawClient(server.port)
    try:
        for client in (first, second):
            assert client.request(get()).status == 200
        with RawClient(server.port) as third:  # waits in the listen backlog
            third.send(get())
            assert not select.select([third.sock], [], [], 0.3)[0]
            assert server.connection_count == 2
            first.close()
            assert third.read_response().body == b"Hello, World!"
    finally:
        first.close()
        second.close()


class _StartRecorder:
    """An app that answers with what its start-up hook saw."""

    def __init__(self):
        self.started_with = []

    def on_start(self, server):
        self.started_with.append(server)

    def handle(self, request):
        return reactor.Response.text(f"{len(self.started_with)}")


def test_on_start_receives_the_server_once_before_the_first_request(serve):
    app = _StartRecorder()
    server = serve(app)
    assert app.started_with == [server]
    with RawClient(server.port) as client:
        assert client.request(get()).body == b"1"


class _WhoServes(reactor.Handler):
    def get(self):
        return reactor.Response.text(str(self.server.port))


def test_router_hands_its_server_to_each_handler(serve):
    router = reactor.Router()
    router.add("/", _WhoServes)
    server = serve(router)
    with RawClient(server.port) as client:
        assert client.request(get(path="/")).body == str(server.port).encode()

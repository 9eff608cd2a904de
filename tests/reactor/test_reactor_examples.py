"""The embedding examples, run as users run them: `PYTHONPATH=. python3 examples/X.py`."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys

import pytest
from rawclient import RawClient

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LISTENING = re.compile(r"listening on http://[^:]+:(\d+)")


def run_example(name, *args):
    """Start examples/`name` on port 0; returns (process, port) once it listens."""
    proc = subprocess.Popen([sys.executable, f"examples/{name}", "--port", "0", "--quiet", *args],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": "."},
                            stderr=subprocess.PIPE)
    for _ in range(20):
        if not select.select([proc.stderr], [], [], 10)[0]:
            break
        m = LISTENING.search(proc.stderr.readline().decode())
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise AssertionError(f"examples/{name} did not report its port")


def stop_example(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


@pytest.fixture(scope="module")
def echo_port():
    proc, port = run_example("echo.py")
    yield port
    stop_example(proc)


@pytest.fixture(scope="module")
def hello(tmp_path_factory):
    static = tmp_path_factory.mktemp("static")
    (static / "page.html").write_bytes(b"<h1>hi</h1>")
    proc, port = run_example("hello.py", "--static", str(static))
    yield port
    stop_example(proc)


BODY = bytes(range(256)) * 40


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET", "OPTIONS"])
def test_echo_answers_any_method_with_exactly_the_body(echo_port, method):
    with RawClient(echo_port) as client:
        response = client.request(f"{method} /echo HTTP/1.1\r\nHost: t\r\n".encode()
                                  + b"Content-Type: application/x-test\r\n"
                                  + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
        assert (response.status, response.body) == (200, BODY)
        assert response.header("content-type") == "application/x-test"


def test_echo_with_chunked_body_and_pipelining(echo_port):
    with RawClient(echo_port) as client:
        client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"3\r\nabc\r\n0\r\n\r\n"
                    b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        assert client.read_response().body == b"abc"
        assert client.read_response().body == b""


@pytest.mark.parametrize("code", [200, 201, 204, 304, 404, 418, 500, 503, 999])
def test_echo_status_answers_the_code_with_no_body(echo_port, code):
    with RawClient(echo_port) as client:
        response = client.request(f"GET /status?code={code} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        assert (response.status, response.body) == (code, b"")
        assert response.header("content-length") in (None, "0")
        assert client.request(b"GET /echo HTTP/1.1\r\nHost: t\r\n\r\n").status == 200


def test_echo_status_refuses_a_bad_code(echo_port):
    with RawClient(echo_port) as client:
        assert client.request(b"GET /status?code=abc HTTP/1.1\r\nHost: t\r\n\r\n").status == 400


def test_hello_says_hello_world(hello):
    with RawClient(hello) as client:
        response = client.request(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        assert response.body == b"Hello, World!"
        assert response.header("content-type").startswith("text/plain")
        assert client.request(b"GET /static/page.html HTTP/1.1\r\nHost: t\r\n\r\n").body == (
            b"<h1>hi</h1>")


def test_embedded_example_runs_requests_and_stops():
    out = subprocess.run([sys.executable, "examples/embedded.py"], cwd=REPO, timeout=20,
                         env={**os.environ, "PYTHONPATH": "."}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "GET /greet/world -> 200" in out.stdout
    assert '"square":144' in out.stdout
    assert "GET /nowhere -> 404" in out.stdout
    assert out.stdout.rstrip().endswith("server stopped")

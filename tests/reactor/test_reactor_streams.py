"""Server-Sent Event streams over real sockets: events, heartbeats, disconnects,
slow readers."""

from __future__ import annotations

import socket
import threading

from rawclient import RawClient, get, wait_for
from sampleapp import build_app


def open_stream(server, client):
    client.send(get(path="/stream"))
    head = client.read_head()
    assert head.status == 200 and head.header("transfer-encoding") == "chunked"
    assert head.header("content-type").startswith("text/event-stream")
    return head


def on_loop(server, fn, *args):
    """Run `fn(*args)` on the loop thread and return its result."""
    done = threading.Event()
    box = []

    def run():
        box.append(fn(*args))
        done.set()

    server.call_soon_threadsafe(run)
    assert done.wait(5)
    return box[0]


def test_events_arrive_as_chunks(serve, streams):
    server = serve(build_app(streams))
    with RawClient(server.port) as client:
        open_stream(server, client)
        assert client.read_chunk() == b'event: greeting\nid: 1\ndata: {"hello":1}\n\n'
        wait_for(lambda: len(streams) == 1)
        assert on_loop(server, streams[0].send, {"n": 2}, "update") is True
        assert client.read_chunk() == b'event: update\ndata: {"n":2}\n\n'
        assert server.open_streams == 1


def test_heartbeat_comments_keep_a_silent_stream_alive(serve, streams):
    server = serve(build_app(streams), stream_heartbeat=0.1)
    with RawClient(server.port) as client:
        open_stream(server, client)
        client.read_chunk()
        assert client.read_chunk() == b":\n\n"
        assert client.read_chunk() == b":\n\n"


def test_disconnect_runs_on_close_and_drops_the_count(serve, streams):
    server = serve(build_app(streams))
    closed = threading.Event()
    with RawClient(server.port) as client:
        open_stream(server, client)
        wait_for(lambda: len(streams) == 1)
        on_loop(server, streams[0].on_close, lambda stream: closed.set())
        assert server.open_streams == 1
    assert closed.wait(3)
    wait_for(lambda: server.open_streams == 0 and server.connection_count == 0)
    assert on_loop(server, streams[0].send, "late") is False


def test_reader_that_falls_behind_is_dropped(serve, streams):
    server = serve(build_app(streams), output_high_water=64 * 1024)
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(("127.0.0.1", server.port))
    try:
        client.sendall(get(path="/stream"))
        wait_for(lambda: len(streams) == 1 and server.open_streams == 1)
        closed = threading.Event()
        on_loop(server, streams[0].on_close, lambda stream: closed.set())
        payload = "x" * 16384

        def flood():
            for sent in range(4096):  # at most 64 MiB
                if not streams[0].send(payload):
                    return sent
            return None

        sent = on_loop(server, flood)
        assert sent is not None, "the stream was never dropped"
        assert closed.is_set() and server.open_streams == 0
    finally:
        client.close()


def test_stop_ends_open_streams(serve, streams):
    server = serve(build_app(streams))
    with RawClient(server.port) as client:
        open_stream(server, client)
        client.read_chunk()
        wait_for(lambda: server.open_streams == 1)
        server.stop(timeout=1)
        assert client.read_chunk() == b""  # the last chunk: a clean end of the stream
        assert client.is_closed_by_server()
    assert server.open_streams == 0


def test_http10_stream_is_unframed_and_ends_with_the_connection(serve, streams):
    server = serve(build_app(streams))
    with RawClient(server.port) as client:
        client.send(b"GET /stream HTTP/1.0\r\n\r\n")
        head = client.read_head()
        assert head.header("connection") == "close"
        assert head.header("transfer-encoding") is None and head.header("content-length") is None
        first = b'event: greeting\nid: 1\ndata: {"hello":1}\n\n'
        assert client.reader.read(len(first)) == first
        wait_for(lambda: len(streams) == 1)
        on_loop(server, streams[0].send, "bye")
        on_loop(server, streams[0].close)
        assert client.read_until_closed() == b"data: bye\n\n"

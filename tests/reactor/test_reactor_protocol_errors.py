"""An application may render the errors the reactor answers after a request head."""

from rawclient import RawClient

import reactor


class RenderingApp:
    """Answers nothing itself; renders protocol errors as JSON with its own header."""

    def __init__(self):
        self.rendered = []

    def handle(self, request):
        return reactor.Response.text("ok")

    def render_protocol_error(self, request, status, message):
        self.rendered.append((request.method, request.path, status))
        return reactor.Response.json({"error": message}, status, [("X-App", "yes")])


class BrokenRenderer(RenderingApp):
    def render_protocol_error(self, request, status, message):
        raise RuntimeError("renderer bug")


def test_body_over_the_limit_is_rendered_by_the_app(serve):
    app = RenderingApp()
    server = serve(app, max_body_bytes=10)
    with RawClient(server.port) as client:
        client.send(b"POST /api/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n")
        response = client.read_response()
    assert response.status == 413
    assert response.header("x-app") == "yes"
    assert response.header("content-type") == "application/json"
    assert response.header("connection") == "close"
    assert b'"error":"Request body too large"' in response.body
    assert app.rendered == [("POST", "/api/upload", 413)]


def test_bad_chunk_after_the_head_is_rendered_by_the_app(serve):
    app = RenderingApp()
    server = serve(app)
    with RawClient(server.port) as client:
        client.send(b"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        response = client.read_response()
    assert response.status == 400 and response.header("x-app") == "yes"


def test_head_without_a_request_line_stays_plain_text(serve):
    app = RenderingApp()
    server = serve(app)
    with RawClient(server.port) as client:
        client.send(b"NOT HTTP AT ALL\r\n\r\n")
        response = client.read_response()
    assert response.status == 400 and response.header("x-app") is None
    assert app.rendered == []


def test_a_failing_renderer_falls_back_to_plain_text(serve):
    server = serve(BrokenRenderer(), max_body_bytes=10)
    with RawClient(server.port) as client:
        client.send(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n")
        response = client.read_response()
    assert response.status == 413 and response.header("x-app") is None
    assert response.body.startswith(b"Request body too large")

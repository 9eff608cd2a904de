"""Static files over real sockets: types, validators and 304, single ranges,
sendfile, and no way out of the root."""

from __future__ import annotations

import os
import threading
from email.utils import formatdate

import pytest
from rawclient import RawClient, get

import reactor
from reactor import safe_join

CSS = b"body { color: #333; }\n" * 50
BIG = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "public"
    (root / "sub").mkdir(parents=True)
    (root / "style.css").write_bytes(CSS)
    (root / "sub" / "data.bin").write_bytes(b"0123456789")
    (root / "big.bin").write_bytes(BIG)
    (root / "noext").write_bytes(b"?")
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    (root / "link-out").symlink_to(tmp_path / "secret.txt")
    (root / "dir-out").symlink_to(tmp_path)
    os.mkfifo(root / "pipe")
    return root


@pytest.fixture
def static_server(serve, site):
    router = reactor.Router()
    router.add("/static/{path:path}", reactor.StaticFiles, root=str(site))
    router.add("/hello", _Hello)
    return serve(router)


class _Hello(reactor.Handler):
    def get(self):
        return reactor.Response.text("Hello, World!")


def fetch(server, path, *headers, method="GET"):
    extra = b"".join(h.encode() + b"\r\n" for h in headers)
    with RawClient(server.port) as client:
        raw = get(path=path, extra=extra).replace(b"GET", method.encode(), 1)
        return client.request(raw, method)


def test_static_file_is_served_with_type_validators_and_cache_control(static_server, site):
    response = fetch(static_server, "/static/style.css")
    assert response.status == 200 and response.body == CSS
    assert response.header("content-type") == "text/css; charset=utf-8"
    assert response.header("content-length") == str(len(CSS))
    assert response.header("cache-control") == "public, max-age=3600"
    assert response.header("etag").startswith('"')
    mtime = os.stat(site / "style.css").st_mtime
    assert response.header("last-modified") == formatdate(mtime, usegmt=True)
    assert fetch(static_server, "/static/noext").header("content-type") == (
        "application/octet-stream")


def test_head_of_a_static_file_has_its_headers_and_no_body(static_server):
    with RawClient(static_server.port) as client:
        response = client.request(get(path="/static/style.css").replace(b"GET", b"HEAD"), "HEAD")
        assert response.header("content-length") == str(len(CSS)) and response.body == b""
        assert client.request(get()).body == b"Hello, World!"


@pytest.mark.parametrize("template", ["{etag}", "W/{etag}", '"other", {etag}', "*"])
def test_matching_if_none_match_gets_304(static_server, template):
    etag = fetch(static_server, "/static/style.css").header("etag")
    with RawClient(static_server.port) as client:
        response = client.request(get(path="/static/style.css", extra=(
            "If-None-Match: " + template.format(etag=etag) + "\r\n").encode()))
        assert response.status == 304 and response.body == b""
        assert response.header("etag") == etag and response.header("content-length") is None
        assert client.request(get()).body == b"Hello, World!"  # still in step


def test_other_etag_gets_the_file(static_server):
    response = fetch(static_server, "/static/style.css", 'If-None-Match: "nope"')
    assert response.status == 200 and response.body == CSS


def test_if_modified_since_gets_304_when_current_and_200_when_older(static_server):
    last_modified = fetch(static_server, "/static/style.css").header("last-modified")
    assert fetch(static_server, "/static/style.css",
                 f"If-Modified-Since: {last_modified}").status == 304
    old = "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT"
    assert fetch(static_server, "/static/style.css", old).status == 200


@pytest.mark.parametrize("spec, start, end", [
    ("bytes=0-3", 0, 3), ("bytes=4-", 4, 9), ("bytes=-3", 7, 9), ("bytes=8-100", 8, 9),
    ("bytes=-100", 0, 9),
])
def test_single_range_gets_206(static_server, spec, start, end):
    response = fetch(static_server, "/static/sub/data.bin", f"Range: {spec}")
    assert response.status == 206
    assert response.body == b"0123456789"[start:end + 1]
    assert response.header("content-range") == f"bytes {start}-{end}/10"
    assert response.header("content-length") == str(end - start + 1)


@pytest.mark.parametrize("spec", ["bytes=10-", "bytes=99-100", "bytes=-0"])
def test_unsatisfiable_range_gets_416(static_server, spec):
    response = fetch(static_server, "/static/sub/data.bin", f"Range: {spec}")
    assert response.status == 416 and response.header("content-range") == "bytes */10"


@pytest.mark.parametrize("spec", ["bytes=0-1,4-5", "items=0-1", "bytes=5-2"])
def test_ranges_we_do_not_serve_get_the_whole_file(static_server, spec):
    response = fetch(static_server, "/static/sub/data.bin", f"Range: {spec}")
    assert response.status == 200 and response.body == b"0123456789"


def test_if_range_must_match_the_current_etag(static_server):
    etag = fetch(static_server, "/static/sub/data.bin").header("etag")
    assert fetch(static_server, "/static/sub/data.bin", "Range: bytes=0-1",
                 f"If-Range: {etag}").status == 206
    assert fetch(static_server, "/static/sub/data.bin", "Range: bytes=0-1",
                 'If-Range: "stale"').status == 200


def test_large_file_goes_out_with_sendfile(static_server, monkeypatch):
    calls = []
    real_sendfile = os.sendfile

    def counting_sendfile(*args):
        calls.append(threading.current_thread().name)
        return real_sendfile(*args)

    monkeypatch.setattr(os, "sendfile", counting_sendfile)
    response = fetch(static_server, "/static/big.bin")
    assert response.body == BIG
    assert calls and set(calls) == {"reactor-loop"}


@pytest.mark.parametrize("path, statuses", [
    ("/static/../secret.txt", {404}),
    ("/static/%2e%2e/secret.txt", {404}),
    ("/static/%2E%2E%2Fsecret.txt", {404}),
    ("/static/sub/../../secret.txt", {404}),
    ("/static/sub/%2e%2e/%2e%2e/secret.txt", {404}),
    ("/static/..%5csecret.txt", {404}),
    ("/static/link-out", {404}),
    ("/static/dir-out/secret.txt", {404}),
    ("/static//etc/passwd", {404}),
    ("/static/%00secret.txt", {400}),
    ("/static/sub", {404}),
    ("/static/", {404}),
    ("/static/pipe", {404}),
])
def test_no_path_escapes_the_root(static_server, path, statuses):
    response = fetch(static_server, path)
    assert response.status in statuses
    assert b"TOP SECRET" not in response.body and b"root:" not in response.body


def test_absolute_form_traversal_is_refused(static_server):
    with RawClient(static_server.port) as client:
        response = client.request(b"GET http://t/static/%2e%2e/secret.txt HTTP/1.1\r\n"
                                  b"Host: t\r\n\r\n")
    assert response.status == 404


def test_server_keeps_serving_after_a_request_for_a_fifo(static_server):
    assert fetch(static_server, "/static/pipe").status == 404
    assert fetch(static_server, "/hello").body == b"Hello, World!"


def test_safe_join_allows_links_inside_the_root_and_refuses_the_rest(site):
    (site / "link-in").symlink_to(site / "style.css")
    assert safe_join(str(site), "link-in") == str((site / "style.css").resolve())
    assert safe_join(str(site), "sub/data.bin") == str((site / "sub" / "data.bin").resolve())
    for bad in ("link-out", "dir-out/secret.txt", "../secret.txt", "a\\b", "a\x00b"):
        assert safe_join(str(site), bad) is None, bad


def test_file_response_for_a_missing_file_is_404(static_server, site):
    request = reactor.Request("GET", "/x", "/x", "", "1.1", reactor.Headers())
    with pytest.raises(reactor.NotFound):
        reactor.file_response(request, str(site / "missing.txt"))

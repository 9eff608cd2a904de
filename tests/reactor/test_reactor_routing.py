"""Router matching and request headers, without sockets."""

from __future__ import annotations

import pytest

import reactor


class _Echo(reactor.Handler):
    def get(self, **params):
        return params


def request_for(path: str) -> reactor.Request:
    return reactor.Request("GET", path, path, "", "1.1", reactor.Headers([("host", "t")]))


@pytest.fixture
def router():
    router = reactor.Router()
    router.add("/posts/{id:int}/photos/{name}", _Echo)
    router.add("/files/{rest:path}", _Echo)
    return router


def test_router_converts_int_params_and_keeps_the_rest_as_matched(router):
    assert router.handle(request_for("/posts/42/photos/a.png")) == {"id": 42, "name": "a.png"}
    assert router.handle(request_for("/files/a/b/c")) == {"rest": "a/b/c"}


@pytest.mark.parametrize("path", ["/posts/x/photos/a", "/posts/" + "9" * 5000 + "/photos/a",
                                  "/posts/1/photos/a/b"])
def test_router_answers_404_when_a_param_does_not_fit(router, path):
    with pytest.raises(reactor.NotFound):
        router.handle(request_for(path))


def test_headers_join_repeated_fields_and_keep_each_one():
    headers = reactor.Headers([("accept", "a"), ("x-one", "1"), ("accept", "b")])
    assert headers.get("Accept") == "a, b" and headers["x-one"] == "1"
    assert headers.get_all("ACCEPT") == ["a", "b"] and "X-One" in headers
    assert list(headers) == [("accept", "a"), ("x-one", "1"), ("accept", "b")]
    single = reactor.Headers([("host", "t")])
    assert single.get("host") == "t" and single.get("missing", "-") == "-"


def test_query_arguments_with_and_without_a_query_string():
    def request(query: str):
        return reactor.Request("GET", "/p?" + query if query else "/p", "/p", query, "1.1",
                               reactor.Headers([("host", "t")]))

    assert request("").query == {} and request("").arg("a", "none") == "none"
    assert request("a=&b=2&b=3").query == {"a": [""], "b": ["2", "3"]}
    assert request("b=2&b=3").arg("b") == "2"

"""Hostile input the reactor's public pieces must shrug off (no exception escapes)."""

from __future__ import annotations

import pytest

import reactor
from reactor.messages import Request


class ItemHandler(reactor.Handler):
    def get(self, id):
        return reactor.Response.text(str(id))


def request_for(path: str) -> Request:
    request = Request("GET", path, path, "", "1.1", reactor.Headers([("host", "t")]))
    request.body = b""
    return request


@pytest.mark.parametrize("digits", ["9" * 5000, "0" * 4999 + "7"])
def test_an_int_segment_too_long_for_int_is_not_found(digits):
    router = reactor.Router()
    router.add("/items/{id:int}", ItemHandler)
    route, params = router.match(f"/items/{digits}")
    assert route is None and params is None
    with pytest.raises(reactor.NotFound):
        router.handle(request_for(f"/items/{digits}"))


def test_an_int_segment_of_normal_length_still_converts():
    router = reactor.Router()
    router.add("/items/{id:int}", ItemHandler)
    assert router.handle(request_for("/items/0042")).body == b"42"

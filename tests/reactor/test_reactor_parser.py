"""RequestParser from raw bytes: valid requests parse the same however they are
split; every malformed request gets its status; every limit just under and over."""

from __future__ import annotations

import time

import pytest
from parsing import EventLog, events_byte_by_byte, events_from, first_error

from reactor import END_OF_MESSAGE, NEED_DATA, ProtocolError, RequestParser, config

SIMPLE_GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"

VALID = {
    "simple_get": SIMPLE_GET,
    "query_and_port": b"GET /a%20b/c?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\n"
                      b"Accept: */*\r\n\r\n",
    "post_length": b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "post_chunked": b"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n6;ext=1;q=\"x y\"\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n",
    "chunked_upper_hex_and_zeros": b"PUT /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n"
                                   b"\r\n00A\r\n0123456789\r\n0000\r\n\r\n",
    "chunked_empty": b"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "chunk_size_whitespace": b"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"3 ;x\r\nabc\r\n0\r\n\r\n",
    "chunk_ext_quoted_pair": b"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                             b"\r\n3 ; a = \"x\\\"y;z\" ;b\r\nabc\r\n0\r\n\r\n",
    "http10": b"GET /old HTTP/1.0\r\n\r\n",
    "http10_keep_alive": b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "connection_close": b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n",
    "absolute_form": b"GET http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "absolute_form_no_path": b"GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "asterisk_form": b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "expect_continue": b"POST /p HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                       b"Content-Length: 2\r\n\r\nok",
    "field_whitespace": b"GET / HTTP/1.1\r\nHost:a\r\nX-Empty:\r\nX-Pad: \t v a l \t\r\n\r\n",
    "obs_text_value": b"GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xe9\r\n\r\n",
    "leading_crlf": b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "content_length_list_agrees": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n"
                                  b"Content-Length: 3\r\n\r\nabc",
    "ipv6_host": b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    "http_1_2_is_1_1": b"GET / HTTP/1.2\r\nHost: a\r\n\r\n",
    "zero_length": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
}

INVALID = {
    # request line
    "no_version": (b"GET /\r\nHost: a\r\n\r\n", 400),
    "double_space": (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "bad_method": (b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "lowercase_protocol": (b"GET / http/1.1\r\nHost: a\r\n\r\n", 400),
    "control_in_target": (b"GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "space_in_target": (b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "bare_lf_line_ends": (b"GET / HTTP/1.1\nHost: a\n\n", 400),
    "nul_in_request_line": (b"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "asterisk_for_get": (b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "connect": (b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    "garbage_target": (b"GET a:b:c HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "invalid_utf8_path": (b"GET /%ff HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "encoded_nul_path": (b"GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    # versions
    "http2": (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    "http09": (b"GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
    "http10_two_digits": (b"GET / HTTP/10.0\r\nHost: a\r\n\r\n", 505),
    # header fields
    "no_colon": (b"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
    "obs_fold": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  b\r\n\r\n", 400),
    "obs_fold_tab": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400),
    "space_before_colon": (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    "tab_before_colon": (b"GET / HTTP/1.1\r\nHost: a\r\nX\t: b\r\n\r\n", 400),
    "control_in_value": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400),
    "nul_in_value": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400),
    "del_in_value": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400),
    "bare_cr_in_value": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400),
    "bare_lf_in_value": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\nY: b\r\n\r\n", 400),
    "bad_field_name": (b"GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", 400),
    "empty_field_name": (b"GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400),
    # Host
    "missing_host": (b"GET / HTTP/1.1\r\nX: y\r\n\r\n", 400),
    "two_hosts": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    "two_hosts_http10": (b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    "host_with_space": (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    "host_with_slash": (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    "host_with_userinfo": (b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
    "host_bad_port": (b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400),
    "host_bad_ipv6": (b"GET / HTTP/1.1\r\nHost: [zz::1]\r\n\r\n", 400),
    # framing
    "length_and_chunked": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "conflicting_lengths": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                            b"Content-Length: 4\r\n\r\nabcd", 400),
    "conflicting_length_list": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n", 400),
    "negative_length": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
    "plus_length": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\na", 400),
    "hex_length": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n\r\na", 400),
    "empty_length": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
    "huge_length_digits": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
                           + b"9" * 30 + b"\r\n\r\n", 400),
    "unknown_coding": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: bogus\r\n\r\n", 501),
    "gzip_then_chunked": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
                          b"\r\n0\r\n\r\n", 501),
    "chunked_not_last": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n"
                         b"\r\n", 400),
    "chunked_twice": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n", 400),
    "empty_coding": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\n\r\n", 400),
    # chunk sizes
    "chunk_size_not_hex": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"zz\r\n", 400),
    "chunk_size_negative": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            b"-1\r\n", 400),
    "chunk_size_0x": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"0x5\r\nhello\r\n0\r\n\r\n", 400),
    "chunk_size_empty": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"\r\n", 400),
    "chunk_size_17_digits": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                             + b"0" * 16 + b"1\r\n", 400),
    "chunk_without_crlf": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"3\r\nabcXY0\r\n\r\n", 400),
    "chunk_line_bare_lf": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"3\nabc\r\n0\r\n\r\n", 400),
    "chunk_line_too_long": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            b"3;" + b"x" * (config.MAX_CHUNK_LINE_BYTES + 10) + b"\r\n", 400),
    "malformed_trailer": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"0\r\nno colon\r\n\r\n", 400),
    # chunk extensions (RFC 9112 §7.1.1): what one parser skips another may not
    "chunk_size_trailing_space": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked"
                                  b"\r\n\r\n3 \r\nabc\r\n0\r\n\r\n", 400),
    "chunk_ext_bare_cr": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"3;a\rb\r\nabc\r\n0\r\n\r\n", 400),
    "chunk_ext_cr_in_quotes": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked"
                               b"\r\n\r\n3;q=\"a\rb\"\r\nabc\r\n0\r\n\r\n", 400),
    "chunk_ext_unterminated_quote": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
                                     b"chunked\r\n\r\n3;q=\"abc\r\nabc\r\n0\r\n\r\n", 400),
    "chunk_ext_no_name": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"3;=x\r\nabc\r\n0\r\n\r\n", 400),
    # expectations: 100-continue is the only one (RFC 9110 §10.1.1)
    "unknown_expectation": (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n"
                            b"Content-Length: 2\r\n\r\nok", 417),
    "expectation_without_body": (b"GET / HTTP/1.1\r\nHost: a\r\nExpect: x-foo\r\n\r\n", 417),
    "trailers_too_large": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"0\r\n" + b"X: y\r\n" * (config.MAX_TRAILER_BYTES // 5) + b"\r\n", 431),
}


def with_eof_status(data):
    """Error status when `data` is fed byte by byte, or None if there is none."""
    events = events_byte_by_byte(data)
    return events[-1][1] if events and events[-1][0] == "error" else None


# -- valid requests -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_request_parses_to_one_complete_request(name):
    events = events_from(VALID[name])
    assert [e[0] for e in events] == ["head", "body", "end"], events


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_request_byte_by_byte_gives_the_same_events(name):
    data = VALID[name]
    assert events_byte_by_byte(data) == events_from(data)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_request_split_anywhere_gives_the_same_events(name):
    data = VALID[name]
    whole = events_from(data)
    for cut in range(1, len(data)):
        assert events_from(data[:cut], data[cut:]) == whole, cut


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_request_followed_by_another_parses_both(name):
    data = VALID[name]
    assert events_from(data + SIMPLE_GET) == events_from(data) + events_from(SIMPLE_GET)
    assert events_byte_by_byte(data + SIMPLE_GET) == events_from(data) + events_from(SIMPLE_GET)


def head_of(data):
    return events_from(data)[0]


def test_parser_decodes_path_and_keeps_query_and_target():
    _, method, target, path, query, version, headers, keep_alive, _ = head_of(
        VALID["query_and_port"])
    assert (method, target, path, query, version) == (
        "GET", "/a%20b/c?x=1&y=%20", "/a b/c", "x=1&y=%20", "1.1")
    assert headers == (("host", "example.com:8080"), ("accept", "*/*"))
    assert keep_alive is True


def test_parser_strips_optional_whitespace_around_field_values():
    headers = dict(head_of(VALID["field_whitespace"])[6])
    assert headers == {"host": "a", "x-empty": "", "x-pad": "v a l"}


def test_parser_keeps_obs_text_as_latin1():
    assert dict(head_of(VALID["obs_text_value"])[6])["x-name"] == "café"


def test_parser_joins_chunked_body_and_drops_trailers():
    events = events_from(VALID["post_chunked"])
    assert events[1] == ("body", b"hello world")
    assert ("x-trailer", "yes") not in events[0][6]


def test_absolute_form_target_yields_its_path_and_query():
    assert head_of(VALID["absolute_form"])[3:5] == ("/x", "y=1")
    assert head_of(VALID["absolute_form_no_path"])[3:5] == ("/", "")


def test_asterisk_form_is_accepted_for_options():
    assert head_of(VALID["asterisk_form"])[1:4] == ("OPTIONS", "*", "*")


@pytest.mark.parametrize("data, keep_alive", [
    (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", True),
    (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", False),
    (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, CLOSE\r\n\r\n", False),
    (b"GET / HTTP/1.0\r\n\r\n", False),
    (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    (b"POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", False),
])
def test_parser_works_out_persistence(data, keep_alive):
    assert head_of(data)[7] is keep_alive


@pytest.mark.parametrize("data, expect", [
    (VALID["expect_continue"], True),
    (b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", False),
    (b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", False),
    (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n"
     b"\r\n0\r\n\r\n", True),
])
def test_expect_continue_only_for_http11_requests_with_a_body(data, expect):
    assert head_of(data)[8] is expect


def test_http10_request_may_omit_host():
    assert head_of(VALID["http10"])[6] == ()


# -- rejections -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(INVALID))
def test_parser_rejects_malformed_request_with_its_status(name):
    data, status = INVALID[name]
    assert first_error(data) == status


@pytest.mark.parametrize("name", sorted(INVALID))
def test_parser_rejects_malformed_request_fed_byte_by_byte_with_the_same_status(name):
    data, status = INVALID[name]
    assert with_eof_status(data) == status


def test_parser_is_dead_after_an_error():
    log = EventLog().feed(b"GET / HTTP/9.9\r\nHost: a\r\n\r\n")
    assert log.events == [("error", 505)]
    log.parser.feed(SIMPLE_GET)
    assert log.parser.next_event() is NEED_DATA


def test_header_value_with_long_whitespace_run_is_rejected_quickly():
    # A regex that backtracks on runs of spaces would pin the loop for seconds.
    data = b"GET / HTTP/1.1\r\nHost: a\r\nX:" + b" " * 30000 + b"\x01\r\n\r\n"
    started = time.perf_counter()
    assert first_error(data) == 400
    assert time.perf_counter() - started < 0.5


def test_trailer_with_long_whitespace_run_is_rejected_quickly():
    data = (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX:"
            + b" " * 15000 + b"\x01\r\n\r\n")
    started = time.perf_counter()
    assert first_error(data) == 400
    assert time.perf_counter() - started < 0.5


# -- end of input -----------------------------------------------------------------


def test_eof_between_requests_is_not_an_error():
    assert events_from(SIMPLE_GET, eof=True) == events_from(SIMPLE_GET)


@pytest.mark.parametrize("data", [
    b"GET / HTTP/1.1\r\nHost: a\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
])
def test_eof_inside_a_request_is_a_bad_request(data):
    assert events_from(data, eof=True)[-1] == ("error", 400)


# -- pipelining -------------------------------------------------------------------


def test_pipelined_requests_wait_until_start_next():
    parser = RequestParser()
    parser.feed(VALID["post_length"] + SIMPLE_GET)
    assert parser.next_event().method == "POST"
    assert parser.next_event().data == b"hello"
    assert parser.next_event() is END_OF_MESSAGE
    assert parser.next_event() is NEED_DATA
    assert parser.paused and parser.buffered == len(SIMPLE_GET)
    parser.start_next()
    assert parser.next_event().method == "GET"
    assert parser.next_event() is END_OF_MESSAGE


def test_three_pipelined_requests_parse_in_order():
    data = VALID["post_chunked"] + VALID["http10_keep_alive"] + VALID["post_length"]
    heads = [e for e in events_from(data) if e[0] == "head"]
    assert [h[1:3] for h in heads] == [("POST", "/p"), ("GET", "/"), ("POST", "/p")]


def test_body_bytes_that_look_like_a_request_stay_body():
    smuggled = b"GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
    data = (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(smuggled)
            + smuggled)
    assert events_from(data)[1] == ("body", smuggled)


# -- limits, just under and just over -----------------------------------------------


def request_line_of(n: int) -> bytes:
    """A request line of exactly `n` bytes (CRLF not counted)."""
    fixed = len(b"GET / HTTP/1.1")
    return b"GET /" + b"a" * (n - fixed) + b" HTTP/1.1"


@pytest.mark.parametrize("limit", [64, config.MAX_REQUEST_LINE_BYTES])
def test_request_line_at_the_limit_is_accepted(limit):
    data = request_line_of(limit) + b"\r\nHost: a\r\n\r\n"
    assert events_from(data, max_request_line_bytes=limit)[0][0] == "head"
    assert events_byte_by_byte(data, max_request_line_bytes=limit)[0][0] == "head"


@pytest.mark.parametrize("limit", [64, config.MAX_REQUEST_LINE_BYTES])
def test_request_line_over_the_limit_is_414(limit):
    data = request_line_of(limit + 1) + b"\r\nHost: a\r\n\r\n"
    assert first_error(data, max_request_line_bytes=limit) == 414
    # Before its end arrives, too: the parser does not wait for a line it will refuse.
    assert first_error(request_line_of(limit + 1), max_request_line_bytes=limit) == 414


def head_of_size(n: int) -> bytes:
    """A complete head of exactly `n` bytes, blank line included."""
    base = b"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: \r\n\r\n"
    return base.replace(b"X-Pad: ", b"X-Pad: " + b"p" * (n - len(base)))


@pytest.mark.parametrize("limit", [256, config.MAX_HEAD_BYTES])
def test_head_at_the_limit_is_accepted(limit):
    data = head_of_size(limit)
    assert len(data) == limit
    assert events_from(data, max_head_bytes=limit)[0][0] == "head"
    assert events_byte_by_byte(data, max_head_bytes=limit)[0][0] == "head"


@pytest.mark.parametrize("limit", [256, config.MAX_HEAD_BYTES])
def test_head_over_the_limit_is_431(limit):
    data = head_of_size(limit + 1)
    assert first_error(data, max_head_bytes=limit) == 431
    incomplete = head_of_size(limit + 3)[:-2]  # limit + 1 bytes, blank line still to come
    assert first_error(incomplete, max_head_bytes=limit) == 431


def head_with_fields(count: int) -> bytes:
    fields = b"Host: a\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(count - 1))
    return b"GET / HTTP/1.1\r\n" + fields + b"\r\n"


@pytest.mark.parametrize("limit", [5, config.MAX_HEADER_COUNT])
def test_header_count_at_the_limit_is_accepted(limit):
    assert events_from(head_with_fields(limit), max_header_count=limit)[0][0] == "head"


@pytest.mark.parametrize("limit", [5, config.MAX_HEADER_COUNT])
def test_header_count_over_the_limit_is_431(limit):
    assert first_error(head_with_fields(limit + 1), max_header_count=limit) == 431


def post_with_length(n: int) -> bytes:
    return b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % n


def test_body_length_at_the_limit_is_accepted():
    assert events_from(post_with_length(10) + b"x" * 10, max_body_bytes=10)[1] == (
        "body", b"x" * 10)
    assert events_from(post_with_length(config.MAX_BODY_BYTES))[0][0] == "head"


def test_body_length_over_the_limit_is_413_before_the_body_arrives():
    assert first_error(post_with_length(11), max_body_bytes=10) == 413
    assert first_error(post_with_length(config.MAX_BODY_BYTES + 1)) == 413


def chunked_post(*chunks: bytes) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    return b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n"


def test_chunked_body_at_the_limit_is_accepted():
    assert events_from(chunked_post(b"x" * 4, b"y" * 6), max_body_bytes=10)[1] == (
        "body", b"xxxxyyyyyy")


def test_chunked_body_over_the_limit_is_413():
    assert first_error(chunked_post(b"x" * 4, b"y" * 7), max_body_bytes=10) == 413


def test_chunk_size_beyond_the_limit_is_413_before_its_data():
    data = (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"ffffffffffffffff\r\n")
    assert first_error(data) == 413


def test_limits_come_from_config():
    with pytest.raises(ProtocolError) as excinfo:
        parser = RequestParser(max_header_count=1)
        parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n")
        parser.next_event()
    assert excinfo.value.status == 431


def test_head_trickled_byte_by_byte_costs_linear_time():
    # Rescanning the whole incomplete head on every byte would make a client that
    # trickles 32 KiB cost the server seconds of CPU (about 2 s here, before).
    data = head_of_size(config.MAX_HEAD_BYTES)
    parser = RequestParser()
    started = time.perf_counter()
    for i in range(len(data) - 1):
        parser.feed(data[i:i + 1])
        assert parser.next_event() is NEED_DATA
    parser.feed(data[-1:])
    assert parser.next_event().method == "GET"
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("data", [
    b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\nY: 2\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n\nX: 1\r\n\r\n",
    b"GET / HTTP/1.1\r\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX: \x00\r\n\r\n",
])
def test_bare_lf_and_nul_are_found_however_the_head_is_split(data):
    for cut in range(1, len(data)):
        assert events_from(data[:cut], data[cut:]) == [("error", 400)], cut


def test_doubly_broken_head_gets_one_status_however_it_is_split():
    data = b"GET / HTTP/9.1\r\nHost: a\nX: b\r\n\r\n"  # bad version and a bare LF
    assert {events_from(data[:cut], data[cut:])[-1] for cut in range(1, len(data))} == {
        ("error", 400)}


def test_a_request_line_heard_again_parses_the_same_and_a_bad_one_is_refused_every_time():
    from reactor import request_head as parser_module
    for _ in range(2):
        parser = RequestParser()
        parser.feed(b"GET /a%20b?x=1 HTTP/1.0\r\n\r\n")
        request = parser.next_event()
        assert (request.method, request.target, request.path, request.query_string,
                request.version) == ("GET", "/a%20b?x=1", "/a b", "x=1", "1.0")
    for _ in range(2):
        parser = RequestParser()
        parser.feed(b"GET /a HTTP/2.0\r\nHost: t\r\n\r\n")
        with pytest.raises(ProtocolError) as caught:
            parser.next_event()
        assert caught.value.status == 505
    assert "GET /a HTTP/2.0" not in parser_module.REQUEST_LINES


def test_the_request_line_memo_is_bounded():
    from reactor import request_head as parser_module
    for i in range(parser_module.MAX_REQUEST_LINES + 10):
        parser = RequestParser()
        parser.feed(b"GET /page-%d HTTP/1.1\r\nHost: t\r\n\r\n" % i)
        assert parser.next_event().path == f"/page-{i}"
    assert len(parser_module.REQUEST_LINES) <= parser_module.MAX_REQUEST_LINES


def test_a_field_block_heard_again_gives_the_same_headers_and_a_bad_one_is_refused_every_time():
    from reactor import request_head as parser_module
    good = b"GET / HTTP/1.1\r\nHost: t\r\nX-Thing:  a b \r\nCookie: s=1\r\n\r\n"
    bad = b"GET / HTTP/1.1\r\nHost: t\r\nX-Thing : a\r\n\r\n"
    for _ in range(2):
        parser = RequestParser()
        parser.feed(good)
        request = parser.next_event()
        assert request.headers.items() == [("host", "t"), ("x-thing", "a b"), ("cookie", "s=1")]
        request.headers.items().append(("x-more", "1"))  # a copy: the kept fields stay as they were
    for _ in range(2):
        parser = RequestParser()
        parser.feed(bad)
        with pytest.raises(ProtocolError) as caught:
            parser.next_event()
        assert caught.value.status == 400
    assert len(parser_module.FIELD_BLOCKS) <= parser_module.MAX_FIELD_BLOCKS

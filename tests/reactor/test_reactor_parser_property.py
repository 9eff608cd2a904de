"""Property: any stream of valid requests, cut anywhere, parses to the same events."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from parsing import events_from

METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
SEGMENT = st.text(alphabet="abcXYZ019-._~%20", min_size=0, max_size=8).map(
    lambda s: s.replace("%", "%25").replace("%2520", "%20"))
PATHS = st.lists(SEGMENT, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
QUERIES = st.one_of(st.just(""), st.text(alphabet="ab=&1", max_size=8).map(lambda q: "?" + q))
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789!#$&'*+.^_`|~", min_size=1,
                max_size=10).filter(lambda n: n.lower() not in (
                    "host", "content-length", "transfer-encoding", "connection", "expect"))
VALUES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                        blacklist_characters="\x7f"), max_size=20)
BODIES = st.binary(max_size=64)


@st.composite
def chunked_body(draw, body: bytes) -> bytes:
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(body) - 1)), max_size=4)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    out = bytearray()
    for piece in pieces:
        if not piece:
            continue
        ext = draw(st.sampled_from([b"", b";a=1", b';q="x y"', b" ;ext"]))
        out += b"%x%s\r\n%s\r\n" % (len(piece), ext, piece)
    out += b"0\r\n"
    for name, value in draw(st.lists(st.tuples(NAMES, VALUES), max_size=2)):
        out += f"{name}: {value}".encode("latin-1") + b"\r\n"
    return bytes(out + b"\r\n")


@st.composite
def requests(draw) -> bytes:
    method = draw(METHODS)
    target = draw(PATHS) + draw(QUERIES)
    version = draw(st.sampled_from(["1.1", "1.0"]))
    lines = [f"{method} {target} HTTP/{version}"]
    if version == "1.1" or draw(st.booleans()):
        lines.append(f"Host: {draw(st.sampled_from(['a', 'example.com:8080', '[::1]']))}")
    lines += [f"{n}: {v}" for n, v in draw(st.lists(st.tuples(NAMES, VALUES), max_size=4))]
    framing = draw(st.sampled_from(["none", "length", "chunked"]))
    body = draw(BODIES) if framing != "none" else b""
    if framing == "length":
        lines.append(f"Content-Length: {len(body)}")
    elif framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
        body = draw(chunked_body(body))
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return draw(st.sampled_from([b"", b"\r\n"])) + head + body


@settings(max_examples=150, deadline=None)
@given(st.lists(requests(), min_size=1, max_size=4), st.data())
def test_any_valid_request_stream_parses_the_same_however_it_is_cut(stream, data):
    raw = b"".join(stream)
    whole = events_from(raw)
    assert [e[0] for e in whole].count("end") == len(stream)
    assert not any(e[0] == "error" for e in whole)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(raw)), max_size=12)))
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert events_from(*(p for p in pieces if p)) == whole  # b"" would mean EOF

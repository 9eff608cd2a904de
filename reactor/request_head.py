"""The parts of a request head, each checked as RFC 9112 says: the request line,
the field block, the Host value and the framing fields (Content-Length,
Transfer-Encoding), for `reactor.parser`.

What a server hears again and again is remembered by its text: request lines,
field blocks and Host values that parsed (never ones that failed, so a bad one is
refused every time). Each memo is bounded and starts over when full, so a client
sending endless new lines costs a parse each, as it would without the memo.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from .errors import MalformedRequest, ProtocolError
from .grammar import FIELD, FIELD_VALUE, TOKEN
from .readers import ChunkedReader

__all__ = [
    "FIELD_BLOCKS", "GOOD_HOSTS", "MAX_FIELD_BLOCKS", "MAX_GOOD_HOSTS", "MAX_KEPT_BLOCK_CHARS",
    "MAX_REQUEST_LINES", "REQUEST_LINES", "chunked_reader", "content_length",
    "framing_fields", "parse_field_block", "parse_new_request_line", "valid_host",
]

# The head is matched as latin-1 text; every class below is spelled out in ASCII
# ranges, so it means the same as it would on bytes.
_REQUEST_LINE = re.compile(r"(" + TOKEN + r") ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])")
# Only to tell 505 from 400, on bytes: there `\S` is ASCII-only, as intended.
_LOOKS_LIKE_HTTP = re.compile(rb"\S+ \S+ HTTP/[0-9.]+\Z")
_VERSION = re.compile(rb"HTTP/[0-9]+\.[0-9]+")
_REQUEST_LINE_BYTES = re.compile(_REQUEST_LINE.pattern.encode("ascii"))
# All field lines at once: neither class can cross a CRLF, so each match is one
# whole line, and "as many matches as lines" means every line is well-formed.
_FIELD_LINES = re.compile(r"^(" + TOKEN + r"):(" + FIELD_VALUE + r")\r\n", re.MULTILINE)
# Header names the parser acts on; the rest are only stored.
FRAMING_FIELDS = frozenset({"host", "content-length", "transfer-encoding", "connection",
                             "expect"})
# RFC 3986 reg-name / IPv4 / IP-literal, then an optional port.
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?\Z")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")


# Request lines parsed before, by their text: a server hears the same few (its
# pages, its assets) again and again, and a line's parts depend on nothing else.
# Only lines that parsed are kept; bounded: full, it starts over.
REQUEST_LINES: dict[str, tuple] = {}
MAX_REQUEST_LINES = 256


def parse_new_request_line(line: str) -> tuple:
    """(method, target, path, query, version) of a request line; raises
    ProtocolError (400, 501 or 505) when it is not one we serve."""
    m = _REQUEST_LINE.fullmatch(line)
    if m is None:
        _raise_request_line_error(line.encode("latin-1"))
    method, target, major, minor = m.groups()
    if major != "1":
        raise ProtocolError(505, "HTTP version not supported")
    version = "1.1" if minor != "0" else "1.0"
    path, query = _split_target(method, target)
    return method, target, path, query, version


# Field blocks parsed before, by their text, as (lower-case name, value) pairs: a
# client sends the same fields (its Host, User-Agent, Cookie, ...) on every request.
# Only well-formed blocks of at most 4 KiB are kept, at most 256, starting over when full.
FIELD_BLOCKS: dict[str, tuple] = {}
MAX_FIELD_BLOCKS = 256
MAX_KEPT_BLOCK_CHARS = 4096


def parse_field_block(block: str, count: int) -> tuple:
    fields = _FIELD_LINES.findall(block)
    if len(fields) != count:
        _raise_field_error(block.split("\r\n")[:-1])
    fields = tuple([(name.lower(), value.strip(" \t")) for name, value in fields])
    if len(block) <= MAX_KEPT_BLOCK_CHARS:
        if len(FIELD_BLOCKS) >= MAX_FIELD_BLOCKS:
            FIELD_BLOCKS.clear()
        FIELD_BLOCKS[block] = fields
    return fields


# Host values that matched _HOST: a server hears a handful of them, so most heads
# skip the regex. Bounded: full, it starts over.
GOOD_HOSTS: set[str] = set()
MAX_GOOD_HOSTS = 256


def valid_host(value: str) -> bool:
    if _HOST.match(value) is None:
        return False
    if len(GOOD_HOSTS) >= MAX_GOOD_HOSTS:
        GOOD_HOSTS.clear()
    GOOD_HOSTS.add(value)
    return True


def framing_fields(fields):
    """(hosts, lengths, codings, connection, expect) of a head that repeats a name:
    every Host, Content-Length and Transfer-Encoding value, the Connection values
    joined with commas, the last Expect."""
    hosts, lengths, codings, connection, expect = [], [], [], "", None
    for name, value in fields:
        if name not in FRAMING_FIELDS:
            continue
        if name == "host":
            hosts.append(value)
        elif name == "content-length":
            lengths.append(value)
        elif name == "transfer-encoding":
            codings.append(value)
        elif name == "connection":
            connection = connection + "," + value if connection else value
        elif name == "expect":
            expect = value
    return hosts, lengths, codings, connection, expect


def chunked_reader(values, max_body_bytes: int) -> ChunkedReader:
    """The reader for a Transfer-Encoding whose final coding is chunked."""
    codings = [c.strip().lower() for v in values for c in v.split(",")]
    codings = [c for c in codings if c]
    if not codings:
        raise MalformedRequest("Empty Transfer-Encoding")
    for coding in codings:
        if coding not in ("chunked", "gzip", "deflate", "compress", "x-gzip", "identity"):
            raise ProtocolError(501, f"Transfer coding not implemented: {coding}")
    if codings[-1] != "chunked" or codings.count("chunked") > 1:
        raise MalformedRequest("chunked must be the final transfer coding, once")
    if len(codings) > 1:
        raise ProtocolError(501, "Only the chunked transfer coding is implemented")
    return ChunkedReader(max_body_bytes)


def _raise_request_line_error(line: bytes):
    # 505 only when the version is the one thing wrong with the line.
    if _LOOKS_LIKE_HTTP.match(line) and line.count(b" ") == 2:
        version = line.rsplit(b" ", 1)[1]
        if (_VERSION.fullmatch(version)
                and _REQUEST_LINE_BYTES.fullmatch(line[:-len(version)] + b"HTTP/1.1")):
            raise ProtocolError(505, "HTTP version not supported")
    raise MalformedRequest("Malformed request line")


def _raise_field_error(lines):
    """Say what is wrong with the first malformed field line."""
    for line in lines:
        if FIELD.fullmatch(line) is None:
            if line[:1] in (" ", "\t"):
                raise MalformedRequest("Obsolete line folding is not allowed")
            if ":" in line and line.split(":", 1)[0][-1:] in (" ", "\t"):
                raise MalformedRequest("Whitespace before a header field's colon")
            raise MalformedRequest("Malformed header field")
    raise AssertionError("no malformed field line in a head that failed to match")


def content_length(values) -> int:
    """The one length all Content-Length values agree on (RFC 9112 §6.3 item 5)."""
    seen = set()
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part.isdigit() or not part.isascii() or len(part) > 18:
                raise MalformedRequest("Invalid Content-Length")
            seen.add(int(part))
    if len(seen) != 1:
        raise MalformedRequest("Conflicting Content-Length values")
    return seen.pop()


def _split_target(method: str, target: str):
    """(decoded path, query string) for origin-, absolute- or asterisk-form."""
    if target[0] == "/":
        raw_path, _, query = target.partition("?")
    elif target == "*":
        if method != "OPTIONS":
            raise MalformedRequest("Asterisk-form target is only for OPTIONS")
        return "*", ""
    elif method == "CONNECT":
        raise ProtocolError(501, "CONNECT is not implemented")
    else:
        m = _ABSOLUTE.match(target)
        if m is None:
            raise MalformedRequest("Invalid request target")
        rest = target[m.end():] or "/"
        if rest[0] == "?":
            rest = "/" + rest
        raw_path, _, query = rest.partition("?")
    raw_path = raw_path.partition("#")[0]
    try:
        path = unquote(raw_path, errors="strict") if "%" in raw_path else raw_path
    except UnicodeDecodeError:
        raise MalformedRequest("Path is not valid UTF-8 once percent-decoded") from None
    if "\x00" in path:
        raise MalformedRequest("NUL byte in path")
    return path, query

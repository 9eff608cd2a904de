"""Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data`.

Both are parsed with python-multipart's streaming parsers, reading the body from
`request.body_stream()` in slices (a spilled upload is never loaded whole), and
with limits that answer 413: bytes per text field, number of fields, bytes per
file. Files go to a `SpooledTemporaryFile` (memory up to 1 MiB, then disk).

Parsing a 5 MiB multipart body is pure CPU, so handlers that accept uploads run
`parse_form` on the pool (`server.defer`); small urlencoded forms can be parsed on
the loop. Field names and values are decoded as UTF-8 (400 otherwise).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, QuerystringParser, parse_options_header

from .config import MAX_FORM_FIELD_BYTES, MAX_FORM_FIELDS, MAX_IMAGE_BYTES
from .errors import BadRequest, TooLarge, UnsupportedMediaType

__all__ = ["Form", "FormLimits", "JSON", "MULTIPART", "URLENCODED", "UploadedFile", "body_size",
           "media_type", "parse_form"]

READ_CHUNK_BYTES = 64 * 1024
# A urlencoded form is parsed on the loop thread. The biggest real one is the
# composer's 5,000-character post, 60 KB when every character is %-encoded
# UTF-8; 64 fields of 64 KiB (4 MiB of %41) would take 0.3 s to decode.
MAX_URLENCODED_BYTES = 256 * 1024
SPOOL_MEMORY_BYTES = 1024 * 1024
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"


@dataclasses.dataclass(frozen=True)
class FormLimits:
    """Caps on one form; exceeding any of them is a 413."""

    max_field_bytes: int = MAX_FORM_FIELD_BYTES
    max_fields: int = MAX_FORM_FIELDS
    max_file_bytes: int = MAX_IMAGE_BYTES

    @classmethod
    def from_config(cls, config) -> FormLimits:
        return cls(config.max_form_field_bytes, config.max_form_fields, config.max_image_bytes)


@dataclasses.dataclass
class UploadedFile:
    """One file part. `file` is positioned at 0; `filename` and `content_type` are
    what the client claimed and are never trusted for anything."""

    field_name: str
    filename: str
    content_type: str
    file: tempfile.SpooledTemporaryFile
    size: int

    def close(self) -> None:
        self.file.close()


class Form:
    """Parsed fields (name -> list of str) and files (name -> UploadedFile)."""

    def __init__(self):
        self.fields: dict[str, list[str]] = {}
        self.files: dict[str, UploadedFile] = {}

    def get(self, name: str, default: str | None = "") -> str | None:
        """The first value of field `name`, or `default`."""
        values = self.fields.get(name)
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return list(self.fields.get(name, ()))

    def file(self, name: str) -> UploadedFile | None:
        """The non-empty file sent as `name`, or None (a browser sends an empty
        part with no filename when no file was picked)."""
        return self.files.get(name)

    def close(self) -> None:
        for upload in self.files.values():
            upload.close()

    def _add_field(self, name: bytes, value: bytes) -> None:
        field = _decode(name)
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            # Most often a file sent without a filename, which makes it a text field.
            raise BadRequest(f"The field “{field[:40]}” is not UTF-8 text; send a file "
                             "as a part with a filename.") from None
        self.fields.setdefault(field, []).append(text)


def media_type(request) -> str:
    """The request's Content-Type without parameters, lower-cased ("" if absent).

    The one place the app reads a media type: the CSRF rules, JSON bodies and
    forms all compare this with URLENCODED, MULTIPART or JSON."""
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def parse_form(request, limits: FormLimits | None = None) -> Form:
    """Parse the request body as a form; 415 for other content types, 400 when
    malformed, 413 over a limit. Blocking CPU work for big bodies (see module doc)."""
    limits = limits or FormLimits()
    ctype = media_type(request)
    if ctype == URLENCODED:
        return _parse_urlencoded(request, limits)
    if ctype == MULTIPART:
        return _parse_multipart(request, limits)
    raise UnsupportedMediaType("Send the form as urlencoded or multipart/form-data.")


def _feed(request, parser) -> None:
    stream = request.body_stream()
    try:
        while chunk := stream.read(READ_CHUNK_BYTES):
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise BadRequest(f"The form is malformed: {exc}") from None


def _parse_urlencoded(request, limits: FormLimits) -> Form:
    if body_size(request) > MAX_URLENCODED_BYTES:
        raise TooLarge(f"Forms may be up to {MAX_URLENCODED_BYTES // 1024} KiB.")
    form = Form()
    name, value = bytearray(), bytearray()
    state = {"fields": 0}

    def on_field_start():
        state["fields"] += 1
        if state["fields"] > limits.max_fields:
            raise TooLarge("The form has too many fields.")
        name.clear()
        value.clear()

    def on_data(target):
        def append(data, start, end):
            target.extend(data[start:end])
            if len(name) + len(value) > limits.max_field_bytes:
                raise TooLarge("A form field is too large.")
        return append

    def on_field_end():
        form._add_field(_unquote(name), _unquote(value))

    _feed(request, QuerystringParser(callbacks={
        "on_field_start": on_field_start, "on_field_name": on_data(name),
        "on_field_data": on_data(value), "on_field_end": on_field_end}))
    return form


def _parse_multipart(request, limits: FormLimits) -> Form:
    _, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("The multipart body has no boundary.")
    collector = _PartCollector(limits)
    try:
        _feed(request, MultipartParser(boundary, collector.callbacks()))
    except BaseException:
        collector.form.close()
        collector.discard_part()
        raise
    if not collector.ended:
        collector.form.close()
        raise BadRequest("The multipart body is truncated.")
    return collector.form


class _PartCollector:
    """Assembles python-multipart's part events into fields and files."""

    def __init__(self, limits: FormLimits):
        self.limits = limits
        self.form = Form()
        self.ended = False
        self.parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._name = b""
        self._filename: bytes | None = None
        self._buffer = bytearray()
        self._file = None
        self._size = 0

    def callbacks(self) -> dict:
        return {"on_part_begin": self.on_part_begin, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
                "on_part_data": self.on_part_data, "on_part_end": self.on_part_end,
                "on_end": self.on_end}

    def on_part_begin(self):
        self.parts += 1
        if self.parts > self.limits.max_fields:
            raise TooLarge("The form has too many fields.")
        self._headers = {}
        self._buffer = bytearray()
        self._size = 0

    def on_header_field(self, data, start, end):
        self._header_name.extend(data[start:end])

    def on_header_value(self, data, start, end):
        self._header_value.extend(data[start:end])

    def on_header_end(self):
        self._headers[bytes(self._header_name).strip().lower()] = bytes(self._header_value).strip()
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self):
        disposition, params = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in params:
            raise BadRequest("A multipart part has no form-data name.")
        self._name = params[b"name"]
        self._filename = params.get(b"filename")
        if self._filename is not None:
            self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)

    def on_part_data(self, data, start, end):
        self._size += end - start
        if self._file is not None:
            if self._size > self.limits.max_file_bytes:
                raise TooLarge(f"Files may be up to {_mib(self.limits.max_file_bytes)}.")
            self._file.write(data[start:end])
        else:
            if self._size > self.limits.max_field_bytes:
                raise TooLarge("A form field is too large.")
            self._buffer.extend(data[start:end])

    def on_part_end(self):
        if self._file is None:
            self.form._add_field(self._name, bytes(self._buffer))
            return
        upload_file, self._file = self._file, None
        if self._size == 0 and not self._filename:
            upload_file.close()  # the empty part of a file input left blank
            return
        upload_file.seek(0)
        ctype = self._headers.get(b"content-type", b"application/octet-stream")
        name = _decode(self._name)
        previous = self.form.files.pop(name, None)
        if previous is not None:
            previous.close()
        self.form.files[name] = UploadedFile(name, _decode(self._filename or b""),
                                             ctype.decode("latin-1"), upload_file, self._size)

    def on_end(self):
        self.ended = True

    def discard_part(self):
        if self._file is not None:
            self._file.close()
            self._file = None


def body_size(request) -> int:
    """How many bytes the request's body holds (in memory or spilled to disk)."""
    if request.body_file is None:
        return len(request.body)
    request.body_file.seek(0, os.SEEK_END)
    return request.body_file.tell()


def _unquote(raw: bytearray) -> bytes:
    return unquote_to_bytes(bytes(raw).replace(b"+", b" "))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Form fields must be UTF-8.") from None


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"

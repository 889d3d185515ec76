"""Forms, decoded once for every host: urlencoded and multipart, sans-IO.

A host hands over the request's body chunk by chunk (and its ``Content-Type``);
a ``FormDecoder`` feeds them to python-multipart's push parsers, enforces the
``FormLimits`` with one set of messages, and spools files to temporary files
past ``SPOOL_SIZE`` bytes, so a body is never held whole in memory. The two
drivers, ``read_form_sync`` and ``read_form_async``, differ only in how they
pull chunks and where a file's disk writes run.

What it accepts and refuses is what FastAPI (Starlette) accepts and refuses,
status codes aside: a form limit answers 413 here, where Starlette answers 400.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from tempfile import SpooledTemporaryFile
from typing import Any, cast
from urllib.parse import unquote_plus

from pydantic import ConfigDict, NonNegativeInt, TypeAdapter, with_config
from typing_extensions import TypedDict

from ..datastructures import FormData, Headers, UploadFile
from ..exceptions import DualwebError, HTTPException

try:
    import python_multipart
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import parse_options_header
except ImportError:  # checked when a router with a form route is mounted
    python_multipart = None  # type: ignore[assignment]

__all__ = [
    "SPOOL_SIZE",
    "FormDecoder",
    "FormLimits",
    "FormLimitsSetting",
    "MultipartDecoder",
    "UrlencodedDecoder",
    "decoder_for",
    "limits_set",
    "read_form_async",
    "read_form_sync",
    "require_parser",
]

#: Bytes of one uploaded file kept in memory before it rolls over to disk (Starlette's).
SPOOL_SIZE = 1024 * 1024

Offload = Callable[..., Awaitable[Any]]


class FormLimits:
    """How much a form may hold; beyond any limit the request is answered 413.

    ``max_fields`` non-file fields, ``max_files`` files, ``max_part_size``
    bytes in one non-file field (files stream to temporary files instead).
    """

    __slots__ = ("max_fields", "max_files", "max_part_size")

    def __init__(
        self, *, max_fields: int = 1000, max_files: int = 1000, max_part_size: int = 1024 * 1024
    ) -> None:
        for name, value in (
            ("max_fields", max_fields),
            ("max_files", max_files),
            ("max_part_size", max_part_size),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        self.max_fields = max_fields
        self.max_files = max_files
        self.max_part_size = max_part_size

    def too_many_fields(self) -> HTTPException:
        """The 413 for a form with more than ``max_fields`` fields."""
        return HTTPException(
            413, f"Too many fields. Maximum number of fields is {self.max_fields}."
        )

    def too_many_files(self) -> HTTPException:
        """The 413 for a form with more than ``max_files`` files."""
        return HTTPException(413, f"Too many files. Maximum number of files is {self.max_files}.")

    def part_too_large(self) -> HTTPException:
        """The 413 for a non-file field longer than ``max_part_size``."""
        return HTTPException(413, f"Part exceeded maximum size of {self.max_part_size // 1024}KB.")

    def __repr__(self) -> str:
        return (
            f"FormLimits(max_fields={self.max_fields}, max_files={self.max_files}, "
            f"max_part_size={self.max_part_size})"
        )


# NOTE: named as FastAPI names its own, so that a bad mapping's ValidationError reads the
# same word for word ("1 validation error for _FormLimits").
@with_config(ConfigDict(strict=True, extra="forbid"))
class _FormLimits(TypedDict, total=False):
    """``form_limits`` as FastAPI takes it: a mapping of some of the three limits."""

    max_fields: NonNegativeInt
    max_files: NonNegativeInt
    max_part_size: NonNegativeInt


_LIMITS_MAPPING = TypeAdapter(_FormLimits)

#: What ``form_limits=`` takes: a ``FormLimits``, or a mapping as FastAPI takes it.
FormLimitsSetting = FormLimits | Mapping[str, int]


def limits_set(setting: FormLimitsSetting | None) -> dict[str, int]:
    """The limits a declaration sets, by name: all three for a ``FormLimits``, the keys of a
    mapping (checked as FastAPI checks them: a pydantic ``ValidationError`` for an unknown
    key or a value that is not a non-negative integer), none for None. The routers around
    an operation set the limits it does not."""
    if setting is None:
        return {}
    if isinstance(setting, FormLimits):
        return {name: getattr(setting, name) for name in FormLimits.__slots__}
    return dict(cast(Mapping[str, int], _LIMITS_MAPPING.validate_python(setting)))


def require_parser(path: str) -> None:
    """Fail at mount time, clearly, when the form route ``path`` cannot be served."""
    if python_multipart is None:
        raise DualwebError(
            f"{path} reads a form (Form()/File()/UploadFile), which dualweb parses with "
            "python-multipart; install it: pip install python-multipart "
            "(every host extra of dualweb brings it)"
        )


def _bad_request(detail: str) -> HTTPException:
    return HTTPException(400, detail)


def _decode_text(raw: bytes | bytearray, charset: str) -> str:
    # As Starlette: a name or value the declared charset cannot decode is read as latin-1.
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("latin-1")


class FormDecoder:
    """One request's form, decoded from the chunks fed to it.

    ``feed`` each chunk, then ``close`` for the form. File data goes to
    ``pending`` (the drivers write it) rather than to the file itself, so that
    an event loop can write a rolled-over file in a worker thread. This base
    decodes any content type that is not a form: as an empty form, as Starlette.
    """

    def __init__(self, limits: FormLimits) -> None:
        self.limits = limits
        self.items: list[tuple[str, Any]] = []
        #: (file, data) writes waiting to be done by the driver, in order.
        self.pending: list[tuple[UploadFile, bytes]] = []
        self.files: list[UploadFile] = []
        self.fields = 0
        self.parser: Any = None

    def count_field(self) -> None:
        self.fields += 1
        if self.fields > self.limits.max_fields:
            raise self.limits.too_many_fields()

    def feed(self, chunk: bytes) -> None:
        """Parse one chunk of the body."""
        if self.parser is not None and chunk:
            try:
                self.parser.write(chunk)
            except FormParserError:
                raise _bad_request("Invalid multipart data.") from None

    def close(self) -> FormData:
        """The form, once every chunk has been fed (and every pending write done)."""
        if self.parser is not None:
            try:
                self.parser.finalize()
            except FormParserError:
                raise _bad_request("Invalid multipart data.") from None
        for upload in self.files:
            upload.file.seek(0)
        return FormData(self.items)

    def discard(self) -> None:
        """Close every file made so far (the form failed)."""
        for upload in self.files:
            upload.file.close()


class UrlencodedDecoder(FormDecoder):
    """``application/x-www-form-urlencoded``: fields only."""

    def __init__(self, limits: FormLimits) -> None:
        super().__init__(limits)
        self._name = bytearray()
        self._value = bytearray()
        self._size = 0
        self._open = False
        self.parser = python_multipart.QuerystringParser(
            {
                "on_field_start": self._on_field_start,
                "on_field_name": self._on_field_name,
                "on_field_data": self._on_field_data,
                "on_field_end": self._on_field_end,
            }
        )

    def _on_field_start(self) -> None:
        self._name = bytearray()
        self._value = bytearray()
        self._size = 0
        self._open = True

    def close(self) -> FormData:
        form = super().close()
        if not self._open:
            return form
        # A last field without ``=`` (``a=&b``): python-multipart before 0.0.25 finalizes
        # it without on_field_end.
        self._on_field_end()
        return FormData(self.items)

    def _grow(self, size: int) -> None:
        # A field counts its name and its value, as Starlette counts it.
        self._size += size
        if self._size > self.limits.max_part_size:
            raise self.limits.part_too_large()

    def _on_field_name(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self._name += data[start:end]

    def _on_field_data(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self._value += data[start:end]

    def _on_field_end(self) -> None:
        self._open = False
        self.count_field()
        name = unquote_plus(self._name.decode("latin-1"))
        self.items.append((name, unquote_plus(self._value.decode("latin-1"))))


class MultipartDecoder(FormDecoder):
    """``multipart/form-data``: fields, and files spooled to temporary files."""

    def __init__(self, limits: FormLimits, options: dict[bytes, bytes]) -> None:
        super().__init__(limits)
        charset = options.get(b"charset", b"utf-8").decode("latin-1")
        try:
            self._charset = codecs.lookup(charset).name
        except LookupError:
            self._charset = "latin-1"
        boundary = options.get(b"boundary")
        if boundary is None:
            raise _bad_request("Missing boundary in multipart.")
        self._header_name = b""
        self._header_value = b""
        self._part_headers: list[tuple[bytes, bytes]] = []
        self._disposition: bytes | None = None
        self._part_name = ""
        self._data = bytearray()
        self._file: UploadFile | None = None
        self.parser = python_multipart.MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
            },
        )

    def _on_part_begin(self) -> None:
        self._part_headers = []
        self._disposition = None
        self._data = bytearray()
        self._file = None

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_name.lower()
        if name == b"content-disposition":
            self._disposition = self._header_value
        self._part_headers.append((name, self._header_value))
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise _bad_request('The Content-Disposition header field "name" must be provided.')
        self._part_name = _decode_text(options[b"name"], self._charset)
        if b"filename" not in options:
            self.count_field()
            return
        if len(self.files) >= self.limits.max_files:
            raise self.limits.too_many_files()
        headers = Headers(
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._part_headers]
        )
        upload = UploadFile(
            SpooledTemporaryFile(max_size=SPOOL_SIZE),  # type: ignore[arg-type]  # noqa: SIM115
            size=0,
            filename=_decode_text(options[b"filename"], self._charset),
            headers=headers,
        )
        self.files.append(upload)
        self._file = upload

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self.pending.append((self._file, data[start:end]))
            return
        if len(self._data) + (end - start) > self.limits.max_part_size:
            raise self.limits.part_too_large()
        self._data += data[start:end]

    def _on_part_end(self) -> None:
        if self._file is None:
            self.items.append((self._part_name, _decode_text(self._data, self._charset)))
        else:
            self.items.append((self._part_name, self._file))


def decoder_for(content_type: str | None, limits: FormLimits) -> FormDecoder:
    """The decoder for a body of ``content_type`` (what is not a form reads as empty)."""
    kind, options = parse_options_header(content_type)
    if kind == b"multipart/form-data":
        return MultipartDecoder(limits, options)
    if kind == b"application/x-www-form-urlencoded":
        return UrlencodedDecoder(limits)
    return FormDecoder(limits)


def _write(pending: list[tuple[UploadFile, bytes]]) -> None:
    for upload, data in pending:
        upload.file.write(data)
        upload.size = (upload.size or 0) + len(data)


def read_form_sync(
    chunks: Iterator[bytes], content_type: str | None, limits: FormLimits
) -> FormData:
    """The form of a body read synchronously (a WSGI host)."""
    decoder = decoder_for(content_type, limits)
    try:
        for chunk in chunks:
            decoder.feed(chunk)
            _write(decoder.pending)
            decoder.pending.clear()
        return decoder.close()
    except BaseException:
        decoder.discard()
        raise


async def read_form_async(
    chunks: AsyncIterator[bytes], content_type: str | None, limits: FormLimits, offload: Offload
) -> FormData:
    """The form of a body received on an event loop; disk writes run through ``offload``."""
    decoder = decoder_for(content_type, limits)
    try:
        async for chunk in chunks:
            decoder.feed(chunk)
            pending = decoder.pending
            if pending:
                # In memory, a write is a copy; once a file has rolled over to disk,
                # the batch is written in a worker thread, off the event loop.
                if any(_on_disk(upload, data) for upload, data in pending):
                    await offload(_write, list(pending))
                else:
                    _write(pending)
                pending.clear()
        form = decoder.close()
    except BaseException:
        decoder.discard()
        raise
    for _, value in form.multi_items():
        if isinstance(value, UploadFile):
            value.offload = offload
    return form


def _on_disk(upload: UploadFile, data: bytes) -> bool:
    # True when this write rolls the spooled file over to disk, or it already has.
    file: Any = upload.file
    return bool(getattr(file, "_rolled", True)) or (upload.size or 0) + len(data) > SPOOL_SIZE

"""Portable response types: a status, headers and a body, rendered by the core.

A host only copies ``status_code``, ``raw_headers`` and ``body`` onto its own
response object, so the bytes sent are the same on every host.
"""

from __future__ import annotations

import hashlib
import http.cookies
import importlib
import json
import os
import stat
import sys
from collections.abc import (
    AsyncIterable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
)
from datetime import datetime
from email.utils import format_datetime, formatdate
from mimetypes import guess_type
from secrets import token_hex
from typing import Any, Literal
from urllib.parse import quote

from typing_extensions import deprecated

from ._core.chunks import AsyncChunks, chunks_async, chunks_sync, first_of, primed_sync
from ._core.concurrency import CallSync, run_on_thread_loop
from ._core.ranges import RangeError, parse_ranges
from .background import BackgroundTask, BackgroundTasks
from .datastructures import MutableHeaders, header_value
from .exceptions import DualwebDeprecationWarning

__all__ = [
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "MutableHeaders",
    "ORJSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "UJSONResponse",
]


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    """False for 1xx, 204, 205 and 304, which carry no body."""
    if status_code is None or status_code in {"default", "1XX", "2XX", "3XX", "4XX", "5XX"}:
        return True
    code = int(status_code)
    return not (code < 200 or code in {204, 205, 304})


def sends_content_length(status_code: int) -> bool:
    """Whether a response with this status states its length (not 1xx, 204 or 304)."""
    return not (status_code < 200 or status_code in (204, 304))


class Response:
    """A response with a body already in bytes."""

    media_type: str | None = None
    charset = "utf-8"
    default_status_code = 200
    #: Set by the core when a server error handler answered for an exception
    #: that the host must still report (after sending this response).
    unhandled: BaseException | None = None

    def __init__(
        self,
        content: Any = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTasks | BackgroundTask | None = None,
    ) -> None:
        self.status_code = self.default_status_code if status_code is None else status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self._init_headers(headers)

    def render(self, content: Any) -> bytes:
        """Turn ``content`` into the body's bytes."""
        if content is None:
            return b""
        if isinstance(content, (bytes, bytearray, memoryview)):
            return bytes(content)
        if isinstance(content, str):
            return content.encode(self.charset)
        raise TypeError(f"{type(self).__name__} cannot send {type(content).__name__} content")

    @property
    def background(self) -> BackgroundTasks | None:
        """The tasks to run once the response is sent."""
        return self._background

    @background.setter
    def background(self, value: BackgroundTasks | BackgroundTask | None) -> None:
        # One BackgroundTask (Starlette's spelling) is accepted too.
        self._background = BackgroundTasks([value]) if isinstance(value, BackgroundTask) else value

    def _init_headers(self, headers: Mapping[str, str] | None, length: bool = True) -> None:
        raw = [(k.lower(), header_value(v)) for k, v in (headers or {}).items()]
        names = {name for name, _ in raw}
        status = self.status_code
        if length and "content-length" not in names and sends_content_length(status):
            raw.append(("content-length", str(len(self.body))))
        content_type = self.media_type
        if content_type is not None and "content-type" not in names:
            if content_type.startswith("text/") and "charset=" not in content_type.lower():
                content_type += "; charset=" + self.charset
            raw.append(("content-type", content_type))
        self.raw_headers: list[tuple[str, str]] = raw

    def prepare(self, method: str, headers: Mapping[str, str]) -> Response:
        """This response, or the one to send instead, given the request's method and headers."""
        return self

    @property
    def headers(self) -> MutableHeaders:
        """The headers, to read or change."""
        return MutableHeaders(self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header with the given attributes.

        An ``int`` for ``expires`` means seconds from now (``http.cookies`` writes the date).
        """
        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = (
                format_datetime(expires, usegmt=True) if isinstance(expires, datetime) else expires
            )
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        if partitioned:
            if sys.version_info < (3, 14):
                raise ValueError("partitioned cookies need Python 3.14 or later")
            morsel["partitioned"] = True
        self.raw_headers.append(("set-cookie", cookie.output(header="").strip()))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Tell the client to drop the cookie ``key``."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )


def json_bytes_response(body: bytes, status: int, background: BackgroundTasks | None) -> Response:
    """A JSON response around bytes already encoded (a response model's, from pydantic).

    What ``Response(body, status, media_type="application/json")`` makes, built
    without the rendering steps it cannot need: the request path's fast way out.
    """
    response = Response.__new__(Response)
    response.status_code = status
    response.body = body
    response.media_type = "application/json"
    response._background = background  # a BackgroundTasks or None: nothing to convert
    if sends_content_length(status):
        response.raw_headers = [
            ("content-length", str(len(body))),
            ("content-type", "application/json"),
        ]
    else:
        response.raw_headers = [("content-type", "application/json")]
    return response


class HTMLResponse(Response):
    """An HTML page."""

    media_type = "text/html"


class PlainTextResponse(Response):
    """Plain text."""

    media_type = "text/plain"


class JSONResponse(Response):
    """Any JSON-encodable content, sent compactly as UTF-8."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8")


def _json_deprecation(name: str) -> str:
    return (
        f"{name} is deprecated, as in FastAPI: dualweb serializes data directly to JSON bytes "
        "via Pydantic when a return type or response model is set, which is faster and "
        "doesn't need a custom response class (see dualweb's docs/responses.md)"
    )


def _json_library(module: str, response_class: str) -> Any:
    # Imported when first used, as neither library is one of dualweb's dependencies.
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        raise RuntimeError(
            f"{module} must be installed to use {response_class}: pip install {module}"
        ) from None


@deprecated(_json_deprecation("UJSONResponse"), category=DualwebDeprecationWarning, stacklevel=2)
class UJSONResponse(JSONResponse):
    """JSON encoded by ujson, as FastAPI's (deprecated as there; ``ujson`` is installed apart)."""

    def render(self, content: Any) -> bytes:
        ujson = _json_library("ujson", "UJSONResponse")
        return ujson.dumps(content, ensure_ascii=False).encode("utf-8")  # type: ignore[no-any-return]


@deprecated(_json_deprecation("ORJSONResponse"), category=DualwebDeprecationWarning, stacklevel=2)
class ORJSONResponse(JSONResponse):
    """JSON encoded by orjson, as FastAPI's (deprecated as there; ``orjson`` is installed apart).

    Dict keys that are not strings are written as strings, numpy arrays as lists
    (orjson's ``OPT_NON_STR_KEYS`` and ``OPT_SERIALIZE_NUMPY``, FastAPI's options).
    """

    def render(self, content: Any) -> bytes:
        orjson = _json_library("orjson", "ORJSONResponse")
        return orjson.dumps(  # type: ignore[no-any-return]
            content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
        )


class RedirectResponse(Response):
    """A redirect to ``url`` (307 unless told otherwise)."""

    default_status_code = 307

    def __init__(
        self,
        url: str,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTasks | BackgroundTask | None = None,
    ) -> None:
        super().__init__(
            content=b"", status_code=status_code, headers=headers, background=background
        )
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


# --- streamed bodies ------------------------------------------------------------------------

Chunk = str | bytes | memoryview
SyncContent = Iterable[Chunk]
AsyncContent = AsyncIterable[Chunk]


class StreamingResponse(Response):
    """A body sent chunk by chunk as an iterator (sync or async) produces it.

    Hosts never buffer it: a WSGI host hands the chunks to the server as they
    come (an async iterator is stepped on the thread's event loop), an ASGI host
    sends each as one ``http.response.body`` message (a sync iterator is stepped
    in a worker thread).
    """

    def __init__(
        self,
        content: SyncContent | AsyncContent,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTasks | BackgroundTask | None = None,
    ) -> None:
        self.body_iterator = content
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = b""
        self._init_headers(headers, length=False)  # the length is unknown until the end

    def _encode(self, chunk: Chunk) -> bytes:
        if isinstance(chunk, str):
            return chunk.encode(self.charset)
        return bytes(chunk)

    #: The chunks, opened and primed before the response starts (a generator handler's):
    #: for a WSGI server, or for an ASGI server after ``first_chunk``.
    _primed_sync: Iterable[bytes] | None = None
    _primed_async: AsyncChunks | None = None
    #: On an ASGI host, the first chunk, pulled before the response starts (``prime_async``).
    first_chunk: bytes | None = None
    #: What ended the body early, once a WSGI server has met it (it only logs it).
    failure: BaseException | None = None

    def iter_sync(
        self, block_on: Callable[[Coroutine[Any, Any, Any]], Any] = run_on_thread_loop
    ) -> Iterable[bytes]:
        """The chunks, for a WSGI server, which closes them (async content is stepped
        through ``block_on``, by default on this thread's loop)."""
        primed = self._primed_sync
        return self.open_sync(block_on) if primed is None else primed

    def iter_async(self, to_thread: CallSync) -> AsyncChunks:
        """The chunks, for an ASGI server, which closes them once, whatever ends the
        stream (sync content is stepped in worker threads); after ``first_chunk``, if
        the stream was primed."""
        primed = self._primed_async
        return self.open_async(to_thread) if primed is None else primed

    def prime_sync(self, block_on: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        """Pull the first chunk now, before the response starts: an exception the
        content raises before it is the handler's, raised here."""
        self._primed_sync = primed_sync(self.open_sync(block_on))

    async def prime_async(self, to_thread: CallSync) -> None:
        """``prime_sync``'s twin, on an event loop: the chunk is kept in ``first_chunk``."""
        opened = self._primed_async = self.open_async(to_thread)
        self.first_chunk = await first_of(opened)

    def open_sync(self, block_on: Callable[[Coroutine[Any, Any, Any]], Any]) -> Iterator[bytes]:
        """The content's chunks, pulled from its start, for a WSGI server."""
        return chunks_sync(self.body_iterator, self._encode, block_on, self._failed)

    def open_async(self, to_thread: CallSync) -> AsyncChunks:
        """The content's chunks, pulled from its start, for an ASGI server."""
        return chunks_async(self.body_iterator, self._encode, to_thread)

    def _failed(self, exc: BaseException) -> None:
        self.failure = exc


class FileResponse(StreamingResponse):
    """A file from disk, streamed in chunks, with FastAPI's headers and range support.

    The media type is guessed from the file name; ``filename`` adds a
    ``Content-Disposition``; ``Content-Length``, ``Last-Modified`` and ``ETag``
    come from the file's metadata. A HEAD request gets the headers only, and a
    ``Range`` request the parts it asks for (206), as Starlette serves them.
    """

    chunk_size = 64 * 1024
    max_ranges = 100

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTasks | BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.filename = filename
        self._head_only = method == "HEAD"
        self._ranges: list[tuple[int, int]] | None = None
        if media_type is None:
            media_type = guess_type(filename or os.fspath(path))[0] or "application/octet-stream"
        super().__init__(
            (),
            status_code=status_code,
            headers=headers,
            media_type=media_type,
            background=background,
        )
        self.body_iterator = self._chunks()
        given = self.headers  # headers the caller gave win over the file's own
        given.setdefault("accept-ranges", "bytes")
        if filename is not None:
            quoted = quote(filename)
            if quoted != filename:
                disposition = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                disposition = f'{content_disposition_type}; filename="{filename}"'
            given.setdefault("content-disposition", disposition)
        if stat_result is None:
            try:
                stat_result = os.stat(path)
            except FileNotFoundError:
                raise RuntimeError(f"File at path {os.fspath(path)} does not exist.") from None
        if not stat.S_ISREG(stat_result.st_mode):
            raise RuntimeError(f"File at path {os.fspath(path)} is not a file.")
        self.stat_result = stat_result
        tag = hashlib.md5(
            f"{stat_result.st_mtime}-{stat_result.st_size}".encode(), usedforsecurity=False
        ).hexdigest()
        names = {name for name, _ in self.raw_headers}
        for name, value in (
            ("content-length", str(stat_result.st_size)),
            ("last-modified", formatdate(stat_result.st_mtime, usegmt=True)),
            ("etag", f'"{tag}"'),
        ):
            if name not in names:
                self.raw_headers.append((name, value))

    def prepare(self, method: str, headers: Mapping[str, str]) -> Response:
        if method == "HEAD":
            self._head_only = True
        requested = headers.get("range")
        if_range = headers.get("if-range")
        if (
            self.status_code != 200
            or requested is None
            or method not in ("GET", "HEAD")
            or (if_range is not None and not self._if_range_matches(if_range))
        ):
            return self
        size = self.stat_result.st_size
        try:
            ranges = parse_ranges(requested, size, self.max_ranges)
        except RangeError as exc:
            if exc.size is not None:
                return PlainTextResponse(
                    status_code=416, headers={"content-range": f"bytes */{exc.size}"}
                )
            return PlainTextResponse(exc.message, status_code=400)
        if not ranges:
            return self
        self.status_code = 206
        self._ranges = ranges
        view = self.headers
        if len(ranges) == 1:
            start, end = ranges[0]
            view["content-range"] = f"bytes {start}-{end - 1}/{size}"
            view["content-length"] = str(end - start)
        else:
            self._boundary = token_hex(13)
            content_type = view["content-type"]
            view["content-type"] = f"multipart/byteranges; boundary={self._boundary}"
            view["content-length"] = str(
                sum(len(self._part_head(s, e, content_type)) + (e - s) + 2 for s, e in ranges)
                + len(self._boundary)
                + 4
            )
            self._part_type = content_type
        return self

    def _if_range_matches(self, if_range: str) -> bool:
        if if_range.startswith("W/"):
            return False
        view = self.headers
        return if_range in (view["last-modified"], view["etag"])

    def _part_head(self, start: int, end: int, content_type: str) -> bytes:
        size = self.stat_result.st_size
        return (
            f"--{self._boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: bytes {start}-{end - 1}/{size}\r\n\r\n"
        ).encode("latin-1")

    def _read(self, file: Any, start: int, end: int) -> Iterator[bytes]:
        file.seek(start)
        while start < end:
            chunk = file.read(min(self.chunk_size, end - start))
            if not chunk:
                raise RuntimeError(f"File at path {os.fspath(self.path)} is shorter than expected.")
            start += len(chunk)
            yield chunk

    def _chunks(self) -> Iterator[bytes]:
        if self._head_only:
            return
        with open(self.path, "rb") as file:
            ranges = self._ranges
            if ranges is None:
                while chunk := file.read(self.chunk_size):
                    yield chunk
            elif len(ranges) == 1:
                yield from self._read(file, *ranges[0])
            else:
                for start, end in ranges:
                    yield self._part_head(start, end, self._part_type)
                    yield from self._read(file, start, end)
                    yield b"\r\n"
                yield f"--{self._boundary}--".encode("latin-1")

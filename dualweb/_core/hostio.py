"""What a host hands to the core for one request: plain values, and its I/O.

``RequestParts`` holds what the host knew at once (method, path, query string,
path parameters...) and asks the rest of the host's ``HostIO`` when, and only
when, the core needs it: most requests never need their URL, the host's own
request object or every header, and a body or a form is read once.

There are two kinds of host I/O, with the same questions and two ways of
reading the body: ``SyncHostIO`` (WSGI: everything blocks) and ``AsyncHostIO``
(ASGI: the body arrives on an event loop; a ``def`` handler in a worker thread
reads it by handing the read to that loop). A host implements every abstract
method of its kind; nothing answers "don't know".
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Generator, Iterator
from typing import Any, TypeVar

from ..datastructures import FormData, Headers, QueryParams, parse_cookies
from ..exceptions import HTTPException
from .concurrency import CallSync, call_inline, run_on_thread_loop
from .forms import FormLimits, read_form_async, read_form_sync

__all__ = ["ASK", "AsyncHostIO", "HostIO", "RequestParts", "SyncHostIO", "content_too_large"]

T = TypeVar("T")


class _Ask:
    """Marks the client address as one to ask the ``HostIO`` for, when it is needed."""

    __slots__ = ()


#: ``client=ASK`` (the default): ask the ``HostIO`` for the client when it is needed.
ASK = _Ask()


def content_too_large() -> HTTPException:
    """The 413 for a body beyond the operation's ``max_body_size`` (FastAPI's words)."""
    return HTTPException(413, "Content Too Large")


class HostIO(abc.ABC):
    """The questions every host answers about one request."""

    __slots__ = ()

    @abc.abstractmethod
    def url(self) -> str:
        """The full request URL, as Starlette spells it."""

    @abc.abstractmethod
    def native(self) -> Any:
        """The host's own request object."""

    @abc.abstractmethod
    def client(self) -> tuple[str, int] | None:
        """The client's (host, port), or None where the server does not say."""

    @abc.abstractmethod
    def app(self) -> Any:
        """The host's own application object."""

    @abc.abstractmethod
    def as_scope(self) -> dict[str, Any]:
        """The request as an ASGI scope (on WSGI, an equivalent mapping made from the environ)."""

    @abc.abstractmethod
    def state(self) -> dict[str, Any]:
        """The host's own per-request state, shared with its middleware and hooks."""

    @abc.abstractmethod
    def url_for(self, name: str, params: dict[str, Any]) -> str:
        """The absolute URL of the route named ``name`` (a dualweb route or the app's own)."""

    @abc.abstractmethod
    async def is_disconnected(self) -> bool:
        """Whether the client is known to have gone (False where the server cannot tell)."""

    def block_on(self, coro: Coroutine[Any, Any, T]) -> T:
        """From a WSGI thread: run a request's async code to its end, on the event loop
        it belongs to (by default, the thread's own persistent loop)."""
        return run_on_thread_loop(coro)

    def sync_calls(self) -> CallSync:
        """How async code given to ``block_on`` makes its sync calls (a ``def``
        dependency or handler): by default inline, the loop being this thread's own."""
        return call_inline

    @abc.abstractmethod
    def header(self, name: str) -> str | None:
        """One header's first value (``name`` in lowercase)."""

    @abc.abstractmethod
    def header_items(self) -> list[tuple[str, str]]:
        """Every header, in order."""

    @abc.abstractmethod
    def read_body(self, limit: int | None) -> bytes:
        """The whole body, read synchronously; ``content_too_large()`` past ``limit``."""

    @abc.abstractmethod
    async def read_body_async(self, limit: int | None) -> bytes:
        """The whole body; ``content_too_large()`` past ``limit``."""

    @abc.abstractmethod
    def stream(self, limit: int | None) -> Iterator[bytes]:
        """The body's chunks as they are read, synchronously."""

    @abc.abstractmethod
    def stream_async(self, limit: int | None) -> AsyncIterator[bytes]:
        """The body's chunks as they are read."""

    @abc.abstractmethod
    def read_form(
        self, content_type: str | None, limits: FormLimits, limit: int | None
    ) -> FormData:
        """The form, read synchronously."""

    @abc.abstractmethod
    async def read_form_async(
        self, content_type: str | None, limits: FormLimits, limit: int | None
    ) -> FormData:
        """The form."""


class SyncHostIO(HostIO):
    """A WSGI host: everything it reads blocks."""

    __slots__ = ()

    @abc.abstractmethod
    def body_chunks(self, limit: int | None) -> Generator[bytes, None, None]:
        """The body in chunks as they are read; ``content_too_large()`` past ``limit``."""

    async def read_body_async(self, limit: int | None) -> bytes:
        # NOTE: a WSGI server's input blocks however it is called.
        return self.read_body(limit)

    def stream(self, limit: int | None) -> Iterator[bytes]:
        return self.body_chunks(limit)

    async def stream_async(self, limit: int | None) -> AsyncIterator[bytes]:
        for chunk in self.body_chunks(limit):
            yield chunk

    def read_form(
        self, content_type: str | None, limits: FormLimits, limit: int | None
    ) -> FormData:
        with contextlib.closing(self.body_chunks(limit)) as chunks:
            return read_form_sync(chunks, content_type, limits)

    async def read_form_async(
        self, content_type: str | None, limits: FormLimits, limit: int | None
    ) -> FormData:
        return self.read_form(content_type, limits, limit)


class AsyncHostIO(HostIO):
    """An ASGI host: the headers come with the request, the body from the event loop."""

    __slots__ = ()

    #: The request's headers as the server gave them (latin-1 bytes); set by the host.
    raw_headers: list[tuple[bytes, bytes]]

    def header(self, name: str) -> str | None:
        key = name.encode("latin-1")
        for raw_name, raw_value in self.raw_headers:
            if raw_name == key:
                return raw_value.decode("latin-1")
        return None

    def header_items(self) -> list[tuple[str, str]]:
        # Decoded only when every header is asked for.
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers]

    @abc.abstractmethod
    def body_chunks_async(self, limit: int | None) -> AsyncGenerator[bytes, None]:
        """The body in chunks as they arrive; ``content_too_large()`` past ``limit``."""

    @abc.abstractmethod
    def on_loop(self, func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """From a worker thread: run ``func(*args)`` on the request's event loop, and wait."""

    @abc.abstractmethod
    async def offload(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run blocking ``func(*args)`` in a worker thread (an uploaded file's disk I/O)."""

    def read_body(self, limit: int | None) -> bytes:
        return self.on_loop(self.read_body_async, limit)

    def stream(self, limit: int | None) -> Iterator[bytes]:
        # From a worker thread: each chunk is received on the event loop.
        chunks = self.body_chunks_async(limit)
        try:
            while True:
                try:
                    yield self.on_loop(_next_chunk, chunks)
                except StopAsyncIteration:
                    return
        finally:
            self.on_loop(chunks.aclose)

    def stream_async(self, limit: int | None) -> AsyncIterator[bytes]:
        return self.body_chunks_async(limit)

    def read_form(
        self, content_type: str | None, limits: FormLimits, limit: int | None
    ) -> FormData:
        return self.on_loop(self.read_form_async, content_type, limits, limit)

    async def read_form_async(
        self, content_type: str | None, limits: FormLimits, limit: int | None
    ) -> FormData:
        async with contextlib.aclosing(self.body_chunks_async(limit)) as chunks:
            return await read_form_async(chunks, content_type, limits, self.offload)


class RequestParts:
    """What a host knows of one request, as plain values, and its ``HostIO``."""

    __slots__ = (
        "_body",
        "_client",
        "_cookies",
        "_headers",
        "_native",
        "_query",
        "_state",
        "_url",
        "form",
        "headers_joined",
        "io",
        "max_body_size",
        "method",
        "path",
        "path_params",
        "query_string",
        "root_path",
        "scheme",
        "streamed",
    )

    def __init__(
        self,
        method: str,
        path: str,
        query_string: str,
        path_params: dict[str, Any],
        io: HostIO,
        *,
        scheme: str = "http",
        client: tuple[str, int] | _Ask | None = ASK,
        root_path: str = "",
        headers_joined: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.path_params = path_params
        self.io = io
        self.scheme = scheme
        self._client = client
        self.root_path = root_path
        self.headers_joined = headers_joined
        #: The operation's body size limit; the host enforces it while reading.
        self.max_body_size: int | None = None
        self._url: str | None = None
        self._state: dict[str, Any] | None = None
        self._native: Any = None
        #: Whether the body has been streamed (it cannot be read again).
        self.streamed = False
        #: The form, once read (the host closes its files after the response).
        self.form: FormData | None = None
        self._body: bytes | None = None
        self._query: QueryParams | None = None
        self._headers: Headers | None = None
        self._cookies: dict[str, str] | None = None

    @property
    def client(self) -> tuple[str, int] | None:
        """The client's (host, port), asked of the host only when needed."""
        client = self._client
        if isinstance(client, _Ask):
            client = self._client = self.io.client()
        return client

    @property
    def state(self) -> dict[str, Any]:
        """The host's own request state (what its middleware and hooks set is there too)."""
        if self._state is None:
            self._state = self.io.state()
        return self._state

    @property
    def url(self) -> str:
        """The full request URL, as Starlette spells it."""
        if self._url is None:
            self._url = self.io.url()
        return self._url

    @property
    def native(self) -> Any:
        """The host's own request object."""
        if self._native is None:
            self._native = self.io.native()
        return self._native

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.query_string)
        return self._query

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lowercase), without building ``headers``."""
        if self._headers is not None:
            return self._headers.get(name)  # type: ignore[no-any-return]
        return self.io.header(name)

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self.io.header_items(), joined=self.headers_joined)
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            cookies: dict[str, str] = {}
            for value in self.headers.getlist("cookie"):
                cookies.update(parse_cookies(value))
            self._cookies = cookies
        return self._cookies

    def _check_declared_length(self) -> None:
        if self.streamed:
            raise RuntimeError("Stream consumed")
        limit = self.max_body_size
        if limit is None:
            return
        declared = self.header("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise content_too_large()

    def _stream_check(self) -> bytes | None:
        # As Starlette: a body read already streams as itself; a stream read twice fails.
        if self._body is not None:
            return self._body
        self._check_declared_length()
        self.streamed = True
        return None

    def stream_sync(self) -> Iterator[bytes]:
        """The body's chunks as they are read (a ``def`` handler's twin of ``stream``)."""
        body = self._stream_check()
        if body is not None:
            yield body
            return
        yield from self.io.stream(self.max_body_size)

    async def stream_async(self) -> AsyncIterator[bytes]:
        """The body's chunks as they are read."""
        body = self._stream_check()
        if body is not None:
            yield body
            return
        async for chunk in self.io.stream_async(self.max_body_size):
            yield chunk

    def body_sync(self) -> bytes:
        """The whole body, read once (WSGI hosts, or a ``def`` handler on ASGI)."""
        if self._body is None:
            self._check_declared_length()
            self._body = self.io.read_body(self.max_body_size)
        return self._body

    async def body_async(self) -> bytes:
        """The whole body, read once."""
        if self._body is None:
            self._check_declared_length()
            self._body = await self.io.read_body_async(self.max_body_size)
        return self._body

    def form_sync(self, limits: FormLimits | None = None) -> FormData:
        """The form, read once and decoded by the core."""
        if self.form is None:
            self._check_declared_length()
            content_type = self.header("content-type")
            self.form = self.io.read_form(content_type, limits or _DEFAULT, self.max_body_size)
        return self.form

    async def form_async(self, limits: FormLimits | None = None) -> FormData:
        """The form, read once and decoded by the core."""
        if self.form is None:
            self._check_declared_length()
            content_type = self.header("content-type")
            self.form = await self.io.read_form_async(
                content_type, limits or _DEFAULT, self.max_body_size
            )
        return self.form


_DEFAULT = FormLimits()


async def _next_chunk(chunks: AsyncGenerator[bytes, None]) -> bytes:
    return await chunks.__anext__()

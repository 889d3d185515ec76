"""The neutral request a host hands to the core, and the portable ``Request`` handlers see."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from .datastructures import URL, Address, FormData, Headers, QueryParams, State, parse_cookies
from .exceptions import HTTPException

__all__ = ["FormLimits", "Lazy", "Request", "RequestParts", "content_too_large"]


def content_too_large() -> HTTPException:
    """The 413 for a body beyond the operation's ``max_body_size`` (FastAPI's words)."""
    return HTTPException(413, "Content Too Large")


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


class Lazy:
    """A request value a host computes only if something asks for it."""

    __slots__ = ("factory",)

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory


class RequestParts:
    """What a host knows of one request, as plain values.

    ``read_body`` returns the whole body; a WSGI host gives a plain function, an
    ASGI host a coroutine function. ``native`` is the host's own request object.
    """

    __slots__ = (
        "_body",
        "_cookies",
        "_form",
        "_headers",
        "_native",
        "_query",
        "_url",
        "client",
        "header_items",
        "header_lookup",
        "headers_joined",
        "max_body_size",
        "method",
        "path",
        "path_params",
        "query_string",
        "read_body",
        "read_body_async",
        "read_form",
        "read_form_async",
        "root_path",
        "scheme",
        "server",
        "state",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        query_string: str,
        header_items: list[tuple[str, str]] | list[tuple[bytes, bytes]] | Lazy,
        path_params: dict[str, Any],
        url: str | Lazy = "",
        scheme: str = "http",
        server: tuple[str, int | None] | None = None,
        client: Address | None = None,
        root_path: str = "",
        read_body: Callable[[int | None], bytes] | None = None,
        read_body_async: Callable[[int | None], Awaitable[bytes]] | None = None,
        read_form: Callable[[FormLimits, int | None], FormData] | None = None,
        read_form_async: Callable[[FormLimits, int | None], Awaitable[FormData]] | None = None,
        native: Any | Lazy = None,
        state: dict[str, Any] | None = None,
        headers_joined: bool = False,
        header_lookup: Callable[[str], str | None] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.header_items = header_items
        self.headers_joined = headers_joined
        self.header_lookup = header_lookup
        self.path_params = path_params
        self._url = url
        self.scheme = scheme
        self.server = server
        self.client = client
        self.root_path = root_path
        self.read_body = read_body
        self.read_body_async = read_body_async
        self.read_form = read_form
        self.read_form_async = read_form_async
        self._form: FormData | None = None
        #: The operation's body size limit; hosts enforce it while reading.
        self.max_body_size: int | None = None
        self._native = native
        self.state = state if state is not None else {}
        self._body: bytes | None = None
        self._query: QueryParams | None = None
        self._headers: Headers | None = None
        self._cookies: dict[str, str] | None = None

    @property
    def url(self) -> str:
        """The full request URL, as Starlette spells it."""
        if isinstance(self._url, Lazy):
            self._url = str(self._url.factory())
        return self._url

    @property
    def native(self) -> Any:
        """The host's own request object."""
        if isinstance(self._native, Lazy):
            self._native = self._native.factory()
        return self._native

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.query_string)
        return self._query

    def _header_list(self) -> list[Any]:
        if isinstance(self.header_items, Lazy):
            self.header_items = self.header_items.factory()
        return self.header_items  # type: ignore[return-value]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lowercase), without building ``headers``."""
        if self._headers is not None:
            return self._headers.get(name)  # type: ignore[no-any-return]
        if self.header_lookup is not None:
            return self.header_lookup(name)
        items = self._header_list()
        if items and isinstance(items[0][0], bytes):
            key = name.encode("latin-1")
            for raw_name, raw_value in items:
                if raw_name == key:
                    return str(raw_value.decode("latin-1"))
            return None
        return self.headers.get(name)  # type: ignore[no-any-return]

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            items = self._header_list()
            if items and isinstance(items[0][0], bytes):
                # ASGI: raw latin-1 bytes, decoded only when the headers are read.
                items = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in items]
            self._headers = Headers(items, joined=self.headers_joined)
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
        limit = self.max_body_size
        if limit is None:
            return
        declared = self.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise content_too_large()

    def body_sync(self) -> bytes:
        """The whole body, read once (WSGI hosts, or after ``body_async``)."""
        if self._body is None:
            if self.read_body is None:
                raise RuntimeError("this request's body can only be read with 'await'")
            self._check_declared_length()
            self._body = self.read_body(self.max_body_size)
        return self._body

    def form_sync(self, limits: FormLimits | None = None) -> FormData:
        """The parsed form, read once by the host's parser (WSGI hosts)."""
        if self._form is None:
            if self.read_form is None:
                raise RuntimeError("this request's form can only be read with 'await'")
            self._check_declared_length()
            self._form = self.read_form(limits or FormLimits(), self.max_body_size)
        return self._form

    async def form_async(self, limits: FormLimits | None = None) -> FormData:
        """The parsed form, read once by the host's parser."""
        if self._form is None:
            if self.read_form_async is None:
                return self.form_sync(limits)
            self._check_declared_length()
            self._form = await self.read_form_async(limits or FormLimits(), self.max_body_size)
        return self._form

    async def body_async(self) -> bytes:
        """The whole body, read once."""
        if self._body is None:
            if self.read_body_async is not None:
                self._check_declared_length()
                self._body = await self.read_body_async(self.max_body_size)
            else:
                return self.body_sync()
        return self._body


class Request:
    """The request as FastAPI's ``Request`` shows it, on every host.

    The async ``body()``, ``json()`` and ``form()`` work everywhere; the
    synchronous ``body_sync()`` and ``json_sync()`` serve sync handlers, on an
    ASGI host after the body has been read (a route that declares a body reads
    it before the handler runs).
    """

    __slots__ = ("_parts", "_state")

    def __init__(self, parts: RequestParts) -> None:
        self._parts = parts
        self._state: State | None = None

    @property
    def method(self) -> str:
        return self._parts.method

    @property
    def url(self) -> URL:
        return URL(self._parts.url)

    @property
    def root_path(self) -> str:
        """The path the app is mounted under (WSGI ``SCRIPT_NAME``, ASGI ``root_path``)."""
        return self._parts.root_path

    @property
    def base_url(self) -> URL:
        url = self.url
        return URL(f"{url.scheme}://{url.netloc}{self._parts.root_path}/")

    @property
    def headers(self) -> Headers:
        return self._parts.headers

    @property
    def query_params(self) -> QueryParams:
        return self._parts.query_params

    @property
    def path_params(self) -> dict[str, Any]:
        return self._parts.path_params

    @property
    def cookies(self) -> dict[str, str]:
        return self._parts.cookies

    @property
    def client(self) -> Address | None:
        return self._parts.client

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = State(self._parts.state)
        return self._state

    @property
    def native(self) -> Any:
        """The host's own request object (a Flask request, or a Starlette request)."""
        return self._parts.native

    async def body(self) -> bytes:
        return await self._parts.body_async()

    async def json(self) -> Any:
        return json.loads(await self.body())

    async def form(self) -> FormData:
        """The urlencoded or multipart form: fields as strings, files as ``UploadFile``."""
        return await self._parts.form_async()

    def form_sync(self) -> FormData:
        """The form, for synchronous code (see ``body_sync``)."""
        return self._parts.form_sync()

    def body_sync(self) -> bytes:
        """The body, for synchronous code: a ``def`` handler or dependency on any host.

        (On ASGI hosts a ``def`` handler runs in a worker thread, from which the
        body is read on the event loop; in ``async def`` code use ``await body()``.)
        """
        return self._parts.body_sync()

    def json_sync(self) -> Any:
        """The body parsed as JSON, for synchronous code."""
        return json.loads(self.body_sync())

    def __repr__(self) -> str:
        return f"<Request {self.method} {self._parts.path}>"

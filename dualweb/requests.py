"""The neutral request a host hands to the core, and the portable ``Request`` handlers see."""

from __future__ import annotations

import json
from typing import Any

from .datastructures import URL, Address, FormData, Headers, QueryParams, State, parse_cookies
from .exceptions import HTTPException

__all__ = ["FormLimits", "HostIO", "Request", "RequestParts", "content_too_large"]


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


class _Ask:
    """Marks a request fact the core asks the ``HostIO`` for, when it needs it."""

    __slots__ = ()


_ASK = _Ask()


class HostIO:
    """What only the host can do for one request; each host subclasses it.

    The core asks for these lazily: most requests never need their URL, their
    host request object or every header, and a body or form is read once.
    """

    __slots__ = ()

    def url(self) -> str:
        """The full request URL, as Starlette spells it."""
        return ""

    def native(self) -> Any:
        """The host's own request object."""
        return None

    def client(self) -> tuple[str, int] | None:
        """The client's (host, port), when the host did not hand it over already."""
        return None

    def header_items(self) -> list[tuple[str, str]]:
        """Every header, when the host did not hand them over already."""
        return []

    def header(self, name: str) -> str | bool | None:
        """One header's first value, when the host can find it cheaply; else ``False``."""
        return False

    def read_body(self, limit: int | None) -> bytes:
        """The whole body, read synchronously."""
        raise RuntimeError("this request's body can only be read with 'await'")

    async def read_body_async(self, limit: int | None) -> bytes:
        """The whole body."""
        return self.read_body(limit)

    def read_form(self, limits: FormLimits, limit: int | None) -> FormData:
        """The parsed form, read synchronously."""
        raise RuntimeError("this request's form can only be read with 'await'")

    async def read_form_async(self, limits: FormLimits, limit: int | None) -> FormData:
        """The parsed form."""
        return self.read_form(limits, limit)


_NO_IO = HostIO()


class RequestParts:
    """What a host knows of one request, as plain values, and its ``HostIO``."""

    __slots__ = (
        "_body",
        "_client",
        "_cookies",
        "_form",
        "_headers",
        "_native",
        "_query",
        "_state",
        "_url",
        "header_items",
        "headers_joined",
        "io",
        "max_body_size",
        "method",
        "path",
        "path_params",
        "query_string",
        "root_path",
        "scheme",
    )

    def __init__(
        self,
        method: str,
        path: str,
        query_string: str,
        path_params: dict[str, Any],
        io: HostIO = _NO_IO,
        *,
        header_items: list[tuple[str, str]] | list[tuple[bytes, bytes]] | None = None,
        scheme: str = "http",
        client: tuple[str, int] | _Ask | None = _ASK,
        root_path: str = "",
        headers_joined: bool = False,
        url: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.path_params = path_params
        self.io = io
        self.header_items = header_items
        self.scheme = scheme
        self._client = client
        self.root_path = root_path
        self.headers_joined = headers_joined
        self._url = url
        self._state = state
        #: The operation's body size limit; hosts enforce it while reading.
        self.max_body_size: int | None = None
        self._native: Any = None
        self._form: FormData | None = None
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
        if self._state is None:
            self._state = {}
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

    def _header_list(self) -> list[Any]:
        if self.header_items is None:
            self.header_items = self.io.header_items()
        return self.header_items

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lowercase), without building ``headers``."""
        if self._headers is not None:
            return self._headers.get(name)  # type: ignore[no-any-return]
        if self.header_items is None:
            found = self.io.header(name)
            if found is not False:
                return found  # type: ignore[return-value]
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
        declared = self.header("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise content_too_large()

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
        """The parsed form, read once by the host's parser."""
        if self._form is None:
            self._check_declared_length()
            self._form = self.io.read_form(limits or FormLimits(), self.max_body_size)
        return self._form

    async def form_async(self, limits: FormLimits | None = None) -> FormData:
        """The parsed form, read once by the host's parser."""
        if self._form is None:
            self._check_declared_length()
            self._form = await self.io.read_form_async(limits or FormLimits(), self.max_body_size)
        return self._form


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
        client = self._parts.client
        if client is None or isinstance(client, Address):
            return client
        return Address(client[0], client[1])

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

"""The neutral request a host hands to the core, and the portable ``Request`` handlers see."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from .datastructures import URL, Address, Headers, QueryParams, State, parse_cookies

__all__ = ["Request", "RequestParts"]


class RequestParts:
    """What a host knows of one request, as plain values.

    ``read_body`` returns the whole body; a WSGI host gives a plain function, an
    ASGI host a coroutine function. ``native`` is the host's own request object.
    """

    __slots__ = (
        "_body",
        "_cookies",
        "_headers",
        "_query",
        "client",
        "header_items",
        "headers_joined",
        "method",
        "native",
        "path",
        "path_params",
        "query_string",
        "read_body",
        "read_body_async",
        "root_path",
        "scheme",
        "server",
        "state",
        "url",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        query_string: str,
        header_items: list[tuple[str, str]],
        path_params: dict[str, Any],
        url: str = "",
        scheme: str = "http",
        server: tuple[str, int | None] | None = None,
        client: Address | None = None,
        root_path: str = "",
        read_body: Callable[[], bytes] | None = None,
        read_body_async: Callable[[], Awaitable[bytes]] | None = None,
        native: Any = None,
        state: dict[str, Any] | None = None,
        headers_joined: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.header_items = header_items
        self.headers_joined = headers_joined
        self.path_params = path_params
        self.url = url
        self.scheme = scheme
        self.server = server
        self.client = client
        self.root_path = root_path
        self.read_body = read_body
        self.read_body_async = read_body_async
        self.native = native
        self.state = state if state is not None else {}
        self._body: bytes | None = None
        self._query: QueryParams | None = None
        self._headers: Headers | None = None
        self._cookies: dict[str, str] | None = None

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.query_string)
        return self._query

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self.header_items, joined=self.headers_joined)
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            cookies: dict[str, str] = {}
            for value in self.headers.getlist("cookie"):
                cookies.update(parse_cookies(value))
            self._cookies = cookies
        return self._cookies

    def body_sync(self) -> bytes:
        """The whole body, read once (WSGI hosts, or after ``body_async``)."""
        if self._body is None:
            if self.read_body is None:
                raise RuntimeError("this request's body can only be read with 'await'")
            self._body = self.read_body()
        return self._body

    async def body_async(self) -> bytes:
        """The whole body, read once."""
        if self._body is None:
            if self.read_body_async is not None:
                self._body = await self.read_body_async()
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

"""The portable ``Request`` handlers see, on every host."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from ._core.forms import FormLimits
from ._core.hostio import RequestParts
from .datastructures import URL, Address, FormData, Headers, QueryParams, State

__all__ = ["FormLimits", "HTTPConnection", "Request"]


class HTTPConnection:
    """What a request and a WebSocket share: the connection's URL, headers, query,
    cookies, client, state and app, as Starlette's (FastAPI's) ``HTTPConnection``.

    A dependency that takes an ``HTTPConnection`` (the security classes do) is given
    the ``Request`` on an HTTP route and the ``WebSocket`` on a socket route.
    """

    __slots__ = ("_parts", "_state")

    def __init__(self, parts: RequestParts) -> None:
        self._parts = parts
        self._state: State | None = None

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

    @property
    def app(self) -> Any:
        """The host's application (the Flask app, or the Starlette/FastAPI app)."""
        return self._parts.io.app()

    @property
    def scope(self) -> dict[str, Any]:
        """The ASGI scope; on Flask a mapping made from the WSGI environ with the same keys
        (``type``, ``method``, ``path``, ``root_path``, ``query_string``, ``headers``...)."""
        return self._parts.io.as_scope()

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route named ``name``, a dualweb route or the app's own."""
        return URL(self._parts.io.url_for(name, path_params))


class Request(HTTPConnection):
    """The request as FastAPI's ``Request`` shows it, on every host.

    The async ``body()``, ``json()`` and ``form()`` work everywhere; the
    synchronous ``body_sync()`` and ``json_sync()`` serve sync handlers, on an
    ASGI host after the body has been read (a route that declares a body reads
    it before the handler runs).
    """

    __slots__ = ()

    @property
    def method(self) -> str:
        return self._parts.method

    def stream(self) -> AsyncIterator[bytes]:
        """The body's chunks as they arrive, without holding it whole (once per request)."""
        return self._parts.stream_async()

    def stream_sync(self) -> Iterator[bytes]:
        """The body's chunks, for synchronous code (see ``body_sync``)."""
        return self._parts.stream_sync()

    async def is_disconnected(self) -> bool:
        """Whether the client has gone; on Flask always False (WSGI cannot tell)."""
        return await self._parts.io.is_disconnected()

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

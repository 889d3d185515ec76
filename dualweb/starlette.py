"""Serve a dualweb Router on Starlette: real Starlette routes, one ASGI endpoint each."""

from __future__ import annotations

from ._extras import require

require("dualweb.starlette", "starlette", "starlette", "anyio")

import asyncio
import functools
import json
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import anyio.from_thread
import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect, HTTPConnection
from starlette.requests import Request as StarletteRequest
from starlette.routing import BaseRoute, Match, NoMatchFound, Route, WebSocketRoute
from starlette.routing import Router as StarletteRouter
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket as StarletteWebSocket

from ._asgi_streams import response_start, send_streamed
from ._core.concurrency import ThreadHop, caller_loop, run_on_caller_loop
from ._core.hosting import (
    app_lifespan,
    app_misses,
    check_clashes,
    check_new_mount,
    join_lifespan,
    mount_router,
)
from ._core.hostio import AsyncHostIO, RequestParts, content_too_large
from ._core.misses import Misses, method_not_allowed, not_found
from ._core.paths import PathTemplate
from ._core.pipeline import Operation
from ._core.runners import OverridesProvider
from ._core.socket_operation import SocketOperation
from ._core.table import RouteTable, errors_to_app
from .encoders import jsonable_encoder
from .exceptions import HTTPException, RequestValidationError
from .responses import Response, StreamingResponse
from .routing import Router

__all__ = ["mount", "routes_for"]

T = TypeVar("T")


def _thread_limit() -> int:
    # The same cap as Starlette's own thread pool, and tuned the same way.
    return int(anyio.to_thread.current_default_thread_limiter().total_tokens)


def _shielded() -> anyio.CancelScope:
    return anyio.CancelScope(shield=True)


_hop = ThreadHop(_thread_limit, shielded=_shielded)


async def _to_thread(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # not asyncio (trio, through anyio): anyio's own pool
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))
    return await _hop(func, args, kwargs)


def _from_thread(func: Callable[..., Any], *args: Any) -> Any:
    # A `def` handler's thread waits while the event loop runs `func`.
    loop = caller_loop()
    if loop is not None:
        return run_on_caller_loop(loop, func, *args)
    return anyio.from_thread.run(func, *args)


#: How an error the router leaves to the app (``errors="app"``) becomes the app's own.
ToApp = Callable[[Exception], Exception]


class AppHTTPException(HTTPException, StarletteHTTPException):
    """A dualweb ``HTTPException`` as Starlette's too, for the app's exception handlers:
    found by status code, then by dualweb's class, then by Starlette's."""


class AppValidationError(RequestValidationError, StarletteHTTPException):
    """A request's validation errors as Starlette's ``HTTPException(422)`` too: the app's
    handler for 422, or for ``RequestValidationError``, answers (``errors()``, ``body``);
    without one, Starlette's answers with the errors as JSON text."""


def starlette_error(exc: Exception) -> Exception:
    """``exc`` (a dualweb HTTP or validation error) as the Starlette app's own."""
    # NOTE: the two bases' constructors disagree: the attributes both read are set here.
    if isinstance(exc, RequestValidationError):
        error = AppValidationError.__new__(AppValidationError)
        error._errors, error.body = exc.errors(), exc.body
        error.status_code, error.headers = 422, None
        error.detail = json.dumps(jsonable_encoder(exc.errors()))
        return error
    assert isinstance(exc, HTTPException)
    app_error = AppHTTPException.__new__(AppHTTPException)
    app_error.status_code, app_error.detail, app_error.headers = (
        exc.status_code,
        exc.detail,
        exc.headers,
    )
    return app_error


class _Endpoint:
    """The ASGI app of one operation."""

    __slots__ = ("op", "to_app")

    def __init__(self, op: Operation, to_app: ToApp) -> None:
        self.op = op
        self.to_app = to_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        op = self.op
        if op.max_body_size is not None:
            receive = _limited(receive, op.max_body_size)
        source = _StarletteIO(scope, receive)
        parts = RequestParts(
            scope["method"],
            scope["path"],
            scope["query_string"].decode("latin-1"),
            scope.get("path_params", {}),
            source,
            scheme=scope.get("scheme", "http"),
            root_path=scope.get("root_path", ""),
        )
        try:
            response, after = await op.handle_async(parts, _to_thread)
        except (HTTPException, RequestValidationError) as exc:
            # Only with errors="app": the app's exception handlers answer.
            raise self.to_app(exc) from exc
        failure = None
        try:
            if isinstance(response, StreamingResponse):
                failure = await send_streamed(response, receive, send, _to_thread)
            else:
                await _send(response, send)
        except BaseException as exc:
            # Cancelled (the server is stopping, or it cancels a request whose client
            # left), or the send failed: the yield dependencies are torn down all the same.
            if after is not None:
                with anyio.CancelScope(shield=True):
                    await after.run_async(_to_thread, exc)
            raise
        if after is not None:
            await after.run_async(_to_thread, failure)
        if parts.form is not None:
            await parts.form.close()  # the uploaded files
        if source.made is not None:
            await source.made.close()  # any form Starlette's own request parsed
        if response.unhandled is not None:
            # Like Starlette's server error handler: answer, then let the server see it.
            raise response.unhandled
        if failure is not None:
            raise failure  # a stream cut short: the server logs it and ends the connection


class _SocketEndpoint:
    """The ASGI app of one WebSocket route."""

    __slots__ = ("op",)

    def __init__(self, op: SocketOperation) -> None:
        self.op = op

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        io = _SocketIO(scope, receive, send)
        parts = RequestParts(
            "GET",
            scope["path"],
            scope["query_string"].decode("latin-1"),
            scope.get("path_params", {}),
            io,
            scheme=scope.get("scheme", "ws"),
            root_path=scope.get("root_path", ""),
        )
        await self.op.serve(parts, io, _to_thread)


async def _send(response: Response, send: Send) -> None:
    await send(response_start(response))
    await send({"type": "http.response.body", "body": response.body})


def _app_answers(scope: Scope, status: int) -> bool:
    """Whether the app has its own exception handler for a ``status`` routing error (FastAPI
    always has: its HTTPException handler, FastAPI's answer)."""
    handlers = getattr(scope.get("app"), "exception_handlers", None) or {}
    return status in handlers or StarletteHTTPException in handlers


class _StarletteIO(AsyncHostIO):
    """One request's scope and receive; Starlette's request is made only when needed.

    (The body limit is enforced by the receive wrapper.)
    """

    __slots__ = ("body_read", "made", "raw_headers", "receive", "scope")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.raw_headers = scope["headers"]
        self.receive = receive
        self.made: StarletteRequest | None = None
        self.body_read: bytes | None = None

    def native(self) -> StarletteRequest:
        if self.made is None:
            self.made = StarletteRequest(self.scope, self.receive)
            if self.body_read is not None:
                # NOTE: the body was read straight from `receive` (the fast path);
                # hand it to Starlette's request, which would otherwise wait for it.
                self.made._body = self.body_read
        return self.made

    def url(self) -> str:
        return str(self.native().url)

    def client(self) -> tuple[str, int] | None:
        client: tuple[str, int] | None = self.scope.get("client")
        return client

    def app(self) -> Any:
        return self.scope.get("app")

    def as_scope(self) -> dict[str, Any]:
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        return scope

    def state(self) -> dict[str, Any]:
        # Starlette's request state lives in the scope: its middleware sees the same.
        state: dict[str, Any] = self.scope.setdefault("state", {})
        return state

    def url_for(self, name: str, params: dict[str, Any]) -> str:
        return str(self.native().url_for(name, **params))

    async def is_disconnected(self) -> bool:
        return await self.native().is_disconnected()

    async def read_body_async(self, limit: int | None) -> bytes:
        if self.made is not None:
            return await self.made.body()
        chunks: list[bytes] = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            body: bytes = message.get("body", b"")
            if not message.get("more_body", False):
                break
            chunks.append(body)
        if chunks:  # most bodies arrive in one message
            chunks.append(body)
            body = b"".join(chunks)
        self.body_read = body
        return body

    async def body_chunks_async(self, limit: int | None) -> AsyncGenerator[bytes, None]:
        if self.made is not None:
            async for chunk in self.made.stream():
                yield chunk
            return
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return

    def on_loop(self, func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return _from_thread(func, *args)  # type: ignore[no-any-return]

    async def offload(self, func: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(func, *args)


class _SocketIO(_StarletteIO):
    """One socket's scope, and the server's own ``receive`` and ``send`` as its messages."""

    __slots__ = ("denial_supported", "send")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope, receive)
        self.send = send
        self.denial_supported = "websocket.http.response" in scope.get("extensions", ())

    def native(self) -> Any:
        return StarletteWebSocket(self.scope, self.receive, self.send)

    def url(self) -> str:
        return str(HTTPConnection(self.scope).url)

    def url_for(self, name: str, params: dict[str, Any]) -> str:
        return str(HTTPConnection(self.scope).url_for(name, **params))

    async def is_disconnected(self) -> bool:
        return False


def _limited(receive: Receive, limit: int) -> Receive:
    received = 0

    async def receive_with_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise content_too_large()
        return message

    return receive_with_limit


def routes_for(router: Router, prefix: str = "") -> list[BaseRoute]:
    """Starlette routes serving ``router``'s operations, in declaration order, then
    its WebSocket routes."""
    table = RouteTable(router, prefix)
    return [*_routes(table, starlette_error), *_socket_routes(table)]


def _socket_routes(table: RouteTable) -> list[WebSocketRoute]:
    return [
        WebSocketRoute(op.path, endpoint=_SocketEndpoint(op), name=op.route.name)
        for op in table.sockets
    ]


def _routes(table: RouteTable, to_app: ToApp) -> list[Route]:
    routes: list[Route] = []
    for op in table.operations:
        route = Route(
            op.path, endpoint=_Endpoint(op, to_app), methods=sorted(op.methods), name=op.route.name
        )
        # Starlette adds HEAD to every GET route; FastAPI does not (HEAD answers 405).
        route.methods = set(op.methods)
        routes.append(route)
    return routes


_matched_format: ContextVar[str | None] = ContextVar("dualweb_matched_format", default=None)


class _Group(BaseRoute):
    """One mounted router's routes, standing at one place in an app's route list.

    Starlette (and FastAPI) try an app's routes one by one; a group looks up which
    of its routes a path can reach by the path's shape (``RouteTable.candidates``) and
    asks only those, so a request costs the same whatever the router's size. It
    answers as the routes themselves would have, in their order: the first full
    match, else the first method mismatch (405), with the scope Starlette's route
    makes, including ``scope["route"]``.
    """

    def __init__(self, table: RouteTable, routes: list[Route]) -> None:
        self.table = table
        self.routes = routes
        #: The router's WebSocket routes, tried in order for a socket's scope.
        self.sockets = _socket_routes(table)
        # A mount's root_path: its requests are served under it, as FastAPI(root_path=...)
        # serves every request (the server's root path is replaced, for these routes only).
        self._root_path = table.root_path
        self._members = {id(route) for route in routes}
        # A path without parameters: Starlette's pattern for it is `^<path>$`, which
        # matches the path itself, or the path and a final newline (`$` allows one).
        self._static = [
            (route.path, route.path + "\n") if not route.param_convertors else None
            for route in routes
        ]

    @property
    def path_format(self) -> str | None:
        """The template of the route this group matched last in this context.

        FastAPI's router reads ``path_format`` from the route it matched to name the
        request's route for OpenTelemetry (``http.route``, the span's name).
        """
        return _matched_format.get()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                return self._socket_match(scope)
            return Match.NONE, {}
        routes = self.routes
        path = route_path(scope)
        partial: Scope | None = None
        for index in self.table.candidates(path):
            route = routes[index]
            static = self._static[index]
            if static is None:
                match, child_scope = route.matches(scope)
                if match is Match.NONE:
                    continue
            elif path == static[0] or path == static[1]:
                # What Route.matches gives for such a path, without its regular expression.
                wrong_method = route.methods and scope["method"] not in route.methods
                match = Match.PARTIAL if wrong_method else Match.FULL
                child_scope = {
                    "endpoint": route.endpoint,
                    "path_params": dict(scope.get("path_params", {})),
                }
            else:
                continue
            child_scope["route"] = route
            if self._root_path:
                child_scope["root_path"] = self._root_path
            if match is Match.FULL:
                _matched_format.set(route.path_format)
                return match, child_scope
            if partial is None:
                partial = child_scope
        if partial is not None:
            _matched_format.set(partial["route"].path_format)
            return Match.PARTIAL, partial
        return Match.NONE, {}

    def _socket_match(self, scope: Scope) -> tuple[Match, Scope]:
        for route in self.sockets:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                child_scope["route"] = route
                if self._root_path:
                    child_scope["root_path"] = self._root_path
                _matched_format.set(route.path_format)
                return match, child_scope
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = scope.get("route")
        if isinstance(route, WebSocketRoute) and scope["type"] == "websocket":
            await route.app(scope, receive, send)
            return
        if route is None or id(route) not in self._members:
            # Called without the scope `matches` made: Starlette's own way matches first.
            await super().__call__(scope, receive, send)
            return
        if route.methods is None or scope["method"] in route.methods:
            await route.app(scope, receive, send)  # what Route.handle does for a full match
        elif _app_answers(scope, 405):
            await route.handle(scope, receive, send)  # its 405, to the app's handler
        else:
            await _send(method_not_allowed(route.methods), send)  # FastAPI's

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in [*self.routes, *self.sockets]:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)

    def __repr__(self) -> str:
        return f"<dualweb routes: {len(self.routes)}>"


def route_path(scope: Scope) -> str:
    """The path Starlette's routes match: the scope's path without the root path."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path


def _member_routes(routes: list[BaseRoute]) -> Iterator[Route]:
    for route in routes:
        if isinstance(route, _Group):
            yield from route.routes
        elif isinstance(route, Route):
            yield route


def _place(routes: list[BaseRoute], group: _Group) -> None:
    # A mounted router's routes go after the app's routes, as appended routes do.
    # Where the routes before that place cannot match any request the router's
    # routes match (FastAPI's docs pages, say), the order cannot change which route
    # answers; the group then stands in front of them, so that its requests do not
    # try those routes first. Routes whose matching this cannot read stop it.
    index = len(routes)
    while index > 0 and _apart(routes[index - 1], group.table):
        index -= 1
    routes.insert(index, group)


def _apart(route: BaseRoute, table: RouteTable) -> bool:
    if isinstance(route, WebSocketRoute) and type(route).matches is WebSocketRoute.matches:
        return not table.sockets  # a group without sockets answers HTTP requests only
    if isinstance(route, Route) and type(route).matches is Route.matches:
        return not table.reaches(route.path)
    return False


def add_routes(
    app: Starlette,
    router: Router,
    prefix: str,
    *,
    served: Router | None = None,
    provider: OverridesProvider | None = None,
    errors: str = "fastapi",
    to_app: ToApp | None = None,
) -> None:
    """Append ``router``'s routes to ``app``, refusing a second mount or a clash.

    ``served``: the router whose routes are served, if not ``router`` itself (one that
    includes it); ``provider``: where the dependency overrides are read, if not there;
    ``errors`` and ``to_app``: see ``mount`` (``to_app`` makes the app's own exceptions).
    """
    registry: dict[str, Any] = app.__dict__.setdefault("_dualweb", {})
    mounts: list[tuple[Router, str]] = registry.setdefault("mounts", [])
    check_new_mount(mounts, router, prefix)
    table = RouteTable(router if served is None else served, prefix, provider, errors=errors)
    _append(app, table, starlette_error if to_app is None else to_app)
    mounts.append((router, prefix))
    _join_lifespan(app, registry, router)


def serve_in_place_of(app: Starlette, replaced: list[BaseRoute], router: Router) -> None:
    """Serve ``router``'s routes where the first of ``replaced`` (routes of ``app``) stood,
    instead of those: for pages dualweb serves in place of the app's own."""
    routes = app.router.routes
    index = min(routes.index(route) for route in replaced)
    for route in replaced:
        routes.remove(route)
    table = RouteTable(router, "")
    routes.insert(index, _Group(table, _routes(table, starlette_error)))


def _join_lifespan(app: Starlette, registry: dict[str, Any], router: Router) -> None:
    # The mounted routers' lifespans run inside the app's own, as an included router's does.
    if join_lifespan(registry, router):
        merged: Any = app_lifespan(registry).around(app.router.lifespan_context)
        app.router.lifespan_context = merged


def _append(app: Starlette, table: RouteTable, to_app: ToApp = starlette_error) -> None:
    routes = _routes(table, to_app)
    check_clashes(
        (
            (PathTemplate.shape_of(r.path), r.methods or ())
            for r in _member_routes(app.router.routes)
        ),
        table,
    )
    if routes or table.sockets:
        _place(app.router.routes, _Group(table, routes))


def mount(
    app: Starlette,
    router: Router,
    *,
    prefix: str = "",
    offline_docs: bool | None = None,
    errors: str = "fastapi",
    **docs: Any,
) -> None:
    """Serve ``router``'s operations on ``app`` as Starlette routes.

    ``docs`` are FastAPI's documentation keywords (``title``, ``openapi_url``,
    ``docs_url``...); the first mount under a prefix serves the API document and
    its pages there, for every router mounted under that prefix.

    ``errors="app"``: an ``HTTPException`` or a validation error that none of the
    router's exception handlers takes is raised to the app, as Starlette's
    ``HTTPException`` (validation errors with status 422, ``errors()`` and ``body``),
    for the app's ``exception_handlers``; by default (``"fastapi"``) FastAPI's
    answers are sent.
    """
    errors_to_app(errors)
    registry: dict[str, Any] = app.__dict__.setdefault("_dualweb", {})
    register = functools.partial(_append, app)
    mount_router(registry, router, prefix, docs, offline_docs, register, errors=errors)
    if not registry.get("misses_installed"):
        registry["misses_installed"] = True
        default = app.router.default
        if getattr(default, "__func__", None) is StarletteRouter.not_found:
            # (Not a default of the app's own: that one keeps answering.)
            app.router.default = _not_found(app_misses(registry), default)
    _join_lifespan(app, registry, router)


def _not_found(misses: Misses, default: Any) -> Any:
    # What the app's router does when no route took the request and it redirected
    # nowhere: under a mount's prefix, FastAPI's 404, unless the app has its own.
    async def not_found_or_fastapis(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and misses.covers(route_path(scope))
            and not _app_answers(scope, 404)
        ):
            await _send(not_found(), send)
        else:
            await default(scope, receive, send)

    return not_found_or_fastapis

"""Serve a dualweb Router on Starlette: real Starlette routes, one ASGI endpoint each."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import anyio.from_thread
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from ._engine import Mount, Operation
from ._hosting import check_docs_options, check_new_mount, route_shape
from .datastructures import Address
from .exceptions import DualwebError
from .requests import RequestParts
from .responses import Response
from .routing import Router

__all__ = ["mount", "routes_for"]


async def _to_thread(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))


class _Endpoint:
    """The ASGI app of one operation."""

    __slots__ = ("op",)

    def __init__(self, op: Operation) -> None:
        self.op = op

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = StarletteRequest(scope, receive)
        client = scope.get("client")
        parts = RequestParts(
            method=scope["method"],
            path=scope["path"],
            query_string=scope.get("query_string", b"").decode("latin-1"),
            header_items=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            path_params=scope.get("path_params", {}),
            url=str(request.url),
            scheme=scope.get("scheme", "http"),
            server=scope.get("server"),
            client=Address(client[0], client[1]) if client else None,
            root_path=scope.get("root_path", ""),
            read_body=functools.partial(anyio.from_thread.run, request.body),
            read_body_async=request.body,
            native=request,
        )
        response, after = await self.op.handle_async(parts, _to_thread)
        await _to_starlette(response)(scope, receive, send)
        if after is not None:
            await after.run_async(_to_thread)
        if response.unhandled is not None:
            # Like Starlette's server error handler: answer, then let the server see it.
            raise response.unhandled


def _to_starlette(response: Response) -> StarletteResponse:
    native = StarletteResponse(response.body, status_code=response.status_code)
    native.raw_headers = [
        (k.encode("latin-1"), v.encode("latin-1")) for k, v in response.raw_headers
    ]
    return native


def routes_for(router: Router, prefix: str = "") -> list[BaseRoute]:
    """Starlette routes serving ``router``'s operations, in declaration order."""
    table = Mount(router, prefix)
    routes: list[BaseRoute] = []
    for op in table.operations:
        route = Route(
            op.path, endpoint=_Endpoint(op), methods=sorted(op.methods), name=op.route.name
        )
        # Starlette adds HEAD to every GET route; FastAPI does not (HEAD answers 405).
        route.methods = set(op.methods)
        routes.append(route)
    return routes


def add_routes(app: Starlette, router: Router, prefix: str) -> None:
    """Append ``router``'s routes to ``app``, refusing a second mount or a clash."""
    mounts: list[tuple[Router, str]] = app.__dict__.setdefault("_dualweb_mounts", [])
    check_new_mount(mounts, router, prefix)
    routes = routes_for(router, prefix)
    existing = [
        (route_shape(r.path), frozenset(r.methods or ()))
        for r in app.router.routes
        if isinstance(r, Route)
    ]
    for route in routes:
        assert isinstance(route, Route)
        for shape, methods in existing:
            if shape == route_shape(route.path) and methods & (route.methods or set()):
                raise DualwebError(f"{route.path} is already routed by this app")
    app.router.routes.extend(routes)
    mounts.append((router, prefix))


def mount(app: Starlette, router: Router, *, prefix: str = "", **docs: Any) -> None:
    """Serve ``router``'s operations on ``app`` as Starlette routes."""
    check_docs_options(docs)
    add_routes(app, router, prefix)

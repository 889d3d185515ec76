"""One WebSocket route made ready to serve, and the life of one socket through it.

A host hands ``SocketOperation.serve`` the socket's ``RequestParts`` (path,
query, headers, cookies: what its dependencies read) and its ``SocketIO``
(the socket's messages), on an event loop; ``serve`` returns when the socket
is done. It does what FastAPI does, message for message:

- the parameters are bound and the dependencies solved as for a request; a
  validation error closes the socket before ``accept`` with code 1008 and
  FastAPI's error list as the reason;
- the handler runs (a ``def`` handler in a thread of its own, with a
  ``SyncWebSocket``); the ``yield`` dependencies of both scopes are torn down
  as it returns or raises, seeing its exception;
- then its exception meets the routers' exception handlers, given the socket:
  a ``WebSocketException`` closes with its code and reason; an ``HTTPException``
  before ``accept`` answers the handshake with FastAPI's HTTP response (a
  denial: 401 with ``WWW-Authenticate`` from a security dependency, say);
  anything else closes an accepted socket with 1011 and goes to the host.

Where FastAPI is broken, dualweb does not follow: a handler that returns
without closing gets its socket closed (1000; before ``accept`` that is a
refusal, never a hang); an ``HTTPException`` after ``accept`` closes with 1011;
a ``WebSocketDisconnect`` the handler lets out after the client left is the
socket's normal end, not a server error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from ..exception_handlers import websocket_request_validation_exception_handler
from ..exceptions import WebSocketRequestValidationError
from ..responses import Response
from ..websockets import SyncWebSocket, WebSocket, WebSocketDisconnect, WebSocketState
from .concurrency import CallSync, in_own_thread
from .dependencies import SolveContext, solve
from .errors import ExceptionHandlers, without_input
from .foreign import converted_response, is_websocket_exception
from .hostio import RequestParts
from .paths import template
from .plan import Dependant
from .route import SocketRoute
from .runners import OverridesProvider
from .sockets import SocketIO

__all__ = ["SocketOperation"]

_CONNECTING = WebSocketState.CONNECTING
_CONNECTED = WebSocketState.CONNECTED


class SocketOperation:
    """A WebSocket route made ready under a host's path."""

    __slots__ = (
        "dependant",
        "endpoint",
        "handlers",
        "hide_input",
        "override_plans",
        "path",
        "provider",
        "route",
        "template",
    )

    def __init__(
        self,
        route: SocketRoute,
        *,
        path: str,
        provider: OverridesProvider,
        handlers: ExceptionHandlers,
    ) -> None:
        self.route = route
        self.path = path
        self.template = template(path)
        self.provider = provider
        self.handlers = handlers
        self.dependant: Dependant = route.dependant
        self.endpoint: Callable[..., Any] = route.endpoint
        self.override_plans: dict[tuple[Any, ...], Dependant] = {}
        self.hide_input = bool(route.hide_input_in_errors)

    async def serve(self, parts: RequestParts, io: SocketIO, to_thread: CallSync) -> None:
        """Serve one socket to its end, on an event loop; ``to_thread`` runs sync
        dependencies in a worker thread. What no exception handler takes propagates,
        the socket closed first (1011) if it was accepted."""
        socket = WebSocket(io, parts)
        try:
            await self._run(socket, parts, to_thread)
        except Exception as exc:
            if self.hide_input:
                exc = without_input(exc)
            await self._handle(socket, exc, to_thread)
        if socket.client_state is not WebSocketState.DISCONNECTED:
            await _close(socket, 1000, "")  # not left open, nor waiting forever for accept

    async def _run(self, socket: WebSocket, parts: RequestParts, to_thread: CallSync) -> None:
        overrides = self.provider.dependency_overrides
        # (Two stacks, as for a request: function-scoped teardown runs first.)
        async with (
            contextlib.AsyncExitStack() as request_stack,
            contextlib.AsyncExitStack() as function_stack,
        ):
            ctx = SolveContext(
                parts,
                body=None,
                embed_body=False,
                call_sync=to_thread,
                overrides=overrides or {},
                override_plans=self.override_plans,
                stack=request_stack,
                function_stack=function_stack,
            )
            ctx.socket = socket
            if self.route.is_sync:
                ctx.sync_socket = SyncWebSocket(socket, _blocking_on(asyncio.get_running_loop()))
            values, errors = await solve(self.dependant, ctx)
            if errors:
                raise WebSocketRequestValidationError(errors)
            if self.route.is_sync:
                await in_own_thread(_call_with, self.endpoint, values)
            else:
                await self.endpoint(**values)

    async def _handle(self, socket: WebSocket, exc: Exception, to_thread: CallSync) -> None:
        handling = self.handlers.find(exc)
        if handling is not None and not handling.server_error:
            # The routers' handlers, and FastAPI's for HTTP exceptions, given the socket.
            handler = handling.handler
            if handling.is_async:
                result = await handler(socket, exc)
            else:
                # A def handler gets the blocking socket, in a thread of its own (on a WSGI
                # host the loop's thread would otherwise wait for itself).
                blocking = SyncWebSocket(socket, _blocking_on(asyncio.get_running_loop()))
                result = await in_own_thread(handler, blocking, exc)
            if result is not None:
                await _answer(socket, result, exc)
            return
        if isinstance(exc, WebSocketRequestValidationError):
            with contextlib.suppress(WebSocketDisconnect):
                await websocket_request_validation_exception_handler(socket, exc)
        elif is_websocket_exception(exc):
            await _close(socket, exc.code, exc.reason or "")  # type: ignore[attr-defined]
        elif isinstance(exc, WebSocketDisconnect) and (
            socket.client_state is WebSocketState.DISCONNECTED
        ):
            pass  # the client left, and the handler let that end it
        else:
            if socket.application_state is _CONNECTED:
                await _close(socket, 1011, "")
            raise exc


async def _answer(socket: WebSocket, result: Any, exc: Exception) -> None:
    # An exception handler's response: the handshake's answer, or (after accept,
    # where no HTTP answer can go) an internal error close.
    response = result if isinstance(result, Response) else converted_response(result)
    if response is None:
        raise TypeError(
            f"a socket's exception handler returns None or a Response, not {type(result).__name__}"
        )
    if socket.application_state is not _CONNECTING:
        await _close(socket, 1011, "")
    elif socket._io.denial_supported:
        await socket.send_denial_response(response)
    else:
        # NOTE: an ASGI server without the denial extension: refused, with no body.
        await _close(socket, 1008, "")
    del exc


async def _close(socket: WebSocket, code: int, reason: Any) -> None:
    """Close the socket if the application may still send; the client being gone is fine."""
    if socket.application_state in (_CONNECTING, _CONNECTED):
        with contextlib.suppress(WebSocketDisconnect):
            await socket.send({"type": "websocket.close", "code": code, "reason": reason})


def _call_with(endpoint: Callable[..., Any], values: dict[str, Any]) -> Any:
    return endpoint(**values)


def _blocking_on(loop: asyncio.AbstractEventLoop) -> Callable[[Any], Any]:
    def block_on(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    return block_on

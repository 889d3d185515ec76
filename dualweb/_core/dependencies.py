"""Solving a dependency graph for one request.

The graph itself was built once (``analysis``); solving walks it in FastAPI's
order: sub-dependencies first, then the dependant's own path, query, header,
cookie and body parameters (``binding``). It is written once, as ``async def``: a graph of
synchronous callables never suspends, so the same code runs without a loop
(see ``_concurrency.drive``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from ..background import BackgroundTasks
from ..requests import Request
from ..responses import Response
from ..websockets import SyncWebSocket, WebSocket
from .analysis import get_dependant
from .binding import bind_arguments
from .hostio import RequestParts
from .plan import Dependant, SecurityScopes

__all__ = ["SolveContext", "override_plan", "runs_without_loop", "solve"]


class SolveContext:
    """The per-request state shared by every dependant of one operation."""

    __slots__ = (
        "background",
        "body",
        "cache",
        "call_sync",
        "embed_body",
        "exit_sync",
        "function_stack",
        "has_teardown",
        "override_plans",
        "overrides",
        "parts",
        "request",
        "socket",
        "stack",
        "sub_response",
        "sync_socket",
    )

    def __init__(
        self,
        parts: RequestParts,
        *,
        body: Any,
        embed_body: bool,
        call_sync: Any,
        overrides: dict[Callable[..., Any], Callable[..., Any]],
        override_plans: dict[tuple[Any, ...], Dependant],
        stack: contextlib.AsyncExitStack | None,
        function_stack: contextlib.AsyncExitStack | None,
        exit_sync: Any = None,
    ) -> None:
        self.parts = parts
        self.body = body
        self.embed_body = embed_body
        self.call_sync = call_sync
        #: How a sync ``yield`` dependency's teardown runs, if not as ``call_sync``: the
        #: graph may be solved in a worker thread, its teardown then comes from the loop.
        self.exit_sync = call_sync if exit_sync is None else exit_sync
        self.overrides = overrides
        self.override_plans = override_plans
        self.stack = stack
        self.function_stack = function_stack
        self.has_teardown = False
        self.cache: dict[Any, Any] = {}
        self.background: BackgroundTasks | None = None
        self.request: Request | None = None
        #: On a socket route: the socket, and its blocking twin for ``def`` code.
        self.socket: WebSocket | None = None
        self.sync_socket: SyncWebSocket | None = None
        #: The ``response: Response`` parameter's object, made when first asked for.
        self.sub_response: Response | None = None

    @property
    def response(self) -> Response:
        """The response whose status, headers and cookies a handler or dependency sets."""
        if self.sub_response is None:
            response = Response()
            response.raw_headers = []
            response.status_code = None  # type: ignore[assignment]
            self.sub_response = response
        return self.sub_response

    def get_request(self) -> Request:
        if self.request is None:
            self.request = Request(self.parts)
        return self.request


def _override(dependant: Dependant, ctx: SolveContext) -> Dependant:
    return override_plan(dependant, ctx.overrides, ctx.override_plans)


def override_plan(
    dependant: Dependant,
    overrides: dict[Callable[..., Any], Callable[..., Any]],
    plans: dict[tuple[Any, ...], Dependant],
) -> Dependant:
    """The plan of ``dependant``'s override, analysed once and kept in ``plans``."""
    replacement = overrides.get(dependant.call)  # type: ignore[arg-type]
    if replacement is None:
        return dependant
    # The replacement sees the scopes the original would have (its own included),
    # and keeps its teardown scope, as in FastAPI.
    scopes = dependant.scopes
    key = (replacement, dependant.name, dependant.path, tuple(scopes), dependant.scope)
    plan = plans.get(key)
    if plan is None:
        plan = get_dependant(
            path=dependant.path,
            call=replacement,
            name=dependant.name,
            parent_scopes=scopes,
            scope=dependant.scope,
        )
        plans[key] = plan
    return plan


def runs_without_loop(
    dependant: Dependant,
    overrides: dict[Callable[..., Any], Callable[..., Any]],
    plans: dict[tuple[Any, ...], Dependant],
) -> bool:
    """Whether ``dependant``'s sub-graph, overrides applied, never suspends."""
    for sub in dependant.dependencies:
        use = override_plan(sub, overrides, plans)
        if not use.never_suspends or not runs_without_loop(use, overrides, plans):
            return False
    return True


class _SyncContext:
    """A sync context manager entered through ``call_sync`` and exited through ``exit_sync``.

    On ASGI those are worker threads, so a ``yield`` dependency's set-up and
    teardown never block the event loop; elsewhere they are plain calls.
    """

    __slots__ = ("call_sync", "exit_sync", "manager")

    def __init__(
        self, manager: contextlib.AbstractContextManager[Any], call_sync: Any, exit_sync: Any
    ) -> None:
        self.manager = manager
        self.call_sync = call_sync
        self.exit_sync = exit_sync

    async def __aenter__(self) -> Any:
        return await self.call_sync(self.manager.__enter__, (), {})

    async def __aexit__(self, *exc_info: Any) -> Any:
        return await self.exit_sync(self.manager.__exit__, exc_info, {})


async def _call(dependant: Dependant, values: dict[str, Any], ctx: SolveContext) -> Any:
    call = dependant.call
    assert call is not None
    if dependant.is_gen or dependant.is_async_gen:
        # Request-scoped teardown runs after the response is sent; function-scoped
        # teardown right after the handler returns, as in FastAPI.
        if dependant.scope == "function":
            stack = ctx.function_stack
        else:
            stack = ctx.stack
            ctx.has_teardown = True
        # The engine gives stacks whenever the graph (or an override) holds a generator.
        assert stack is not None
        manager: Any = (
            _SyncContext(contextlib.contextmanager(call)(**values), ctx.call_sync, ctx.exit_sync)
            if dependant.is_gen
            else contextlib.asynccontextmanager(call)(**values)
        )
        return await stack.enter_async_context(manager)
    if dependant.is_coroutine:
        return await call(**values)
    return await ctx.call_sync(call, (), values)


async def solve(dependant: Dependant, ctx: SolveContext) -> tuple[dict[str, Any], list[Any]]:
    """The keyword arguments for ``dependant.call``, or the validation errors found."""
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for sub in dependant.dependencies:
        use = _override(sub, ctx) if ctx.overrides else sub
        sub_values, sub_errors = await solve(use, ctx)
        if sub_errors:
            errors.extend(sub_errors)
            continue
        key = sub.cache_key
        if sub.use_cache and key in ctx.cache:
            solved = ctx.cache[key]
        else:
            solved = await _call(use, sub_values, ctx)
        if sub.name is not None:
            values[sub.name] = solved
        if key not in ctx.cache:
            ctx.cache[key] = solved
    bind_arguments(dependant, ctx.parts, ctx.body, ctx.embed_body, values, errors)
    if dependant.request_param_name:
        values[dependant.request_param_name] = ctx.get_request()
    if dependant.connection_param_name:
        socket = ctx.socket
        values[dependant.connection_param_name] = ctx.get_request() if socket is None else socket
    if dependant.websocket_param_name:
        values[dependant.websocket_param_name] = ctx.socket
    if dependant.sync_websocket_param_name:
        values[dependant.sync_websocket_param_name] = ctx.sync_socket
    if dependant.background_tasks_param_name:
        if ctx.background is None:
            ctx.background = BackgroundTasks()
        values[dependant.background_tasks_param_name] = ctx.background
    if dependant.response_param_name:
        values[dependant.response_param_name] = ctx.response
    if dependant.security_scopes_param_name:
        values[dependant.security_scopes_param_name] = SecurityScopes(dependant.scopes)
    return values, errors

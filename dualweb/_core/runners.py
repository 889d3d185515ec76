"""How an operation's handler runs, chosen once when the operation is made ready.

Four shapes of handler, one ``Runner`` each, every one with sync and async
twins (``run_sync`` on a WSGI thread, ``run_async`` on an event loop):

- ``PlainSync`` and ``PlainAsync``: a handler with no dependencies and no
  ``Request``/``Response``/``BackgroundTasks``/``SecurityScopes`` parameter;
  its arguments are bound straight from the request, without a solving context.
- ``PlainStream``: such a handler that ``yield``s: calling it only makes the
  generator, which the host steps as it sends the stream;
- ``Solved``: every other handler; its dependency graph is solved first
  (``dependencies.solve``), with exit stacks where a ``yield`` dependency needs
  teardown.

A generator handler's runner is wrapped in ``Primed``: its stream's first chunk
is pulled before the response starts, so that what the generator raises up to
then is handled as any handler's exception.

Sync code on an event loop runs in one worker-thread hop per request (the
handler with its sync dependencies); async code on a WSGI thread runs on the
thread's persistent loop, or without one when nothing in it can suspend.
A new handler shape (WebSockets) joins as one more runner.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ..exceptions import DualwebError, RequestValidationError
from ..responses import Response, StreamingResponse
from .after import Outcome, after_for
from .binding import bind_arguments
from .bodies import Prevalidated, error_body
from .concurrency import CallSync, call_in_copy, call_inline, drive, in_context
from .dependencies import SolveContext, runs_without_loop, solve
from .hostio import RequestParts
from .plan import Dependant, ParamField
from .responding import Responder
from .route import Route

__all__ = ["PlainAsync", "PlainStream", "PlainSync", "Primed", "Runner", "Solved", "runner_for"]

Overrides = dict[Callable[..., Any], Callable[..., Any]]


class OverridesProvider(Protocol):
    """Where the overrides in force are read at each request: the mounted router."""

    @property
    def dependency_overrides(self) -> Overrides | None:
        """The overrides in force (None, or empty: none)."""


class Runner:
    """Runs one operation's handler for one request and makes its response."""

    __slots__ = ("dependant", "embed_body", "endpoint", "responder")

    def __init__(self, route: Route, responder: Responder) -> None:
        self.dependant: Dependant = route.dependant
        self.endpoint = route.endpoint
        self.embed_body = route.embed_body
        self.responder = responder

    def run_sync(self, parts: RequestParts, body: Any) -> Outcome:
        """On a WSGI thread (or a worker thread of an ASGI host)."""
        raise NotImplementedError

    def run_async(self, parts: RequestParts, body: Any, to_thread: CallSync) -> Awaitable[Outcome]:
        """On an event loop; ``to_thread`` runs sync code in a worker thread.

        (An awaitable: a runner that only hands the work on returns the awaitable
        it hands it to, without a coroutine frame of its own per request.)
        """
        raise NotImplementedError


class _Plain(Runner):
    """A handler whose only parameters come from the request itself."""

    __slots__ = ("lone_body",)

    def __init__(self, route: Route, responder: Responder, lone_body: str | None) -> None:
        super().__init__(route, responder)
        #: The name of the handler's only parameter, a JSON body model, if it has just that.
        self.lone_body = lone_body

    def arguments(self, parts: RequestParts, body: Any) -> dict[str, Any]:
        if self.lone_body is not None and type(body) is Prevalidated:
            return {self.lone_body: body.value}  # validated already, from the bytes
        values: dict[str, Any] = {}
        errors: list[Any] = []
        bind_arguments(self.dependant, parts, body, self.embed_body, values, errors)
        if errors:
            raise RequestValidationError(errors, body=error_body(body))
        return values


class PlainSync(_Plain):
    """A plain ``def`` handler: called inline; on an event loop, in one worker-thread hop."""

    __slots__ = ()

    def run_sync(self, parts: RequestParts, body: Any) -> Outcome:
        raw = self.endpoint(**self.arguments(parts, body))
        response = self.responder.respond(raw, parts, None, None)
        # NOTE: most responses carry no background tasks: then nothing waits for them.
        return (response, None) if response.background is None else after_for(response, None, True)

    def run_async(self, parts: RequestParts, body: Any, to_thread: CallSync) -> Awaitable[Outcome]:
        return to_thread(self.run_sync, (parts, body), {})


class PlainStream(PlainSync):
    """A plain generator handler (``def`` or ``async def``): calling it only makes the
    generator, so it is called inline, never awaited and never sent to a thread; the
    host steps the stream (``responding.JsonLines``)."""

    __slots__ = ()

    async def run_async(self, parts: RequestParts, body: Any, to_thread: CallSync) -> Outcome:
        return self.run_sync(parts, body)


class PlainAsync(_Plain):
    """A plain ``async def`` handler: awaited; on a WSGI thread, on its persistent loop."""

    __slots__ = ()

    def run_sync(self, parts: RequestParts, body: Any) -> Outcome:
        return parts.io.block_on(self.run_async(parts, body, call_inline))

    async def run_async(self, parts: RequestParts, body: Any, to_thread: CallSync) -> Outcome:
        raw = await self.endpoint(**self.arguments(parts, body))
        response = self.responder.respond(raw, parts, None, None)
        return (response, None) if response.background is None else after_for(response, None, False)


class Solved(Runner):
    """A handler with dependencies (or request-bound parameters): the graph is solved first.

    The graph's colour is known at declaration, but ``dependency_overrides`` may
    change it at any time (an override may suspend, or hold a ``yield``; a test may
    replace the whole mapping, or set it to None), so the mounted router's overrides
    in force are looked at per request; their plans are analysed once.
    """

    __slots__ = (
        "graph_is_sync",
        "has_teardown",
        "is_stream",
        "override_plans",
        "provider",
        "subs_are_sync",
    )

    def __init__(self, route: Route, responder: Responder, provider: OverridesProvider) -> None:
        super().__init__(route, responder)
        self.provider = provider
        self.override_plans: dict[tuple[Any, ...], Dependant] = {}
        #: A generator handler: called inline (it only makes the generator), never awaited.
        self.is_stream = route.is_stream
        root = self.dependant
        subs = [d for d in root.walk() if d is not root]
        #: The dependencies never suspend: on a loop, they are solved in one worker-thread
        #: hop, before an ``async def`` handler is awaited.
        self.subs_are_sync = all(d.never_suspends for d in subs if d.call)
        self.graph_is_sync = self.subs_are_sync and (root.never_suspends or self.is_stream)
        # A graph without yield dependencies needs no exit stacks (the common case); the
        # handler's own generator is its stream, not a dependency's teardown.
        self.has_teardown = any(d.is_gen or d.is_async_gen for d in subs)

    def _runs_without_loop(self, overrides: Overrides | None) -> bool:
        """Whether the handler and its dependencies, overrides applied, never suspend."""
        return self.graph_is_sync and self._subs_run_without_loop(overrides)

    def _subs_run_without_loop(self, overrides: Overrides | None) -> bool:
        """Whether the dependencies, overrides applied, never suspend."""
        if not self.subs_are_sync:
            return False
        if overrides:
            return runs_without_loop(self.dependant, overrides, self.override_plans)
        return True

    def run_sync(self, parts: RequestParts, body: Any) -> Outcome:
        overrides = self.provider.dependency_overrides
        sync_graph = self._runs_without_loop(overrides)
        call_sync = call_inline if sync_graph else parts.io.sync_calls()
        solving = self.solve_and_call(parts, body, call_sync, sync_graph, overrides)
        if sync_graph:
            return drive(solving)  # in this thread's context, as what runs after it
        # NOTE: async code here runs in a task of ``block_on``'s, then what runs after the
        # response in another: both in one context of the request's own, as in the one
        # task of an ASGI request (a yield dependency's teardown sees what it set).
        context = contextvars.copy_context()
        response, after = parts.io.block_on(in_context(solving, context))
        if after is not None:
            after.context = context
        return response, after

    def run_async(self, parts: RequestParts, body: Any, to_thread: CallSync) -> Awaitable[Outcome]:
        overrides = self.provider.dependency_overrides
        if self._runs_without_loop(overrides):
            # The whole graph and the handler in one worker-thread hop.
            solving = self.solve_and_call(parts, body, call_inline, True, overrides)
            return to_thread(drive, (solving,), {})
        if not self.is_stream and self._subs_run_without_loop(overrides):
            # The dependencies in one hop, then the handler on the loop.
            return self.solve_and_call(parts, body, to_thread, False, overrides, hop=True)
        return self.solve_and_call(parts, body, to_thread, False, overrides)

    async def solve_and_call(
        self,
        parts: RequestParts,
        body: Any,
        call_sync: CallSync,
        sync_graph: bool,
        overrides: Overrides | None,
        hop: bool = False,
    ) -> Outcome:
        """Solve the graph, call the handler, respond; written once for every colour.

        ``hop``: the graph's dependencies, all sync, are solved in one call of
        ``call_sync`` (a worker-thread hop), each in a copy of the context as if in a hop
        of its own; their teardown still goes through ``call_sync``.
        """
        if self.has_teardown or overrides:
            return await self._with_teardown(parts, body, call_sync, sync_graph, overrides, hop)
        ctx = self._context(parts, body, call_sync, None, None, None, hop)
        return after_for(await self._call(ctx, call_sync if hop else None), None, sync_graph)

    async def _with_teardown(
        self,
        parts: RequestParts,
        body: Any,
        call_sync: CallSync,
        sync_graph: bool,
        overrides: Overrides | None,
        hop: bool,
    ) -> Outcome:
        # Function-scoped teardown runs as the handler returns; request-scoped teardown
        # after the response is sent (the host runs it), or at once on failure.
        response: Response | None = None
        async with contextlib.AsyncExitStack() as request_stack:
            async with contextlib.AsyncExitStack() as function_stack:
                ctx = self._context(
                    parts, body, call_sync, overrides, request_stack, function_stack, hop
                )
                response = await self._call(ctx, call_sync if hop else None)
            if response is None:  # a function-scoped dependency swallowed the exception
                raise DualwebError(_SWALLOWED)
            pending = request_stack.pop_all() if ctx.has_teardown else None
            return after_for(response, pending, sync_graph)
        raise DualwebError(_SWALLOWED)  # a request-scoped dependency swallowed it

    def _context(
        self,
        parts: RequestParts,
        body: Any,
        call_sync: CallSync,
        overrides: Overrides | None,
        request_stack: contextlib.AsyncExitStack | None,
        function_stack: contextlib.AsyncExitStack | None,
        hop: bool = False,
    ) -> SolveContext:
        return SolveContext(
            parts,
            body=body,
            embed_body=self.embed_body,
            # In the hop, each sync call in a copy of the context (as in a hop of its own).
            call_sync=call_in_copy if hop else call_sync,
            overrides=overrides or {},
            override_plans=self.override_plans,
            stack=request_stack,
            function_stack=function_stack,
            exit_sync=call_sync,
        )

    async def _call(self, ctx: SolveContext, hop: CallSync | None = None) -> Response:
        if hop is None:
            values, errors = await solve(self.dependant, ctx)
        else:
            values, errors = await hop(drive, (solve(self.dependant, ctx),), {})
        if errors:
            raise RequestValidationError(errors, body=error_body(ctx.body))
        if self.dependant.is_coroutine:
            raw = await self.endpoint(**values)
        elif self.is_stream:
            raw = self.endpoint(**values)
        else:
            raw = await ctx.call_sync(self.endpoint, (), values)
        return self.responder.respond(raw, ctx.parts, ctx.background, ctx.sub_response)


_SWALLOWED = (
    "no response: a dependency with yield caught the handler's exception and did not raise "
    "it again (or another); re-raise it in the dependency's except block"
)


def runner_for(
    route: Route, responder: Responder, provider: OverridesProvider, json_body: ParamField | None
) -> Runner:
    """The runner of ``route``'s handler; ``json_body``: its lone JSON body model, if any."""
    d = route.dependant
    if (
        d.dependencies
        or d.request_param_name
        or d.connection_param_name
        or d.response_param_name
        or d.background_tasks_param_name
        or d.security_scopes_param_name
    ):
        solved = Solved(route, responder, provider)
        return Primed(route, solved) if route.is_stream else solved
    only_body = json_body is not None and not (
        d.path_params or d.query_params or d.header_params or d.cookie_params
    )
    lone_body = json_body.name if only_body and json_body is not None else None
    if route.is_stream:
        return Primed(route, PlainStream(route, responder, lone_body))
    if d.is_coroutine:
        return PlainAsync(route, responder, lone_body)
    return PlainSync(route, responder, lone_body)


class Primed(Runner):
    """A generator handler's runner, whose stream's first chunk is pulled before the
    response starts: up to it, the generator's exceptions are the handler's (the
    exception handlers answer them; the teardown of ``yield`` dependencies sees them
    first, as when a handler raises)."""

    __slots__ = ("runner",)

    def __init__(self, route: Route, runner: Runner) -> None:
        super().__init__(route, runner.responder)
        self.runner = runner

    def run_sync(self, parts: RequestParts, body: Any) -> Outcome:
        response, after = self.runner.run_sync(parts, body)
        if isinstance(response, StreamingResponse):
            io = parts.io
            try:
                response.prime_sync(io.block_on)
            except Exception as exc:
                if after is not None:
                    after.run_sync(io.block_on, io.sync_calls(), error=exc)
                raise
        return response, after

    async def run_async(self, parts: RequestParts, body: Any, to_thread: CallSync) -> Outcome:
        response, after = await self.runner.run_async(parts, body, to_thread)
        if isinstance(response, StreamingResponse):
            try:
                await response.prime_async(to_thread)
            except Exception as exc:
                if after is not None:
                    await after.run_async(to_thread, error=exc)
                raise
        return response, after

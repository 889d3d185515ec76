"""The request pipeline of one operation.

``Operation.run`` is the whole per-request path, written once: decode the
body, solve the dependency graph, call the handler, validate and serialize its
result. Hosts enter it through ``handle_sync`` (WSGI) or ``handle_async``
(ASGI); the two differ only in how they read the body and where synchronous
code runs.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .. import exception_handlers as defaults
from ..background import BackgroundTasks
from ..datastructures import FormData
from ..encoders import jsonable_encoder
from ..exceptions import (
    DualwebError,
    HTTPException,
    RequestValidationError,
    ResponseValidationError,
)
from ..requests import Request
from ..responses import Response, is_body_allowed_for_status_code, sends_content_length
from ..routing import Route, Router, _Default
from .analysis import Dependant, Undefined
from .binding import Prevalidated, decode_json_body, json_fast_path
from .concurrency import CallSync, call_inline, drive, run_on_thread_loop
from .dependencies import SolveContext, bind_own, runs_without_loop, solve
from .hostio import RequestParts
from .paths import template

__all__ = ["After", "ExceptionHandlers", "Operation"]

Handler = Callable[..., Any]


class ExceptionHandlers:
    """The exception handlers that apply to one route: its routers', innermost first.

    As in Starlette, a handler keyed by ``500`` or ``Exception`` is the
    *server error* handler: it answers for any exception no other handler
    takes, and the exception still reaches the host (``Response.unhandled``),
    so that its logging and monitoring see it. ``HTTPException(500)`` keeps the
    default HTTP handler.
    """

    def __init__(self, chain: tuple[Router, ...]) -> None:
        by_class: dict[type[BaseException], Handler] = {
            HTTPException: defaults.http_exception_handler,
            RequestValidationError: defaults.request_validation_exception_handler,
        }
        by_status: dict[int, Handler] = {}
        server_error: Handler | None = None
        for router in reversed(chain):
            for key, handler in router.exception_handlers.items():
                if key == 500 or key is Exception:
                    server_error = handler
                elif isinstance(key, int):
                    by_status[key] = handler
                else:
                    by_class[key] = handler
        self.by_class = by_class
        self.by_status = by_status
        self.server_error = server_error

    def lookup(self, exc: BaseException) -> tuple[Handler | None, bool]:
        """The handler for ``exc``, and whether it answers as the server error handler."""
        if isinstance(exc, HTTPException) and exc.status_code in self.by_status:
            return self.by_status[exc.status_code], False
        for cls in type(exc).__mro__:
            if cls in self.by_class:
                return self.by_class[cls], False
        return self.server_error, self.server_error is not None


def _never_suspends(handler: Handler) -> bool:
    return not inspect.iscoroutinefunction(handler) or bool(
        getattr(handler, "__dualweb_never_suspends__", False)
    )


class Operation:
    """A route made ready to serve: everything per-request work needs, decided once."""

    def __init__(
        self,
        route: Route,
        *,
        path: str,
        overrides: dict[Callable[..., Any], Callable[..., Any]],
        handlers: ExceptionHandlers,
    ) -> None:
        self.route = route
        self.path = path
        self.template = template(path)
        self.methods = frozenset(route.methods)
        self.dependant: Dependant = route.dependant
        self.endpoint = route.endpoint
        self.needs_body = bool(route.body_fields)
        self.is_form = any(field.is_form for field in route.body_fields)
        self.form_limits = route.form_limits
        self.max_body_size = route.max_body_size
        self.embed_body = route.embed_body
        fields = route.body_fields
        self.fast_json = (
            fields[0]
            if len(fields) == 1
            and not route.embed_body
            and not fields[0].is_form
            and json_fast_path(fields[0])
            else None
        )
        self.overrides = overrides
        self.override_plans: dict[tuple[Any, ...], Dependant] = {}
        self.handlers = handlers
        self.graph_is_sync = self.dependant.all_sync
        # A graph without yield dependencies needs no exit stacks (the common case).
        self.has_generators = any(d.is_gen or d.is_async_gen for d in self.dependant.walk())
        # A handler with no dependencies and no Request/Response/BackgroundTasks/
        # SecurityScopes parameter: its arguments are bound without a solving context.
        d = self.dependant
        self.plain = not (
            d.dependencies
            or d.request_param_name
            or d.response_param_name
            or d.background_tasks_param_name
            or d.security_scopes_param_name
        )
        #: A plain handler whose only parameter is one JSON body model: its name.
        self.body_only = (
            self.fast_json.name
            if self.plain
            and self.fast_json is not None
            and not (d.path_params or d.query_params or d.header_params or d.cookie_params)
            else None
        )
        #: A plain ``def`` handler: served by ``run_plain_sync``, without coroutines.
        self.plain_sync = self.plain and not d.is_coroutine
        #: A plain ``async def`` handler: called inline by ``handle_async``.
        self.plain_async = self.plain and d.is_coroutine
        self.adapter = route.response_adapter
        self.default_class = isinstance(route.response_class, _Default)
        response_class = route.response_class
        self.response_class: type[Response] = (
            response_class.value if isinstance(response_class, _Default) else response_class
        )
        self.dump_options: dict[str, Any] = {
            "include": route.response_model_include,
            "exclude": route.response_model_exclude,
            "by_alias": route.response_model_by_alias,
            "exclude_unset": route.response_model_exclude_unset,
            "exclude_defaults": route.response_model_exclude_defaults,
            "exclude_none": route.response_model_exclude_none,
        }
        #: The status of a plain handler's JSON response model (default response
        #: class, a status that carries a body), or 0 where ``serialize`` must decide.
        self.direct_json = (
            (route.status_code or 200)
            if self.plain
            and self.adapter is not None
            and self.default_class
            and is_body_allowed_for_status_code(route.status_code or 200)
            else 0
        )
        # The same for the serializer's JSON call, without the options left at
        # pydantic's own defaults (fewer keywords to parse per request).
        self.json_options = {
            name: value
            for name, value in self.dump_options.items()
            if name == "by_alias" or value not in (None, False)
        }

    # --- the pipeline, written once ----------------------------------------------------

    async def run(
        self, parts: RequestParts, payload: Any, call_sync: CallSync, sync_graph: bool
    ) -> tuple[Response, After | None]:
        body = self._decode(parts, payload)
        if self.plain:
            # NOTE: nothing to solve but the handler's own parameters. Only a plain
            # `async def` handler on a WSGI host gets here: handle_async calls one inline,
            # and a plain `def` handler goes through run_plain_sync.
            raw = await self.endpoint(**self._plain_values(parts, body))
            return self._plain_result(raw, parts, sync_graph)
        if not self.has_generators and not self.overrides:
            # NOTE: the fast path: no teardown can be pending, so no exit stacks.
            ctx = self._context(parts, body, call_sync, None, None)
            response = await self._respond(parts, body, call_sync, ctx)
            return response, _after(response, None, sync_graph)
        result: Response | None = None
        async with contextlib.AsyncExitStack() as request_stack:
            async with contextlib.AsyncExitStack() as function_stack:
                ctx = self._context(parts, body, call_sync, request_stack, function_stack)
                result = await self._respond(parts, body, call_sync, ctx)
            if result is None:
                raise DualwebError(_SWALLOWED)
            # Success: request-scoped teardown waits until the response is sent.
            pending = request_stack.pop_all() if ctx.has_teardown else None
        if result is None:
            raise DualwebError(_SWALLOWED)
        return result, _after(result, pending, sync_graph)

    def run_plain_sync(self, parts: RequestParts, payload: Any) -> tuple[Response, After | None]:
        """``run`` for a plain ``def`` handler (no dependencies): no coroutine needed."""
        body = self._decode(parts, payload)
        raw = self.endpoint(**self._plain_values(parts, body))
        return self._plain_result(raw, parts, True)

    def _plain_result(
        self, raw: Any, parts: RequestParts, sync_graph: bool
    ) -> tuple[Response, After | None]:
        if self.direct_json and not isinstance(raw, Response):
            # What `_finish` makes of it, without the questions it cannot need here.
            return self._json_response(raw, self.direct_json, None), None
        response = self._finish(raw, parts, None)
        return response, _after(response, None, sync_graph)

    def _decode(self, parts: RequestParts, payload: Any) -> Any:
        if self.is_form:
            return payload
        if self.needs_body:
            return decode_json_body(payload, parts.header("content-type"), self.fast_json)
        return Undefined

    def _plain_values(self, parts: RequestParts, body: Any) -> dict[str, Any]:
        if self.body_only is not None and type(body) is Prevalidated:
            return {self.body_only: body.value}  # the lone body model, validated already
        values: dict[str, Any] = {}
        errors: list[Any] = []
        bind_own(self.dependant, parts, body, self.embed_body, values, errors)
        if errors:
            raise RequestValidationError(errors, body=_error_body(body))
        return values

    def _context(
        self,
        parts: RequestParts,
        body: Any,
        call_sync: CallSync,
        request_stack: contextlib.AsyncExitStack | None,
        function_stack: contextlib.AsyncExitStack | None,
    ) -> SolveContext:
        return SolveContext(
            parts,
            body=body,
            embed_body=self.embed_body,
            call_sync=call_sync,
            overrides=self.overrides,
            override_plans=self.override_plans,
            stack=request_stack,
            function_stack=function_stack,
        )

    async def _respond(
        self, parts: RequestParts, body: Any, call_sync: CallSync, ctx: SolveContext
    ) -> Response:
        values, errors = await solve(self.dependant, ctx)
        return await self._call(parts, body, call_sync, values, errors, ctx)

    async def _call(
        self,
        parts: RequestParts,
        body: Any,
        call_sync: CallSync,
        values: dict[str, Any],
        errors: list[Any],
        ctx: SolveContext | None,
    ) -> Response:
        """Call the handler with its arguments (or report their errors); make the response."""
        if errors:
            raise RequestValidationError(errors, body=_error_body(body))
        if self.dependant.is_coroutine:
            raw = await self.endpoint(**values)
        else:
            raw = await call_sync(self.endpoint, (), values)
        return self._finish(raw, parts, ctx)

    def _finish(self, raw: Any, parts: RequestParts, ctx: SolveContext | None) -> Response:
        response = self.serialize(raw, ctx)
        if type(response).prepare is not Response.prepare:
            # Only some responses look at the request (FileResponse: HEAD, Range).
            response = response.prepare(parts.method, parts.headers)
        return response

    def serialize(self, raw: Any, ctx: SolveContext | None) -> Response:
        """The response for the handler's return value."""
        background = ctx.background if ctx is not None else None
        if isinstance(raw, Response):
            if raw.background is None:
                raw.background = background
            return raw
        status = self.route.status_code
        sub = ctx.sub_response if ctx is not None else None
        if sub is not None and sub.status_code:
            status = sub.status_code
        adapter = self.adapter
        if adapter is not None:
            if self.default_class:
                response = self._json_response(raw, status or 200, background)
            else:
                value = self._validated(raw, adapter)
                content = adapter.serializer.to_python(value, mode="json", **self.dump_options)
                response = self._instantiate(content, status, background)
        else:
            response = self._instantiate(jsonable_encoder(raw), status, background)
        if not is_body_allowed_for_status_code(response.status_code):
            _drop_body(response)
        if sub is not None:
            response.raw_headers.extend(sub.raw_headers)
        return response

    def _validated(self, raw: Any, adapter: TypeAdapter[Any]) -> Any:
        # The core validator and serializer are called directly (TypeAdapter's methods forward).
        try:
            return adapter.validator.validate_python(raw, from_attributes=True)
        except ValidationError as exc:
            errors = [
                {**err, "loc": ("response", *err["loc"])} for err in exc.errors(include_url=False)
            ]
            raise ResponseValidationError(errors, body=raw) from None

    def _json_response(self, raw: Any, status: int, background: BackgroundTasks | None) -> Response:
        # The default response for a response model: validated, then JSON bytes from pydantic.
        adapter: TypeAdapter[Any] = self.adapter  # type: ignore[assignment]
        value = self._validated(raw, adapter)
        return _json_bytes(
            adapter.serializer.to_json(value, **self.json_options), status, background
        )

    def _instantiate(
        self, content: Any, status: int | None, background: BackgroundTasks | None
    ) -> Response:
        # As FastAPI: the status is passed only when set, so a class keeps its own default.
        if status:
            return self.response_class(content, status_code=status, background=background)
        return self.response_class(content, background=background)

    # --- entry points for the hosts ------------------------------------------------------

    def _is_sync(self) -> bool:
        if not self.graph_is_sync:
            return False
        if self.overrides:
            # An override may suspend (or depend on something that does): look at
            # the graph as it will be solved; the override plans are analysed once.
            return runs_without_loop(self.dependant, self.overrides, self.override_plans)
        return True

    def handle_sync(self, parts: RequestParts) -> tuple[Response, After | None]:
        """Serve one request on a WSGI thread; unhandled exceptions propagate."""
        try:
            parts.max_body_size = self.max_body_size
            body: FormData | bytes
            if self.is_form:
                body = parts.form_sync(self.form_limits)
            elif self.needs_body:
                body = parts.body_sync()
            else:
                body = b""
            if self.plain_sync:
                return self.run_plain_sync(parts, body)
            sync_graph = self._is_sync()
            coro = self.run(parts, body, call_inline, sync_graph)
            if sync_graph:
                return drive(coro)
            return run_on_thread_loop(coro)
        except Exception as exc:
            handler, server_error = self.handlers.lookup(exc)
            if handler is None:
                raise
            result = handler(Request(parts), exc)
            if inspect.iscoroutine(result):
                result = drive(result) if _never_suspends(handler) else run_on_thread_loop(result)
            return _check_handler_result(result, handler, exc if server_error else None)

    async def handle_async(
        self, parts: RequestParts, to_thread: CallSync
    ) -> tuple[Response, After | None]:
        """Serve one request on an event loop; sync code runs in one thread-pool hop."""
        try:
            # NOTE: written inline (here and in handle_sync), like the plain handler's
            # call below: a coroutine less to make and await per request.
            parts.max_body_size = self.max_body_size
            body: FormData | bytes
            if self.is_form:
                body = await parts.form_async(self.form_limits)
            elif self.needs_body:
                body = await parts.body_async()
            else:
                body = b""
            if self.plain_async:
                raw = await self.endpoint(**self._plain_values(parts, self._decode(parts, body)))
                return self._plain_result(raw, parts, False)
            if self.plain_sync:
                return await to_thread(self.run_plain_sync, (parts, body), {})  # type: ignore[no-any-return]
            if self._is_sync():
                coro = self.run(parts, body, call_inline, True)
                return await to_thread(drive, (coro,), {})  # type: ignore[no-any-return]
            return await self.run(parts, body, to_thread, False)
        except Exception as exc:
            handler, server_error = self.handlers.lookup(exc)
            if handler is None:
                raise
            if inspect.iscoroutinefunction(handler):
                result = await handler(Request(parts), exc)
            else:
                result = await to_thread(handler, (Request(parts), exc), {})
            return _check_handler_result(result, handler, exc if server_error else None)


def _after(
    response: Response, pending: contextlib.AsyncExitStack | None, sync_graph: bool
) -> After | None:
    """What the host must run after sending ``response``, if anything."""
    background = response.background
    if pending is None and (background is None or not background.tasks):
        return None
    return After(background, pending, sync_graph)


def _error_body(body: Any) -> Any:
    if body is Undefined:
        return None
    if isinstance(body, Prevalidated):
        return body.parsed()
    return body


def _json_bytes(body: bytes, status: int, background: BackgroundTasks | None) -> Response:
    # The default response for a response model: JSON bytes straight from pydantic.
    # Built without Response.__init__'s rendering steps; the headers are Starlette's.
    response = Response.__new__(Response)
    response.status_code = status
    response.body = body
    response.media_type = "application/json"
    response._background = background  # a BackgroundTasks or None: nothing to convert
    if sends_content_length(status):
        response.raw_headers = [
            ("content-length", str(len(body))),
            ("content-type", "application/json"),
        ]
    else:
        response.raw_headers = [("content-type", "application/json")]
    return response


def _drop_body(response: Response) -> None:
    # 1xx, 204, 205 and 304 carry no body; a Content-Length already set says 0.
    response.body = b""
    response.raw_headers = [
        (name, "0") if name == "content-length" else (name, value)
        for name, value in response.raw_headers
    ]


def _check_handler_result(
    result: Any, handler: Handler, unhandled: BaseException | None
) -> tuple[Response, After | None]:
    if not isinstance(result, Response):
        name = getattr(handler, "__name__", repr(handler))
        raise DualwebError(f"exception handler {name} must return a dualweb Response")
    result.unhandled = unhandled
    if result.background and result.background.tasks:
        return result, After(result.background, None, not result.background.has_async)
    return result, None


_SWALLOWED = (
    "no response: a dependency with yield caught the handler's exception and did not raise "
    "it again (or another); re-raise it in the dependency's except block"
)


class After:
    """What the host runs once the response is sent: background tasks, then the
    teardown of request-scoped ``yield`` dependencies (FastAPI's order)."""

    __slots__ = ("background", "stack", "sync_graph")

    def __init__(
        self,
        background: BackgroundTasks | None,
        stack: contextlib.AsyncExitStack | None,
        sync_graph: bool,
    ) -> None:
        self.background = background
        self.stack = stack
        self.sync_graph = sync_graph

    def run_sync(self) -> None:
        """On a WSGI thread, after the body has been sent (the response is closed)."""
        tasks = self.background
        if tasks is not None and tasks.tasks:
            coro = tasks.run()
            if tasks.has_async:
                run_on_thread_loop(coro)
            else:
                drive(coro)
        if self.stack is not None:
            closing = self.stack.aclose()
            if self.sync_graph:
                drive(closing)
            else:
                run_on_thread_loop(closing)

    async def run_async(self, to_thread: CallSync) -> None:
        """On an event loop, after the response has been sent."""
        if self.background is not None and self.background.tasks:
            await self.background.run(to_thread)
        if self.stack is not None:
            if self.sync_graph:
                await to_thread(drive, (self.stack.aclose(),), {})
            else:
                await self.stack.aclose()

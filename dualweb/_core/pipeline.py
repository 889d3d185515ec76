"""One operation made ready to serve, and the way of one request through it.

At declaration an ``Operation`` picks its strategies: a ``BodyReader``
(``bodies``), a ``Runner`` (``runners``), which binds the arguments or solves
the dependency graph and calls the handler, and a ``Responder``
(``responding``). Per request there is then nothing left to decide. Hosts
enter through ``handle_sync`` (WSGI) or ``handle_async`` (ASGI), twins that
differ only in how the body is read and where synchronous code runs:

    host -> handle_* -> read the body -> run (bind or solve, call, respond) -> host

An exception on the way goes to the route's exception handlers (``errors``);
one no handler takes propagates to the host, for its own error handling.
"""

from __future__ import annotations

from typing import NoReturn

from .after import Outcome
from .bodies import BodyReader, JsonBody, body_reader_for
from .concurrency import CallSync
from .errors import ExceptionHandlers, without_input
from .foreign import as_dualweb
from .hostio import RequestParts
from .nesting import DEFAULT_MAX_JSON_DEPTH
from .paths import template
from .plan import Undefined
from .responding import responder_for
from .route import Route, first_set, resolve_default
from .runners import OverridesProvider, Runner, runner_for

__all__ = ["Operation"]


class Operation:
    """A route made ready to serve under a host's path: everything per request, decided."""

    __slots__ = (
        "handlers",
        "hide_input",
        "is_form",
        "max_body_size",
        "methods",
        "path",
        "reader",
        "route",
        "runner",
        "template",
    )

    def __init__(
        self,
        route: Route,
        *,
        path: str,
        provider: OverridesProvider,
        handlers: ExceptionHandlers,
    ) -> None:
        self.route = route
        self.path = path
        self.template = template(path)
        self.methods = frozenset(route.methods)
        self.max_body_size = route.max_body_size
        self.handlers = handlers
        #: None for an operation that declares no body: it reads none (a dependency may
        #: still ask ``Request`` for it).
        self.reader: BodyReader | None = body_reader_for(
            route.body_fields,
            route.embed_body,
            route.limits,
            resolve_default(route.strict_content_type),
            first_set(route.max_json_depth, DEFAULT_MAX_JSON_DEPTH),
        )
        self.is_form = any(field.is_form for field in route.body_fields)
        self.hide_input = bool(route.hide_input_in_errors)
        json_body = self.reader.fast if isinstance(self.reader, JsonBody) else None
        self.runner: Runner = runner_for(route, responder_for(route), provider, json_body)

    def handle_sync(self, parts: RequestParts) -> Outcome:
        """Serve one request on a WSGI thread; unhandled exceptions propagate."""
        parts.max_body_size = self.max_body_size
        try:
            reader = self.reader
            body = Undefined if reader is None else reader.read_sync(parts)
            return self.runner.run_sync(parts, body)
        except Exception as exc:
            if self.hide_input:
                exc = without_input(exc)
            handling = self.handlers.find(exc)
            if handling is None:
                _propagate(exc)
            return handling.answer_sync(parts, exc)

    async def handle_async(self, parts: RequestParts, to_thread: CallSync) -> Outcome:
        """Serve one request on an event loop; sync code runs in one worker-thread hop."""
        parts.max_body_size = self.max_body_size
        try:
            reader = self.reader
            body = Undefined if reader is None else await reader.read_async(parts)
            return await self.runner.run_async(parts, body, to_thread)
        except Exception as exc:
            if self.hide_input:
                exc = without_input(exc)
            handling = self.handlers.find(exc)
            if handling is None:
                _propagate(exc)
            return await handling.answer_async(parts, exc, to_thread)


def _propagate(exc: Exception) -> NoReturn:
    # To the host: FastAPI's or Starlette's HTTP and validation errors as dualweb's, so
    # that every host hands them to its app's handlers as it hands dualweb's (errors="app").
    native = as_dualweb(exc)
    if native is exc:
        raise exc
    raise native from exc

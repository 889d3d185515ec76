"""Exceptions raised while serving a request -> the router's exception handlers' responses."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .. import exception_handlers as defaults
from ..exceptions import (
    DualwebError,
    RequestValidationError,
    WebSocketRequestValidationError,
    _AnyHTTPException,
)
from ..requests import Request
from ..responses import Response
from ..routing import Router
from .after import After, Outcome
from .concurrency import CallSync, drive
from .foreign import as_dualweb, converted_response, is_http_exception, key_of, lineage
from .hostio import RequestParts

__all__ = ["ExceptionHandlers", "Handling", "without_input"]

Handler = Callable[..., Any]


class Handling:
    """One exception handler, ready to answer for an exception (sync and async twins).

    ``server_error``: it is the server error handler (keyed by ``500`` or
    ``Exception``), so the exception still reaches the host after the answer
    (``Response.unhandled``), for its logging and monitoring.
    """

    __slots__ = ("handler", "is_async", "never_suspends", "server_error")

    def __init__(self, handler: Handler, server_error: bool) -> None:
        self.handler = handler
        self.server_error = server_error
        self.is_async = inspect.iscoroutinefunction(handler)
        self.never_suspends = not self.is_async or bool(
            getattr(handler, "__dualweb_never_suspends__", False)
        )

    def answer_sync(self, parts: RequestParts, exc: Exception) -> Outcome:
        """On a WSGI thread."""
        result = self.handler(Request(parts), exc)
        if inspect.iscoroutine(result):
            result = drive(result) if self.never_suspends else parts.io.block_on(result)
        return self._outcome(result, exc)

    async def answer_async(
        self, parts: RequestParts, exc: Exception, to_thread: CallSync
    ) -> Outcome:
        """On an event loop; a sync handler runs in a worker thread."""
        if self.is_async:
            result = await self.handler(Request(parts), exc)
        else:
            result = await to_thread(self.handler, (Request(parts), exc), {})
        return self._outcome(result, exc)

    def _outcome(self, result: Any, exc: Exception) -> Outcome:
        if not isinstance(result, Response):
            result = converted_response(result) or result  # Starlette's, left over
        if not isinstance(result, Response):
            name = getattr(self.handler, "__name__", repr(self.handler))
            raise DualwebError(f"exception handler {name} must return a dualweb Response")
        result.unhandled = exc if self.server_error else None
        tasks = result.background
        if tasks and tasks.tasks:
            return result, After(tasks, None, not tasks.has_async)
        return result, None


class ExceptionHandlers:
    """The exception handlers that apply to one route: its routers', innermost first.

    As in Starlette, a handler keyed by ``500`` or ``Exception`` is the
    *server error* handler: it answers for any exception no other handler
    takes. ``HTTPException(500)`` keeps the default HTTP handler.

    FastAPI's and Starlette's exceptions are looked up as dualweb's (``foreign``):
    a handler for Starlette's ``HTTPException`` takes every HTTP exception, and
    replaces the default HTTP handler, as on FastAPI.

    ``to_app``: an ``HTTPException`` or a ``RequestValidationError`` that no
    handler of the routers takes goes to the host app's own error handling
    (``mount(..., errors="app")``) instead of FastAPI's default answers.
    """

    def __init__(self, chain: tuple[Router, ...], *, to_app: bool = False) -> None:
        by_class: dict[type[BaseException], Handling] = {}
        if not to_app:
            by_class[_AnyHTTPException] = Handling(defaults.http_exception_handler, False)
            by_class[RequestValidationError] = Handling(
                defaults.request_validation_exception_handler, False
            )
        self.to_app = to_app
        by_status: dict[int, Handling] = {}
        server_error: Handling | None = None
        for router in reversed(chain):
            for key, handler in router.exception_handlers.items():
                if key == 500 or key is Exception:
                    server_error = Handling(handler, True)
                elif isinstance(key, int):
                    by_status[key] = Handling(handler, False)
                else:
                    by_class[key_of(key)] = Handling(handler, False)
        self.by_class = by_class
        self.by_status = by_status
        self.server_error = server_error

    def find(self, exc: BaseException) -> Handling | None:
        """The handling for ``exc``; None lets it propagate to the host."""
        by_status = self.by_status
        if by_status and is_http_exception(exc):
            handling = by_status.get(exc.status_code)  # type: ignore[attr-defined]
            if handling is not None:
                return handling
        keys = lineage(type(exc))
        for key in keys:
            if key in self.by_class:
                return self.by_class[key]
        if self.to_app and (_AnyHTTPException in keys or RequestValidationError in keys):
            return None  # the app's, not a server error
        return self.server_error


def without_input(exc: Exception) -> Exception:
    """``exc``, its errors without the ``input`` the client sent when it is a request's
    or a socket's validation error (FastAPI's read as dualweb's); as it is otherwise.

    For routers that set ``hide_input_in_errors``: every exception handler (and the
    host app's, with ``errors="app"``) then sees the errors the client will see.
    """
    if not isinstance(exc, (RequestValidationError, WebSocketRequestValidationError)):
        if RequestValidationError not in lineage(type(exc)):
            return exc
        exc = as_dualweb(exc)
    exc._errors = [_drop_input(error) for error in exc.errors()]  # type: ignore[attr-defined]
    return exc


def _drop_input(error: Any) -> Any:
    if isinstance(error, dict) and "input" in error:
        return {key: value for key, value in error.items() if key != "input"}
    return error

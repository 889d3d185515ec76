"""Exceptions a handler raises, and the validation errors dualweb raises for it."""

from __future__ import annotations

import http
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "DualwebDeprecationWarning",
    "DualwebError",
    "HTTPException",
    "RequestValidationError",
    "ResponseValidationError",
    "ValidationException",
    "WebSocketException",
    "WebSocketRequestValidationError",
]


class DualwebError(RuntimeError):
    """A mistake in how routes are declared or mounted, reported at start-up."""


class DualwebDeprecationWarning(UserWarning):
    """Something FastAPI deprecates, deprecated here too.

    NOTE: a ``UserWarning``, as FastAPI's ``FastAPIDeprecationWarning`` is, not a
    ``DeprecationWarning``: Python hides those by default outside ``__main__``.
    """


class _AnyHTTPException(Exception):
    """What Starlette's ``HTTPException`` stands for on a router: every HTTP exception.

    An exception handler registered for ``starlette.exceptions.HTTPException`` is
    registered for this class, so that it takes dualweb's ``HTTPException`` (and
    FastAPI's and Starlette's own, left over in a moved module), as on FastAPI, where
    ``fastapi.HTTPException`` derives from Starlette's; one for ``HTTPException``
    (dualweb's or FastAPI's) still comes first for those.
    """


class HTTPException(_AnyHTTPException):
    """Ends the request with ``status_code``, a JSON ``{"detail": ...}`` body and ``headers``."""

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            detail = http.HTTPStatus(status_code).phrase
        self.status_code = status_code
        self.detail = detail
        self.headers = headers
        super().__init__(status_code, detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class ValidationException(Exception):
    """A list of pydantic-shaped error dicts."""

    def __init__(self, errors: Sequence[Any]) -> None:
        super().__init__(errors)
        self._errors = errors

    def errors(self) -> Sequence[Any]:
        """The error dicts, each with ``type``, ``loc``, ``msg`` and ``input``."""
        return self._errors

    def __str__(self) -> str:
        count = len(self._errors)
        lines = [f"{count} validation error{'' if count == 1 else 's'}:"]
        lines.extend(f"  {err}" for err in self._errors)
        return "\n".join(lines)


class RequestValidationError(ValidationException):
    """The request did not match the handler's declared parameters (sent as a 422)."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class ResponseValidationError(ValidationException):
    """The handler returned data that does not match its response model (a server error)."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class WebSocketRequestValidationError(ValidationException):
    """The socket did not match the handler's declared parameters (closed with 1008)."""


class WebSocketException(Exception):
    """Closes the socket with ``code`` and ``reason`` (a ``status.WS_*`` code)."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"

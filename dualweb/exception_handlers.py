"""The default exception handlers, importable for handlers that delegate to them."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .encoders import jsonable_encoder
from .exceptions import HTTPException, RequestValidationError, WebSocketRequestValidationError
from .requests import Request
from .responses import JSONResponse, Response, is_body_allowed_for_status_code

__all__ = [
    "http_exception_handler",
    "request_validation_exception_handler",
    "websocket_request_validation_exception_handler",
]


async def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    """``{"detail": exc.detail}`` with the exception's status and headers."""
    headers = getattr(exc, "headers", None)
    if not is_body_allowed_for_status_code(exc.status_code):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def request_validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    """422 with ``{"detail": [errors]}``, as FastAPI answers.

    NOTE: an error may echo a non-finite float the client sent (JSON ``NaN``);
    FastAPI then fails to encode its own 422 and answers 500. We send ``null``
    in its place, so the client still gets its clear 4xx. Likewise a lone
    surrogate (JSON ``"\\ud800"``), which UTF-8 cannot encode, becomes U+FFFD, and so
    do the bytes of a raw body that are not UTF-8 (FastAPI answers 500 for those too).
    """
    detail = _finite(jsonable_encoder(_text_inputs(exc.errors())))
    return JSONResponse(status_code=422, content={"detail": detail})


async def websocket_request_validation_exception_handler(
    websocket: Any, exc: WebSocketRequestValidationError
) -> None:
    """Closes the socket with 1008 (policy violation), FastAPI's error list as the reason.

    (Before ``accept`` the list itself, as FastAPI sends it: a server turns the close
    into an HTTP 403, test clients show the list. After ``accept`` a close frame
    carries text only: the list as JSON.)
    """
    reason: Any = _finite(jsonable_encoder(exc.errors()))
    if websocket.application_state.name == "CONNECTED":
        reason = json.dumps(reason)
    await websocket.close(code=1008, reason=reason)


def _text_inputs(errors: Any) -> Any:
    # A body that could not be read as JSON is echoed as its bytes: as text, undecodable
    # bytes replaced, rather than failing to encode the answer.
    return [
        {**error, "input": error["input"].decode("utf-8", "replace")}
        if isinstance(error, dict) and isinstance(error.get("input"), bytes)
        else error
        for error in errors
    ]


_LONE_SURROGATE = re.compile("[\\ud800-\\udfff]")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_finite(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


# These never await anything, so the core may run them without an event loop.
http_exception_handler.__dualweb_never_suspends__ = True  # type: ignore[attr-defined]
request_validation_exception_handler.__dualweb_never_suspends__ = True  # type: ignore[attr-defined]

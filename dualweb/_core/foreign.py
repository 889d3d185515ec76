"""FastAPI's and Starlette's classes left over in a module moved to dualweb.

A module moved from FastAPI often keeps an import or two (``from fastapi import
HTTPException``, ``from fastapi.responses import JSONResponse``). Where dualweb can
read such a class as FastAPI means it, faithfully and on every host, it does; where
it cannot, the declaration names the import to change, as it does for FastAPI's
parameter markers (``analysis``):

- an exception of FastAPI's or Starlette's (``HTTPException``,
  ``RequestValidationError``) is answered as dualweb's, and an exception handler
  registered for such a class is registered for dualweb's (``key_of``, ``lineage``,
  ``as_dualweb``);
- a response of theirs that a handler or an exception handler returns is sent as
  dualweb's, with its status, headers, body (or stream, or file) and background tasks
  (``converted_response``);
- a response class of theirs named in ``response_class=`` or
  ``default_response_class=`` is refused (``refuse_response_class``): dualweb renders
  with its own classes;
- a parameter annotated with one of their request-bound classes (``Request``,
  ``BackgroundTasks``...) is refused, naming dualweb's (``refuse_parameter_type``).

NOTE: the core imports neither framework: their classes are known by module and name.
"""

from __future__ import annotations

from typing import Any

from .. import responses, sse
from ..background import BackgroundTask, BackgroundTasks
from ..exceptions import (
    DualwebError,
    HTTPException,
    RequestValidationError,
    ResponseValidationError,
    ValidationException,
    WebSocketException,
    _AnyHTTPException,
)
from ..responses import FileResponse, Response, StreamingResponse

__all__ = [
    "as_dualweb",
    "converted_response",
    "is_http_exception",
    "is_response_class",
    "is_their_response",
    "key_of",
    "lineage",
    "refuse_parameter_type",
    "refuse_response_class",
]

_FRAMEWORKS = ("fastapi.", "starlette.")

#: The exception classes of theirs that stand for one of dualweb's. FastAPI's
#: ``HTTPException`` derives from Starlette's, which stands for every HTTP exception.
_EXCEPTIONS: dict[tuple[str, str], type[BaseException]] = {
    ("starlette.exceptions", "HTTPException"): _AnyHTTPException,
    ("fastapi.exceptions", "HTTPException"): HTTPException,
    ("fastapi.exceptions", "RequestValidationError"): RequestValidationError,
    ("fastapi.exceptions", "ResponseValidationError"): ResponseValidationError,
    ("fastapi.exceptions", "ValidationException"): ValidationException,
    ("starlette.exceptions", "WebSocketException"): WebSocketException,
}


def key_of(cls: type[BaseException]) -> type[BaseException]:
    """The class an exception handler registered for ``cls`` is registered for."""
    return _EXCEPTIONS.get((cls.__module__, cls.__qualname__), cls)


_lineages: dict[type[BaseException], tuple[type[BaseException], ...]] = {}


def lineage(kind: type[BaseException]) -> tuple[type[BaseException], ...]:
    """``kind``'s MRO as exception handlers are looked up by: theirs read as dualweb's."""
    found = _lineages.get(kind)
    if found is None:
        found = _lineages[kind] = tuple(dict.fromkeys(key_of(cls) for cls in kind.__mro__))
    return found


def is_http_exception(exc: BaseException) -> bool:
    """Whether ``exc`` is an HTTP exception: dualweb's, FastAPI's or Starlette's."""
    return isinstance(exc, _AnyHTTPException) or _AnyHTTPException in lineage(type(exc))


def is_websocket_exception(exc: BaseException) -> bool:
    """Whether ``exc`` closes a socket: dualweb's ``WebSocketException``, FastAPI's or
    Starlette's (each has ``code`` and ``reason``)."""
    return isinstance(exc, WebSocketException) or WebSocketException in lineage(type(exc))


def as_dualweb(exc: Exception) -> Exception:
    """``exc``, or dualweb's own exception for one of theirs (for the host app's handlers)."""
    if isinstance(exc, (HTTPException, ValidationException)):
        return exc
    keys = lineage(type(exc))
    if _AnyHTTPException in keys:
        return HTTPException(exc.status_code, exc.detail, exc.headers)  # type: ignore[attr-defined]
    if RequestValidationError in keys:
        return RequestValidationError(exc.errors(), body=getattr(exc, "body", None))  # type: ignore[attr-defined]
    return exc


# --- responses ------------------------------------------------------------------------------


def _their_bases(cls: type) -> list[type]:
    """The classes of FastAPI's or Starlette's in ``cls``'s MRO, nearest first."""
    return [base for base in cls.__mro__ if base.__module__.startswith(_FRAMEWORKS)]


def _is_theirs(cls: type, module: str, name: str) -> bool:
    return any(b.__module__ == module and b.__qualname__ == name for b in cls.__mro__)


def is_response_class(value: Any) -> bool:
    """Whether ``value`` is a response class of Starlette's (FastAPI's are Starlette's)."""
    return isinstance(value, type) and _is_theirs(value, "starlette.responses", "Response")


def refuse_response_class(value: Any, keyword: str) -> None:
    """Refuse a Starlette or FastAPI response class named in ``keyword=``, naming dualweb's."""
    if not is_response_class(value):
        return
    theirs = _their_bases(value)
    counterpart = next(
        (
            base.__qualname__
            for base in theirs
            if base.__qualname__ in responses.__all__ or base.__qualname__ in sse.__all__
        ),
        "Response",
    )
    module = "dualweb.sse" if counterpart in sse.__all__ else "dualweb.responses"
    name = value.__qualname__
    nearest = theirs[0]
    if nearest is value:
        what = f"is {value.__module__}.{name}"
        fix = f"`from {module} import {counterpart}` instead"
    else:
        what = f"derives from {nearest.__module__}.{nearest.__qualname__}"
        fix = f"derive {name} from `{module}.{counterpart}` instead"
    raise DualwebError(
        f"{keyword}={name} {what}; dualweb renders with its own response classes: {fix}"
    )


#: How a response of theirs is converted, by its type: None for a type that is not theirs.
_shapes: dict[type, str | None] = {}


def _shape_of(kind: type) -> str | None:
    if _is_theirs(kind, "starlette.responses", "FileResponse"):
        return "file"
    if _is_theirs(kind, "starlette.responses", "StreamingResponse"):
        return "stream"
    if _is_theirs(kind, "starlette.responses", "Response"):
        return "whole"
    return None


def _shape(kind: type) -> str | None:
    try:
        return _shapes[kind]
    except KeyError:
        shape = _shapes[kind] = _shape_of(kind)
        return shape


def is_their_response(value: Any) -> bool:
    """Whether ``value`` is a Starlette (FastAPI) response, which ``converted_response`` takes."""
    return _shape(type(value)) is not None


def converted_response(value: Any) -> Response | None:
    """The dualweb response for a Starlette or FastAPI response; None for anything else.

    Status, raw headers (every ``set-cookie``), body bytes and background tasks are
    kept; a streamed body is streamed on (Starlette's chunks are always async), a
    file is served as dualweb's ``FileResponse`` (HEAD and ranges as Starlette's).
    """
    shape = _shape(type(value))
    if shape is None:
        return None
    headers = [(name.decode("latin-1"), v.decode("latin-1")) for name, v in value.raw_headers]
    background = _tasks(value.background)
    converted: Response
    if shape == "file":
        converted = FileResponse(
            value.path,
            value.status_code,
            media_type=value.media_type,
            background=background,
            filename=value.filename,
            stat_result=value.stat_result,
        )
        # Theirs has the stat headers only when given a stat_result: the file's own fill in.
        names = {name for name, _ in headers}
        headers += [(n, v) for n, v in converted.raw_headers if n not in names]
    elif shape == "stream":
        converted = StreamingResponse(value.body_iterator, value.status_code, background=background)
    else:
        converted = Response(bytes(value.body), value.status_code, background=background)
    converted.media_type = value.media_type
    converted.raw_headers = headers
    return converted


def _tasks(background: Any) -> BackgroundTasks | BackgroundTask | None:
    # dualweb's own tasks may be handed to their response (a moved module's mix).
    if background is None or isinstance(background, (BackgroundTasks, BackgroundTask)):
        return background
    tasks = getattr(background, "tasks", None)
    if tasks is None:  # one Starlette BackgroundTask
        tasks = [background]
    return BackgroundTasks([BackgroundTask(t.func, *t.args, **t.kwargs) for t in tasks])


#: Their classes a handler's parameter is annotated with to be given the request's
#: own (theirs, dualweb's import).
_PARAMETER_TYPES = {
    ("starlette.requests", "Request"): "from dualweb import Request",
    ("starlette.requests", "HTTPConnection"): "from dualweb.requests import HTTPConnection",
    ("starlette.websockets", "WebSocket"): "from dualweb import WebSocket",
    ("starlette.responses", "Response"): "from dualweb import Response",
    ("starlette.background", "BackgroundTasks"): "from dualweb import BackgroundTasks",
    ("fastapi.background", "BackgroundTasks"): "from dualweb import BackgroundTasks",
    ("starlette.datastructures", "UploadFile"): "from dualweb import UploadFile",
    ("fastapi.datastructures", "UploadFile"): "from dualweb import UploadFile",
    ("fastapi.security.oauth2", "SecurityScopes"): "from dualweb.security import SecurityScopes",
}


def refuse_parameter_type(name: str, annotation: Any) -> None:
    """Refuse a parameter annotated with one of their request-bound classes, naming dualweb's."""
    if not isinstance(annotation, type) or not annotation.__module__.startswith(_FRAMEWORKS):
        return
    instead = _PARAMETER_TYPES.get((annotation.__module__, annotation.__name__))
    if instead is not None:
        raise DualwebError(
            f"parameter {name!r} is annotated with {annotation.__module__}."
            f"{annotation.__name__}; dualweb gives its own: `{instead}` instead"
        )

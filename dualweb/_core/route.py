"""One declared operation: its path, methods, handler, keywords and plan.

A ``Route`` is what ``Router.add_api_route`` makes (and ``include_router``
derives, with the including routers' keywords merged in); it is analysed once,
here, into the plan the pipeline serves. ``dualweb.routing`` re-exports it.
"""

from __future__ import annotations

import collections.abc
import inspect
import re
import typing
from collections.abc import Callable, Sequence
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from .. import params
from ..exceptions import DualwebError
from ..responses import JSONResponse, Response, is_body_allowed_for_status_code
from ..sse import EventSourceResponse, ServerSentEvent
from .analysis import (
    dependant_from_depends,
    flat_body_params,
    get_dependant,
    get_typed_return_annotation,
    should_embed_body,
)
from .foreign import is_response_class, refuse_response_class
from .forms import FormLimits, FormLimitsSetting, limits_set
from .paths import template
from .plan import Dependant, ParamField
from .typeinfo import lenient_issubclass

if TYPE_CHECKING:
    from ..routing import Router

__all__ = [
    "OP_DEFAULTS",
    "Default",
    "Route",
    "SocketRoute",
    "first_explicit",
    "first_set",
    "generate_unique_id",
    "resolve_default",
    "stream_item_type",
]

#: The return annotations whose first argument is a generator handler's item type.
_STREAM_ORIGINS = {
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Generator,
    collections.abc.AsyncIterable,
    collections.abc.AsyncIterator,
    collections.abc.AsyncGenerator,
}


class Default:
    """A value the user did not set, so that an outer router's setting may apply."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"Default({self.value!r})"


def resolve_default(*candidates: Any) -> Any:
    """The first explicitly set candidate, else the last candidate's value."""
    for candidate in candidates:
        if not isinstance(candidate, Default):
            return candidate
    last = candidates[-1]
    return last.value if isinstance(last, Default) else last


def first_explicit(*candidates: Any) -> Any:
    """The first explicitly set candidate, else the first (a ``Default``, kept as one so that
    a router including this one later may still set it)."""
    return next((c for c in candidates if not isinstance(c, Default)), candidates[0])


def first_set(*values: Any) -> Any:
    """The first value that is not None (an operation's, else its routers')."""
    return next((value for value in values if value is not None), None)


def generate_unique_id(route: Route) -> str:
    """FastAPI's default operation id: name, path and first method, as one identifier."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{route.path_format}")
    return f"{operation_id}_{sorted(route.methods)[0].lower()}"


OP_DEFAULTS: dict[str, Any] = {
    "status_code": None,
    "summary": None,
    "description": None,
    "response_description": "Successful Response",
    "deprecated": None,
    "operation_id": None,
    "response_model_include": None,
    "response_model_exclude": None,
    "response_model_by_alias": True,
    "response_model_exclude_unset": False,
    "response_model_exclude_defaults": False,
    "response_model_exclude_none": False,
    "include_in_schema": True,
    "name": None,
    "openapi_extra": None,
    "callbacks": None,
    "max_body_size": None,
    "max_json_depth": None,
    "form_limits": None,
    "strict_content_type": Default(True),
}


class Route:
    """One operation: a path, its methods, its handler and its compiled plan.

    (Its constructor takes FastAPI's operation keywords one by one, hence its length.)
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        response_class: type[Response] | Default = Default(JSONResponse),
        name: str | None = None,
        openapi_extra: dict[str, Any] | None = None,
        callbacks: Sequence[Route] | None = None,
        generate_unique_id_function: Callable[[Route], str] | Default = Default(generate_unique_id),
        max_body_size: int | None = None,
        max_json_depth: int | None = None,
        form_limits: FormLimitsSetting | None = None,
        strict_content_type: bool | Default = Default(True),
        hide_input_in_errors: bool | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        exception_handler_chain: tuple[Router, ...] = (),
    ) -> None:
        if not callable(endpoint):
            raise DualwebError("An endpoint must be a callable")
        refuse_response_class(resolve_default(response_class), "response_class")
        self.path = path
        self.template = template(path)
        self.endpoint = endpoint
        self.methods = {m.upper() for m in (methods or ["GET"])}
        self.name = (
            name if name is not None else getattr(endpoint, "__name__", type(endpoint).__name__)
        )
        self.status_code = int(status_code) if isinstance(status_code, IntEnum) else status_code
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.summary = summary
        self.response_description = response_description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.include_in_schema = include_in_schema
        self.response_class = response_class
        self.openapi_extra = openapi_extra
        #: Operations documented as this one's OpenAPI callbacks (requests the API sends).
        self.callbacks: list[Route] = list(callbacks or [])
        if not all(isinstance(callback, Route) for callback in self.callbacks):
            raise DualwebError("callbacks must be routes, such as callback_router.routes")
        _check_max_body_size(max_body_size)
        self.max_body_size = max_body_size
        _check_max_json_depth(max_json_depth)
        #: How deeply a JSON body may nest; None until this route or a router around it
        #: sets it (then ``nesting.DEFAULT_MAX_JSON_DEPTH``).
        self.max_json_depth = max_json_depth
        #: Whether its validation errors leave out the ``input`` the client sent; None
        #: until a router around it says (then False: FastAPI's errors).
        self.hide_input_in_errors = hide_input_in_errors
        #: The form limits set on this operation or the routers around it, by name (checked
        #: once, here); ``limits`` is what its forms are read within.
        self.form_limits: dict[str, int] = limits_set(form_limits)
        self.limits: FormLimits | None = (
            FormLimits(**self.form_limits) if self.form_limits else None
        )
        #: Whether a body without a ``Content-Type`` is refused as JSON (FastAPI's default);
        #: a ``Default`` until this route or a router around it sets it.
        self.strict_content_type = strict_content_type
        self.generate_unique_id_function = generate_unique_id_function
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.exception_handler_chain = exception_handler_chain
        self._response_model_arg = response_model
        unique = resolve_default(generate_unique_id_function)
        self.unique_id: str = operation_id or unique(self)
        doc = description or inspect.cleandoc(getattr(endpoint, "__doc__", None) or "")
        self.description = doc.split("\f")[0].strip()
        _check_responses(self.responses)

        # The plan: dependencies declared on routers and the operation run first.
        # NOTE: the handler is analysed as a function-scoped dependant, as in FastAPI: a
        # generator handler is a stream, not a yield dependency whose teardown outlives
        # function-scoped dependencies (those close before its stream starts).
        self.dependant: Dependant = get_dependant(path=path, call=endpoint, scope="function")
        for depends in reversed(self.dependencies):
            self.dependant.dependencies.insert(0, dependant_from_depends(path, depends))
        self.body_fields: list[ParamField] = flat_body_params(self.dependant)
        self.embed_body: bool = should_embed_body(self.body_fields)
        _refuse_socket_params(self.dependant, path)

        #: A handler that ``yield``s: its items are streamed, never one whole response.
        self.is_stream: bool = self.dependant.is_gen or self.dependant.is_async_gen
        self.stream_item_type: Any = None
        self.response_model: Any = self._response_model(response_model)
        self.response_adapter = _response_adapter(self.response_model, self.status_code)
        self.stream_item_adapter: TypeAdapter[Any] | None = (
            None if self.stream_item_type is None else TypeAdapter(self.stream_item_type)
        )

    @property
    def path_format(self) -> str:
        """The path with convertors dropped (``/files/{rest:path}`` -> ``/files/{rest}``)."""
        return self.template.path_format

    def derive(self, **changes: Any) -> Route:
        """A copy of this route with some declaration keywords changed (re-analysed)."""
        keywords = self.declaration()
        keywords.update(changes)
        path = keywords.pop("path")
        endpoint = keywords.pop("endpoint")
        return Route(path, endpoint, **keywords)

    def declaration(self) -> dict[str, Any]:
        """The keywords this route was declared with."""
        return {
            "path": self.path,
            "endpoint": self.endpoint,
            "methods": sorted(self.methods),
            "response_model": self._response_model_arg,
            "status_code": self.status_code,
            "tags": list(self.tags),
            "dependencies": list(self.dependencies),
            "summary": self.summary,
            "description": self.description or None,
            "response_description": self.response_description,
            "responses": dict(self.responses),
            "deprecated": self.deprecated,
            "operation_id": self.operation_id,
            "include_in_schema": self.include_in_schema,
            "response_class": self.response_class,
            "name": self.name,
            "openapi_extra": self.openapi_extra,
            "callbacks": list(self.callbacks),
            "max_body_size": self.max_body_size,
            "max_json_depth": self.max_json_depth,
            "form_limits": self.form_limits,
            "strict_content_type": self.strict_content_type,
            "hide_input_in_errors": self.hide_input_in_errors,
            "generate_unique_id_function": self.generate_unique_id_function,
            "response_model_include": self.response_model_include,
            "response_model_exclude": self.response_model_exclude,
            "response_model_by_alias": self.response_model_by_alias,
            "response_model_exclude_unset": self.response_model_exclude_unset,
            "response_model_exclude_defaults": self.response_model_exclude_defaults,
            "response_model_exclude_none": self.response_model_exclude_none,
            "exception_handler_chain": self.exception_handler_chain,
        }

    def _response_model(self, declared: Any) -> Any:
        """The declared response model, else the return annotation (unless it is a Response).

        A generator handler's iterable annotation gives the type of its stream items
        instead (unless they are server-sent events, a wrapper, or the response class
        sends raw chunks), as in FastAPI.
        """
        if not isinstance(declared, Default):
            return declared
        annotation = get_typed_return_annotation(self.endpoint)
        if lenient_issubclass(annotation, Response) or is_response_class(annotation):
            return None
        item = stream_item_type(annotation) if self.is_stream else None
        if item is None:
            return annotation
        response_class = self.response_class
        if (
            isinstance(response_class, Default)
            or lenient_issubclass(response_class, EventSourceResponse)
        ) and not lenient_issubclass(item, ServerSentEvent):
            self.stream_item_type = item
        return None

    def __repr__(self) -> str:
        return f"Route(path={self.path!r}, name={self.name!r}, methods={sorted(self.methods)!r})"


class SocketRoute:
    """One WebSocket route: a path, its handler and its plan (FastAPI's
    ``APIWebSocketRoute``); never in the API document."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        exception_handler_chain: tuple[Router, ...] = (),
        hide_input_in_errors: bool | None = None,
    ) -> None:
        if not callable(endpoint):
            raise DualwebError("An endpoint must be a callable")
        self.path = path
        self.template = template(path)
        #: Whether a validation close leaves out the ``input`` the client sent (as ``Route``).
        self.hide_input_in_errors = hide_input_in_errors
        self.endpoint = endpoint
        self.name = (
            name if name is not None else getattr(endpoint, "__name__", type(endpoint).__name__)
        )
        self.dependencies = list(dependencies or [])
        self.exception_handler_chain = exception_handler_chain
        self.dependant: Dependant = get_dependant(path=path, call=endpoint, scope="function")
        for depends in reversed(self.dependencies):
            self.dependant.dependencies.insert(0, dependant_from_depends(path, depends))
        root = self.dependant
        #: A ``def`` handler: it runs in a thread of its own, with a ``SyncWebSocket``.
        self.is_sync = not root.is_coroutine
        if root.is_gen or root.is_async_gen:
            raise DualwebError(f"websocket handler {self.name!r} must not yield: use the socket")
        if root.websocket_param_name and self.is_sync:
            raise DualwebError(
                f"websocket handler {self.name!r} is a def function, so it cannot await its "
                f"WebSocket: annotate {root.websocket_param_name!r} as dualweb.SyncWebSocket "
                "(blocking calls), or make the handler async def"
            )
        if root.sync_websocket_param_name and not self.is_sync:
            raise DualwebError(
                f"websocket handler {self.name!r} is async def: annotate "
                f"{root.sync_websocket_param_name!r} as dualweb.WebSocket (awaited calls)"
            )
        for dependant in root.walk():
            if dependant.body_params:
                raise DualwebError(
                    f"websocket route {path!r} declares a body parameter "
                    f"({dependant.body_params[0].name!r}): a socket has no request body; "
                    "read messages from the socket instead"
                )
            if dependant.request_param_name:
                raise DualwebError(
                    f"parameter {dependant.request_param_name!r} of "
                    f"{getattr(dependant.call, '__name__', 'a dependency')!r} is a Request, "
                    f"which websocket route {path!r} has not: declare it as WebSocket (or "
                    "HTTPConnection, given the Request on HTTP routes and the socket here)"
                )

    @property
    def path_format(self) -> str:
        return self.template.path_format

    def derive(self, **changes: Any) -> SocketRoute:
        """A copy of this route with some declaration keywords changed (re-analysed)."""
        keywords = self.declaration()
        keywords.update(changes)
        return SocketRoute(keywords.pop("path"), keywords.pop("endpoint"), **keywords)

    def declaration(self) -> dict[str, Any]:
        """The keywords this route was declared with."""
        return {
            "path": self.path,
            "endpoint": self.endpoint,
            "name": self.name,
            "dependencies": list(self.dependencies),
            "exception_handler_chain": self.exception_handler_chain,
            "hide_input_in_errors": self.hide_input_in_errors,
        }

    def __repr__(self) -> str:
        return f"SocketRoute(path={self.path!r}, name={self.name!r})"


def _refuse_socket_params(dependant: Dependant, path: str) -> None:
    # FastAPI gives a WebSocket parameter nothing on an HTTP route (the call then fails
    # with a missing argument, per request): said once, at declaration, here.
    for sub in dependant.walk():
        name = sub.websocket_param_name or sub.sync_websocket_param_name
        if name:
            raise DualwebError(
                f"parameter {name!r} of {getattr(sub.call, '__name__', 'a dependency')!r} is a "
                f"WebSocket, which HTTP route {path!r} has not: declare the route with "
                "router.websocket(), or take an HTTPConnection (the Request here)"
            )


def _check_max_body_size(value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise DualwebError("max_body_size must be a non-negative integer or None")


def _check_max_json_depth(value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise DualwebError("max_json_depth must be a positive integer or None")


def _check_responses(responses: dict[int | str, dict[str, Any]]) -> None:
    for code, extra in responses.items():
        if not isinstance(extra, dict):
            raise DualwebError("An additional response must be a dict")
        if extra.get("model") and not is_body_allowed_for_status_code(code):
            raise DualwebError(f"Status code {code} must not have a response body")


def stream_item_type(annotation: Any) -> Any:
    """The item type of an iterable annotation (``Iterator[X]`` -> X), else None."""
    if typing.get_origin(annotation) not in _STREAM_ORIGINS:
        return None
    args = typing.get_args(annotation)
    return args[0] if args else Any


def _response_adapter(model: Any, status_code: int | None) -> TypeAdapter[Any] | None:
    if not model:
        return None
    if not is_body_allowed_for_status_code(status_code):
        raise DualwebError(f"Status code {status_code} must not have a response body")
    try:
        return TypeAdapter(model)
    except Exception as exc:
        raise DualwebError(
            f"Invalid args for response field! Hint: check that {model!r} is a "
            "valid Pydantic field type. If you are using a return type annotation that "
            "is not a valid Pydantic field (e.g. Union[Response, dict, None]) you can "
            "disable generating the response model from the type annotation with the "
            "path operation decorator parameter response_model=None."
        ) from exc

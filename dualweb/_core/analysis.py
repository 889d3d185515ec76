"""Handler signature -> an operation plan, built once when a route is declared.

Everything that can be known from a signature is decided here: where each
parameter comes from, under which name, with which prebuilt pydantic
validator; which dependencies run, in which order. The per-request code in
``binding`` and ``dependencies`` only follows the plan.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from copy import copy
from typing import Annotated, Any, get_args, get_origin

from pydantic.fields import FieldInfo

from .. import params
from ..background import BackgroundTasks
from ..exceptions import DualwebError
from ..requests import HTTPConnection, Request
from ..responses import Response
from ..websockets import SyncWebSocket, WebSocket
from .foreign import refuse_parameter_type
from .paths import template
from .plan import Dependant, ParamField, SecurityScopes, Undefined, make_field
from .typeinfo import (
    annotated,
    is_scalar_annotation,
    is_scalar_sequence_annotation,
    is_uploadfile_annotation,
    is_uploadfile_sequence_annotation,
    lenient_issubclass,
)

__all__ = [
    "dependant_from_depends",
    "flat_body_params",
    "get_dependant",
    "get_typed_return_annotation",
    "should_embed_body",
]


def _unwrapped(call: Callable[..., Any]) -> Any:
    target: Any = call
    if inspect.isclass(target):
        return target
    while isinstance(target, functools.partial):
        target = target.func
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        dunder = getattr(target, "__call__", None)  # noqa: B004
        if dunder is not None:
            target = dunder
    return inspect.unwrap(target)


def never_suspends(call: Callable[..., Any]) -> bool:
    """True for sync callables, and for coroutine functions marked as never awaiting I/O.

    dualweb's own security schemes are ``async def`` (so that subclasses may
    ``await super().__call__(request)`` as in FastAPI) yet await nothing; the
    mark lets a graph made of them still run without an event loop.
    """
    is_coroutine, _, is_async_gen = callable_kind(call)
    if is_async_gen:
        return False
    if not is_coroutine:
        return True
    return bool(getattr(_unwrapped(call), "__dualweb_never_suspends__", False))


def callable_kind(call: Callable[..., Any]) -> tuple[bool, bool, bool]:
    """(is coroutine function, is generator function, is async generator function)."""
    target = _unwrapped(call)
    if inspect.isclass(target):
        return False, False, False
    return (
        inspect.iscoroutinefunction(target),
        inspect.isgeneratorfunction(target),
        inspect.isasyncgenfunction(target),
    )


def _evaluate(annotation: Any, globalns: dict[str, Any]) -> Any:
    if isinstance(annotation, str):
        try:
            return eval(annotation, globalns)
        except Exception as exc:
            raise DualwebError(f"cannot resolve the annotation {annotation!r}") from exc
    return annotation


def typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """The signature of ``call`` with string annotations evaluated."""
    signature = inspect.signature(call)
    target = _unwrapped(call)
    if inspect.isclass(target):
        target = target.__init__
    globalns = getattr(target, "__globals__", {})
    parameters = [
        param.replace(annotation=_evaluate(param.annotation, globalns))
        for param in signature.parameters.values()
    ]
    return inspect.Signature(parameters)


def get_typed_return_annotation(call: Callable[..., Any]) -> Any:
    """The evaluated return annotation of ``call``, or ``None`` when there is none."""
    annotation = inspect.signature(call).return_annotation
    if annotation is inspect.Signature.empty:
        return None
    target = _unwrapped(call)
    return _evaluate(annotation, getattr(target, "__globals__", {}))


_SPECIAL = (HTTPConnection, SyncWebSocket, Response, BackgroundTasks, SecurityScopes)


def get_dependant(
    *,
    path: str,
    call: Callable[..., Any],
    name: str | None = None,
    own_scopes: list[str] | None = None,
    parent_scopes: list[str] | None = None,
    use_cache: bool = True,
    scope: str | None = None,
) -> Dependant:
    """Analyse ``call``'s signature into a plan."""
    if scope not in (None, "function", "request"):
        raise DualwebError(f"a dependency's scope is 'function' or 'request', not {scope!r}")
    is_coroutine, is_gen, is_async_gen = callable_kind(call)
    dependant = Dependant(
        call=call,
        name=name,
        path=path,
        own_scopes=list(own_scopes or []),
        parent_scopes=list(parent_scopes or []),
        use_cache=use_cache,
        is_coroutine=is_coroutine,
        is_gen=is_gen,
        is_async_gen=is_async_gen,
        never_suspends=never_suspends(call),
        scope=scope,
        # A security scheme instance (dualweb.security) is recorded for the API document.
        security_scheme=call
        if not inspect.isclass(call) and hasattr(call, "scheme_name") and hasattr(call, "model")
        else None,
    )
    path_names = set(template(path).param_names)
    for param_name, param in typed_signature(call).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        _add_param(dependant, param_name, param.annotation, param.default, path_names)
    return dependant


@dataclasses.dataclass
class _Declared:
    """What one parameter's signature says: its type, and a marker or a dependency."""

    name: str
    is_path: bool
    #: The annotation as written (``Annotated`` kept), and its bare type.
    annotation: Any = Any
    type: Any = Any
    field_info: FieldInfo | None = None
    depends: params.Depends | None = None


def _add_param(
    dependant: Dependant, name: str, annotation: Any, value: Any, path_names: set[str]
) -> None:
    declared = _declared(name, annotation, value, name in path_names)
    refuse_parameter_type(name, declared.type)
    if declared.depends is not None:
        dependant.dependencies.append(_sub_dependant(dependant, declared, declared.depends))
    elif declared.field_info is None and lenient_issubclass(declared.type, _SPECIAL):
        _add_special(dependant, declared)
    else:
        _add_field(dependant, declared, value)


def _declared(name: str, annotation: Any, value: Any, is_path: bool) -> _Declared:
    """Read the parameter's annotation and default: its type, marker or dependency."""
    declared = _Declared(name, is_path)
    alias_value = getattr(annotation, "__value__", None)
    if alias_value is not None and type(annotation).__name__ == "TypeAliasType":
        annotation = alias_value
    if annotation is not inspect.Signature.empty:
        declared.annotation = declared.type = annotation
    if get_origin(declared.annotation) is Annotated:
        _refuse_foreign(name, *get_args(declared.annotation)[1:])
        _read_annotated(declared, value)
    _refuse_foreign(name, value)
    if isinstance(value, params.Depends):
        if declared.depends is not None or declared.field_info is not None:
            raise DualwebError(
                f"Cannot specify `Depends` in `Annotated` and default value together for {name!r}"
            )
        declared.depends = value
    elif isinstance(value, FieldInfo):
        if declared.field_info is not None:
            raise DualwebError(
                f"Cannot specify annotations in `Annotated` and default value together for {name!r}"
            )
        declared.field_info = copy(value)
    return declared


def _refuse_foreign(name: str, *candidates: Any) -> None:
    # FastAPI's markers look like dualweb's, and would silently be read as a default
    # value or an unknown annotation (a query parameter): a module moved over with one
    # import left unchanged says so at once.
    for candidate in candidates:
        kind = type(candidate)
        if kind.__module__ == "fastapi.params":
            raise DualwebError(
                f"parameter {name!r} is declared with FastAPI's {kind.__name__}(); dualweb reads "
                f"its own: `from dualweb import {kind.__name__}` instead of fastapi's"
            )


def _read_annotated(declared: _Declared, value: Any) -> None:
    # `Annotated[T, marker]`: the last marker (Query(), Depends()...) is the one that counts.
    args = get_args(declared.annotation)
    declared.type = args[0]
    markers = [arg for arg in args[1:] if isinstance(arg, (params._Marker, params.Depends))]
    marker = markers[-1] if markers else None
    if isinstance(marker, params.Depends):
        declared.depends = marker
    elif isinstance(marker, FieldInfo):
        field_info = declared.field_info = copy(marker)
        if field_info.default not in (Undefined, Ellipsis):
            raise DualwebError(
                f"`{type(marker).__name__}` default value cannot be set in `Annotated` "
                f"for {declared.name!r}. Set the default value with `=` instead."
            )
        if value is inspect.Signature.empty:
            field_info.default = Undefined
        elif declared.is_path:
            raise DualwebError("Path parameters cannot have default values")
        else:
            # NOTE: FastAPI keeps `= ...` as a literal Ellipsis default and answers 500
            # when the value is missing; `...` means "required", so we treat it so.
            field_info.default = Undefined if value is Ellipsis else value


def _sub_dependant(dependant: Dependant, declared: _Declared, depends: params.Depends) -> Dependant:
    dependency = depends.dependency if depends.dependency is not None else declared.type
    scopes = list(depends.scopes) if isinstance(depends, params.Security) else []
    if (
        (dependant.is_gen or dependant.is_async_gen)
        and dependant.scope != "function"
        and depends.scope == "function"
    ):
        # Its teardown would run after the teardown of what it was given.
        name = getattr(dependant.call, "__name__", "<unnamed_callable>")
        raise DualwebError(
            f'The dependency "{name}" has a scope of "request", it cannot depend on '
            'dependencies with scope "function".'
        )
    return get_dependant(
        path=dependant.path,
        call=dependency,
        name=declared.name,
        own_scopes=scopes,
        # FastAPI hands children the plain concatenation (repeats kept).
        parent_scopes=[*dependant.parent_scopes, *dependant.own_scopes],
        use_cache=depends.use_cache,
        scope=depends.scope,
    )


def _add_special(dependant: Dependant, declared: _Declared) -> None:
    # Request, WebSocket, Response, BackgroundTasks and SecurityScopes come from the
    # request's (or the socket's) context.
    if lenient_issubclass(declared.type, Request):
        dependant.request_param_name = declared.name
    elif lenient_issubclass(declared.type, WebSocket):
        dependant.websocket_param_name = declared.name
    elif lenient_issubclass(declared.type, SyncWebSocket):
        dependant.sync_websocket_param_name = declared.name
    elif lenient_issubclass(declared.type, HTTPConnection):
        dependant.connection_param_name = declared.name
    elif lenient_issubclass(declared.type, Response):
        dependant.response_param_name = declared.name
    elif lenient_issubclass(declared.type, BackgroundTasks):
        dependant.background_tasks_param_name = declared.name
    else:
        dependant.security_scopes_param_name = declared.name


def _add_field(dependant: Dependant, declared: _Declared, value: Any) -> None:
    field_info = declared.field_info or _implied_marker(declared, value)
    location = _location(declared, field_info)
    annotation = declared.annotation
    if get_origin(annotation) is Annotated:
        # The marker already carries the Annotated metadata; validate the bare type
        # plus the marker's constraints and keep other metadata (validators...).
        extra = [a for a in get_args(annotation)[1:] if not isinstance(a, params._Marker)]
        annotation = annotated(declared.type, extra) if extra else declared.type
    field = make_field(declared.name, annotation, field_info, location)
    if location == "path" and not is_scalar_annotation(declared.type):
        raise DualwebError(f"Path parameter {declared.name!r} must be of a supported (scalar) type")
    if location == "query" and not (
        is_scalar_annotation(declared.type)
        or is_scalar_sequence_annotation(declared.type)
        or field.model is not None
    ):
        raise DualwebError(f"Query parameter {declared.name!r} must be one of the supported types")
    {
        "path": dependant.path_params,
        "query": dependant.query_params,
        "header": dependant.header_params,
        "cookie": dependant.cookie_params,
        "body": dependant.body_params,
    }[location].append(field)


def _implied_marker(declared: _Declared, value: Any) -> FieldInfo:
    # No marker: FastAPI's rules, from the path and the type.
    default = value if value is not inspect.Signature.empty else Undefined
    if declared.is_path:
        return params.Path()
    kind = declared.type
    if is_uploadfile_annotation(kind) or is_uploadfile_sequence_annotation(kind):
        return params.File(default)
    if not is_scalar_annotation(kind):
        return params.Body(default)
    return params.Query(default)


def _location(declared: _Declared, field_info: FieldInfo) -> str:
    if declared.is_path:
        if not isinstance(field_info, params.Path):
            raise DualwebError(
                f"Cannot use `{type(field_info).__name__}` for path param {declared.name!r}"
            )
        return "path"
    if isinstance(field_info, params.Param):
        return field_info.in_.value
    if isinstance(field_info, params.Body):
        return "body"
    return "query"  # a plain pydantic Field(): a query parameter, as FastAPI reads it


def dependant_from_depends(path: str, depends: params.Depends) -> Dependant:
    """A parameterless dependency (``dependencies=[Depends(...)]``) as a plan."""
    if depends.dependency is None:
        raise DualwebError("dependencies=[Depends()] needs a callable")
    scopes = list(depends.scopes) if isinstance(depends, params.Security) else []
    return get_dependant(
        path=path,
        call=depends.dependency,
        own_scopes=scopes,
        use_cache=depends.use_cache,
        scope=depends.scope,
    )


def flat_body_params(dependant: Dependant) -> list[ParamField]:
    """The body parameters of the whole graph, each name once, in solving order."""
    seen: set[str] = set()
    fields: list[ParamField] = []
    for dep in _flat_walk(dependant):
        for field in dep.body_params:
            if field.name not in seen:
                seen.add(field.name)
                fields.append(field)
    return fields


def _flat_walk(dependant: Dependant) -> typing.Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _flat_walk(sub)


def should_embed_body(fields: list[ParamField]) -> bool:
    """Whether the body is an object keyed by parameter name (several bodies or ``embed``)."""
    if not fields:
        return False
    if len({field.name for field in fields}) > 1:
        return True
    first = fields[0]
    if getattr(first.field_info, "embed", None):
        return True
    # A lone form field is read by its name, unless it is a form model (a BaseModel, or a
    # union of them, filled from the whole form).
    return first.is_form and not first.form_models

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
from copy import copy, deepcopy
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices, BaseModel, Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .. import params
from ..background import BackgroundTasks
from ..exceptions import DualwebError
from ..requests import Request
from ..responses import Response
from .paths import template
from .typeinfo import (
    annotated,
    is_bytes_annotation,
    is_bytes_sequence_annotation,
    is_scalar_annotation,
    is_scalar_sequence_annotation,
    is_sequence_annotation,
    is_uploadfile_annotation,
    is_uploadfile_sequence_annotation,
    lenient_issubclass,
    optional_model,
)

__all__ = [
    "Dependant",
    "ParamField",
    "get_dependant",
    "get_typed_return_annotation",
]

Undefined: Any = PydanticUndefined


class SecurityScopes:
    """The OAuth2 scopes required by the dependants above a security dependency."""

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = scopes or []
        self.scope_str = " ".join(self.scopes)


# --- one parameter ---------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class ParamField:
    """A parameter, where it is read from, and its prebuilt validator."""

    name: str
    location: str  # "path" | "query" | "header" | "cookie" | "body"
    alias: str
    aliases: tuple[str, ...]
    field_info: FieldInfo
    annotation: Any
    adapter: TypeAdapter[Any]
    is_sequence: bool
    required: bool
    model: type[BaseModel] | None = None
    convert_underscores: bool = False
    #: Form() or File(): read from the parsed form, not from JSON.
    is_form: bool = False
    #: File() of ``bytes`` (or a list of them): the upload's content is read for it.
    reads_bytes: bool = False
    reads_bytes_list: bool = False

    def default(self) -> Any:
        """A fresh copy of the default value (``Undefined`` when required)."""
        if self.required:
            return Undefined
        if self.field_info.default_factory is not None:
            return self.field_info.get_default(call_default_factory=True)
        return deepcopy(self.field_info.default)

    def validate(self, value: Any, loc: tuple[str | int, ...]) -> tuple[Any, list[dict[str, Any]]]:
        """Validate a value taken from the request, or apply the default when it is absent."""
        if value is Undefined:
            if self.required:
                return None, [missing_error(loc)]
            value = self.default()
            if not self.field_info.validate_default:
                return value, []
        try:
            # The adapter's core validator, called directly: TypeAdapter's method only forwards.
            return self.adapter.validator.validate_python(value, from_attributes=True), []
        except ValidationError as exc:
            return None, [
                {**err, "loc": loc + tuple(err["loc"])} for err in exc.errors(include_url=False)
            ]


def missing_error(loc: tuple[str | int, ...]) -> dict[str, Any]:
    """The error FastAPI gives for a parameter that was not sent."""
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def build_adapter(annotation: Any, field_info: FieldInfo) -> TypeAdapter[Any]:
    """A TypeAdapter that applies every constraint of ``field_info`` to ``annotation``."""
    extra: list[Any] = list(field_info.metadata)
    if field_info.discriminator is not None:
        extra.append(Field(discriminator=field_info.discriminator))
    target: Any = annotated(annotation, extra) if extra else annotation
    try:
        cached = _ADAPTERS.get(target)
    except TypeError:  # an unhashable annotation or constraint: build it each time
        return TypeAdapter(target)
    if cached is None:
        cached = _ADAPTERS[target] = TypeAdapter(target)
    return cached


# Routes share parameter types (int ids, optional strings...): one adapter each.
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _lookup_aliases(field_info: FieldInfo, alias: str) -> tuple[str, ...]:
    validation_alias = field_info.validation_alias
    if isinstance(validation_alias, str) and validation_alias:
        return (validation_alias,)
    if isinstance(validation_alias, AliasChoices) and all(
        isinstance(choice, str) for choice in validation_alias.choices
    ):
        return tuple(typing.cast(list[str], validation_alias.choices))
    return (alias,)


def _make_field(name: str, annotation: Any, field_info: FieldInfo, location: str) -> ParamField:
    convert = bool(getattr(field_info, "convert_underscores", False))
    if field_info.alias:
        alias = field_info.alias
    elif location == "header" and convert:
        alias = name.replace("_", "-")
    else:
        alias = name
    field_info.alias = alias
    inner = get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation
    try:
        adapter = build_adapter(annotation, field_info)
    except Exception as exc:
        raise DualwebError(f"parameter {name!r}: pydantic cannot validate {annotation!r}") from exc
    is_form = isinstance(field_info, params.Form)
    is_file = isinstance(field_info, params.File)
    if location in ("query", "header", "cookie"):
        model = optional_model(inner)
    elif is_form and not getattr(field_info, "embed", None):
        model = optional_model(inner)  # a form model: one BaseModel filled from the whole form
    else:
        model = None
    return ParamField(
        name=name,
        location=location,
        alias=alias,
        aliases=_lookup_aliases(field_info, alias),
        field_info=field_info,
        annotation=annotation,
        adapter=adapter,
        is_sequence=is_sequence_annotation(inner),
        required=field_info.is_required(),
        model=model,
        convert_underscores=convert,
        is_form=is_form,
        reads_bytes=is_file and is_bytes_annotation(inner),
        reads_bytes_list=is_file and is_bytes_sequence_annotation(inner),
    )


# --- one dependant (the handler, or a dependency) -------------------------------


@dataclasses.dataclass(eq=False)
class Dependant:
    """A callable and the plan for building its arguments."""

    call: Callable[..., Any] | None
    name: str | None = None
    path: str = ""
    path_params: list[ParamField] = dataclasses.field(default_factory=list)
    query_params: list[ParamField] = dataclasses.field(default_factory=list)
    header_params: list[ParamField] = dataclasses.field(default_factory=list)
    cookie_params: list[ParamField] = dataclasses.field(default_factory=list)
    body_params: list[ParamField] = dataclasses.field(default_factory=list)
    dependencies: list[Dependant] = dataclasses.field(default_factory=list)
    request_param_name: str | None = None
    response_param_name: str | None = None
    background_tasks_param_name: str | None = None
    security_scopes_param_name: str | None = None
    own_scopes: list[str] = dataclasses.field(default_factory=list)
    parent_scopes: list[str] = dataclasses.field(default_factory=list)
    use_cache: bool = True
    security_scheme: Any = None
    is_coroutine: bool = False
    is_gen: bool = False
    is_async_gen: bool = False
    never_suspends: bool = True
    scope: str | None = None

    @property
    def scopes(self) -> list[str]:
        """The scopes ``SecurityScopes`` sees: the parents', then its own not yet listed."""
        scopes = list(self.parent_scopes)
        for scope in self.own_scopes:
            if scope not in scopes:
                scopes.append(scope)
        return scopes

    @functools.cached_property
    def uses_scopes(self) -> bool:
        """Whether scopes can change this dependency's value (so they key its cache)."""
        return bool(
            self.own_scopes
            or self.security_scopes_param_name
            or self.security_scheme is not None
            or any(sub.uses_scopes for sub in self.dependencies)
        )

    @property
    def cache_key(self) -> tuple[Any, tuple[str, ...], str]:
        scopes = tuple(sorted(set(self.scopes))) if self.uses_scopes else ()
        # As FastAPI: a yield dependency's teardown scope is part of its identity.
        teardown = self.scope or ("request" if self.is_gen or self.is_async_gen else "")
        return (self.call, scopes, teardown)

    def walk(self) -> typing.Iterator[Dependant]:
        """This dependant and every sub-dependant, depth first, children before parents."""
        for sub in self.dependencies:
            yield from sub.walk()
        yield self

    @property
    def all_sync(self) -> bool:
        """True when every callable in the graph can run without an event loop."""
        return all(d.never_suspends for d in self.walk() if d.call)


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


_SPECIAL = (Request, Response, BackgroundTasks, SecurityScopes)


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


def _add_param(
    dependant: Dependant,
    param_name: str,
    annotation: Any,
    value: Any,
    path_names: set[str],
) -> None:
    is_path = param_name in path_names
    field_info: FieldInfo | None = None
    depends: params.Depends | None = None
    type_annotation: Any = Any
    use_annotation: Any = Any
    alias_value = getattr(annotation, "__value__", None)
    if alias_value is not None and type(annotation).__name__ == "TypeAliasType":
        annotation = alias_value
    if annotation is not inspect.Signature.empty:
        use_annotation = type_annotation = annotation
    if get_origin(use_annotation) is Annotated:
        args = get_args(annotation)
        type_annotation = args[0]
        markers = [arg for arg in args[1:] if isinstance(arg, (params._Marker, params.Depends))]
        marker = markers[-1] if markers else None
        if isinstance(marker, FieldInfo):
            field_info = copy(marker)
            if field_info.default not in (Undefined, Ellipsis):
                raise DualwebError(
                    f"`{type(marker).__name__}` default value cannot be set in `Annotated` "
                    f"for {param_name!r}. Set the default value with `=` instead."
                )
            if value is not inspect.Signature.empty:
                if is_path:
                    raise DualwebError("Path parameters cannot have default values")
                # NOTE: FastAPI keeps `= ...` as a literal Ellipsis default and answers 500
                # when the value is missing; `...` means "required", so we treat it so.
                field_info.default = Undefined if value is Ellipsis else value
            else:
                field_info.default = Undefined
        elif isinstance(marker, params.Depends):
            depends = marker
    if isinstance(value, params.Depends):
        if depends is not None or field_info is not None:
            raise DualwebError(
                f"Cannot specify `Depends` in `Annotated` and default value together for "
                f"{param_name!r}"
            )
        depends = value
    elif isinstance(value, FieldInfo):
        if field_info is not None:
            raise DualwebError(
                f"Cannot specify annotations in `Annotated` and default value together for "
                f"{param_name!r}"
            )
        field_info = copy(value)
    if depends is not None:
        dependency = depends.dependency if depends.dependency is not None else type_annotation
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
        dependant.dependencies.append(
            get_dependant(
                path=dependant.path,
                call=dependency,
                name=param_name,
                own_scopes=scopes,
                # FastAPI hands children the plain concatenation (repeats kept).
                parent_scopes=[*dependant.parent_scopes, *dependant.own_scopes],
                use_cache=depends.use_cache,
                scope=depends.scope,
            )
        )
        return
    if field_info is None and lenient_issubclass(type_annotation, _SPECIAL):
        if lenient_issubclass(type_annotation, Request):
            dependant.request_param_name = param_name
        elif lenient_issubclass(type_annotation, Response):
            dependant.response_param_name = param_name
        elif lenient_issubclass(type_annotation, BackgroundTasks):
            dependant.background_tasks_param_name = param_name
        else:
            dependant.security_scopes_param_name = param_name
        return
    if field_info is None:
        default = value if value is not inspect.Signature.empty else Undefined
        if is_path:
            field_info = params.Path()
        elif is_uploadfile_annotation(type_annotation) or is_uploadfile_sequence_annotation(
            type_annotation
        ):
            field_info = params.File(default)
        elif not is_scalar_annotation(type_annotation):
            field_info = params.Body(default)
        else:
            field_info = params.Query(default)
    if is_path:
        if not isinstance(field_info, params.Path):
            raise DualwebError(
                f"Cannot use `{type(field_info).__name__}` for path param {param_name!r}"
            )
        location = "path"
    elif isinstance(field_info, params.Param):
        location = field_info.in_.value
    elif isinstance(field_info, params.Body):
        location = "body"
    else:
        # A plain pydantic Field(): a query parameter, as FastAPI reads it.
        location = "query"
    annotation_for_field = use_annotation
    if get_origin(use_annotation) is Annotated:
        # The marker already carries the Annotated metadata; validate the bare type
        # plus the marker's constraints and keep other metadata (validators...).
        extra = [a for a in get_args(use_annotation)[1:] if not isinstance(a, params._Marker)]
        annotation_for_field = annotated(type_annotation, extra) if extra else type_annotation
    field = _make_field(param_name, annotation_for_field, field_info, location)
    if location == "path" and not is_scalar_annotation(type_annotation):
        raise DualwebError(f"Path parameter {param_name!r} must be of a supported (scalar) type")
    if location == "query" and not (
        is_scalar_annotation(type_annotation)
        or is_scalar_sequence_annotation(type_annotation)
        or field.model is not None
    ):
        raise DualwebError(f"Query parameter {param_name!r} must be one of the supported types")
    {
        "path": dependant.path_params,
        "query": dependant.query_params,
        "header": dependant.header_params,
        "cookie": dependant.cookie_params,
        "body": dependant.body_params,
    }[location].append(field)


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
    # A lone form field is read by its name, unless it is a form model (a BaseModel
    # filled from the whole form).
    return first.is_form and first.model is None

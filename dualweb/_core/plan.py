"""The plan of an operation: its parameters and dependencies, as ``analysis`` made them.

Plain data, built once when a route is declared and only read per request:
a ``Dependant`` (the handler, or one dependency) with its ``ParamField``s,
each holding the prebuilt pydantic validator of one parameter.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable
from copy import deepcopy
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices, BaseModel, Field, Json, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .. import params
from ..exceptions import DualwebError
from .formmodels import form_union_validators
from .typeinfo import (
    annotated,
    is_bytes_annotation,
    is_bytes_sequence_annotation,
    is_sequence_annotation,
    optional_model,
    union_models,
)

__all__ = [
    "Dependant",
    "ParamField",
    "SecurityScopes",
    "Undefined",
    "build_adapter",
    "make_field",
    "missing_error",
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
    #: A form model (``model``), or the members of a union of them: read from the whole form.
    form_models: tuple[type[BaseModel], ...] = ()
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


def _is_json(field_info: FieldInfo) -> bool:
    # A ``Json[...]`` form field holds a JSON document: it is read as one field.
    return any(type(item) is Json for item in field_info.metadata)


def make_field(name: str, annotation: Any, field_info: FieldInfo, location: str) -> ParamField:
    convert = bool(getattr(field_info, "convert_underscores", False))
    if field_info.alias:
        alias = field_info.alias
    elif location == "header" and convert:
        alias = name.replace("_", "-")
    else:
        alias = name
    field_info.alias = alias
    inner = get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation
    is_form = isinstance(field_info, params.Form)
    is_file = isinstance(field_info, params.File)
    models: tuple[type[BaseModel], ...] = ()
    if location in ("query", "header", "cookie"):
        model = optional_model(inner)
    elif is_form and not getattr(field_info, "embed", None) and not _is_json(field_info):
        # A form model: one BaseModel filled from the whole form, or a union of them.
        model = optional_model(inner)
        models = (model,) if model is not None else tuple(union_models(inner))
        if len(models) > 1:
            members = form_union_validators(inner)
            annotation = (
                annotated(members, get_args(annotation)[1:])
                if get_origin(annotation) is Annotated
                else members
            )
    else:
        model = None
    try:
        adapter = build_adapter(annotation, field_info)
    except Exception as exc:
        raise DualwebError(f"parameter {name!r}: pydantic cannot validate {annotation!r}") from exc
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
        form_models=models,
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
    #: A parameter given the connection: the ``Request``, or on a socket route the socket.
    connection_param_name: str | None = None
    #: Parameters given the socket (socket routes only): as ``WebSocket``, or as the
    #: blocking ``SyncWebSocket`` of a ``def`` handler.
    websocket_param_name: str | None = None
    sync_websocket_param_name: str | None = None
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

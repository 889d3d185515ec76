"""Parameters: their schema fields, the names they are read under, their parameter objects."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, cast, get_args, get_origin

from pydantic import AliasChoices, AliasPath, BaseModel
from pydantic.fields import FieldInfo

from .. import params
from .._core.plan import ParamField
from .._core.typeinfo import annotated, lenient_issubclass, optional_model
from ._fields import SchemaField, add_examples, is_json_field, model_fields
from ._schemas import Schemas


def param_model(field: SchemaField) -> type[BaseModel] | None:
    """The model whose fields are the parameters ``field`` stands for, if any."""
    annotation = field.field_info.annotation
    if isinstance(field.field_info, (params.Query, params.Header, params.Cookie)):
        annotation = optional_model(annotation)
    if lenient_issubclass(annotation, BaseModel) and not is_json_field(field):
        return cast(type[BaseModel], annotation)
    return None


def param_aliases(
    field: SchemaField, *, convert_underscores: bool = False
) -> list[tuple[str, str]]:
    """The (validation alias, request key) pairs a parameter is read under, preferred first."""
    alias = field.validation_alias or field.alias
    request_alias = alias
    if convert_underscores and alias == field.name:
        request_alias = alias.replace("_", "-")
    validation_alias = field.field_info.validation_alias
    if isinstance(field.field_info, params.Path) or isinstance(validation_alias, AliasPath):
        return [(alias, request_alias)]
    aliases = [(alias, request_alias)]
    if isinstance(validation_alias, AliasChoices):
        if any(isinstance(choice, AliasPath) for choice in validation_alias.choices):
            return aliases
        aliases = [(choice, choice) for choice in cast(list[str], validation_alias.choices)]
    config = field.config or {}
    if config.get("validate_by_alias") is False or config.get(
        "validate_by_name", config.get("populate_by_name", False)
    ):
        request_name = field.name.replace("_", "-") if convert_underscores else field.name
        if config.get("validate_by_alias") is False:
            return [(field.name, request_name)]
        if field.name not in [alias for alias, _ in aliases]:
            aliases.append((field.name, request_name))
    return aliases


class ParamFields:
    """The schema fields of parameters, made once each: schemas are found by field identity."""

    def __init__(self) -> None:
        self._params: dict[int, tuple[ParamField, SchemaField]] = {}
        self._models: dict[type[BaseModel], list[SchemaField]] = {}

    def field(self, param: ParamField) -> SchemaField:
        """The schema field of a parameter, FastAPI's way: the type, its metadata, the marker."""
        cached = self._params.get(id(param))
        if cached is not None and cached[0] is param:
            return cached[1]
        info = copy.copy(param.field_info)
        # The attributes the user set, as FastAPI's markers record them: an explicit
        # alias is also the validation and serialization alias.
        attributes_set = {k: v for k, v in info._attributes_set.items() if v is not None}
        alias = attributes_set.get("alias")
        if isinstance(alias, str):
            if info.validation_alias is None:
                info.validation_alias = alias
                attributes_set["validation_alias"] = alias
            if info.serialization_alias is None:
                info.serialization_alias = alias
                attributes_set["serialization_alias"] = alias
        info._attributes_set = attributes_set
        annotation = param.annotation
        if get_origin(annotation) is Annotated:
            base, *extras = get_args(annotation)
            merged = FieldInfo.from_annotation(annotated(base, extras))
            info.annotation = merged.annotation
            info.metadata = [*merged.metadata, *info.metadata]
        else:
            info.annotation = annotation
        field = SchemaField(field_info=info, name=param.name)
        self._params[id(param)] = (param, field)
        return field

    def model_fields(self, model: type[BaseModel]) -> list[SchemaField]:
        if model not in self._models:
            self._models[model] = model_fields(model)
        return self._models[model]

    def flat(self, fields: Iterable[SchemaField]) -> list[SchemaField]:
        """Parameter models expanded into their fields."""
        flat: list[SchemaField] = []
        for field in fields:
            model = param_model(field)
            flat.extend(self.model_fields(model) if model is not None else [field])
        return flat


def operation_parameters(
    groups: Sequence[tuple[str, list[ParamField]]], fields: ParamFields, schemas: Schemas
) -> list[dict[str, Any]]:
    """An operation's parameter objects, one per location and name, where first declared.

    Of namesakes, the last required one is kept, else the last one.
    """
    parameters = []
    for location, group in groups:
        for param in group:
            if getattr(param.field_info, "include_in_schema", True):
                parameters.extend(
                    _parameter_objects(location, fields.field(param), fields, schemas)
                )
    everything = {(p["in"], p["name"]): p for p in parameters}
    everything.update({(p["in"], p["name"]): p for p in parameters if p["required"]})
    return list(everything.values())


def _parameter_objects(
    location: str, parent: SchemaField, fields: ParamFields, schemas: Schemas
) -> list[dict[str, Any]]:
    """The objects of one declared parameter: itself, or each field of its model."""
    model = param_model(parent)
    in_optional_model = (
        model is not None
        and parent.field_info.annotation is not model
        and not parent.field_info.is_required()
    )
    parameters = []
    for field in fields.flat([parent]):
        info = field.field_info
        convert = location == "header" and getattr(
            info,
            "convert_underscores",
            getattr(parent.field_info, "convert_underscores", True),
        )
        alias, name = param_aliases(field, convert_underscores=bool(convert))[0]
        parameter: dict[str, Any] = {
            "name": name,
            "in": location,
            "required": info.is_required() and not in_optional_model,
            "schema": schemas.schema(field, alias=alias),
        }
        if info.description:
            parameter["description"] = info.description
        add_examples(parameter, info)
        if getattr(info, "deprecated", None):
            parameter["deprecated"] = True
        parameters.append(parameter)
    return parameters

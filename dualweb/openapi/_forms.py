"""Form bodies with form models: a model's fields are read as fields of the form itself.

Such a body is a ``Body_<unique_id>`` model of ``field_<index>`` fields, one per
form parameter, whose schema is then rewritten into the form's flat shape.
"""

from __future__ import annotations

import copy
import functools
from typing import Annotated, Any, Optional, get_args

from pydantic import AliasChoices, BaseModel, ConfigDict, GetPydanticSchema
from pydantic_core import CoreSchema

from .. import params
from .._core.typeinfo import optional_model, union_models
from ._fields import SchemaField, is_json_field, model_fields
from ._parameters import param_aliases


def form_models(field: SchemaField) -> list[type[BaseModel]]:
    """The models a form parameter flattens into the form (several for a union)."""
    info = field.field_info
    if not isinstance(info, params.Form) or getattr(info, "embed", None) or is_json_field(field):
        return []
    model = optional_model(info.annotation)
    if model is not None:
        return [model]
    return union_models(info.annotation)


def form_body_fields(body_params: list[SchemaField]) -> tuple[list[SchemaField], ConfigDict]:
    """The ``field_<index>`` fields of a form body's model, and the config that flattens it."""
    fields = []
    for index, field in enumerate(body_params):
        info = copy.copy(field.field_info)
        models = form_models(field)
        if len(models) == 1:
            model_annotation: Any = Annotated[
                models[0],
                GetPydanticSchema(
                    get_pydantic_json_schema=functools.partial(_form_model_schema, models[0])
                ),
            ]
            info.annotation = (
                model_annotation if info.annotation is models[0] else Optional[model_annotation]  # noqa: UP045
            )
        info.alias = info.validation_alias = f"field_{index}"
        info.serialization_alias = f"field_{index}"
        info.title = info.title or field.name.replace("_", " ").title()
        fields.append(SchemaField(field_info=info, name=f"field_{index}"))
    config = ConfigDict(json_schema_extra=functools.partial(_apply_form_body_schema, body_params))
    return fields, config


def _form_model_schema(
    model: type[BaseModel], core_schema: CoreSchema, handler: Any
) -> dict[str, Any]:
    """A form model's schema in a form body: its fields under the names the form uses."""
    schema: dict[str, Any] = handler(core_schema)
    model_schema: dict[str, Any] = handler.resolve_ref_schema(schema)
    properties = model_schema.get("properties", {})
    required = model_schema.get("required", [])
    aliases: dict[str, list[str]] = {}
    for field in model_fields(model):
        validation_alias = field.field_info.validation_alias
        schema_name = (
            validation_alias.choices[0]
            if isinstance(validation_alias, AliasChoices)
            else (field.validation_alias or field.alias)
        )
        names = [alias for alias, _ in param_aliases(field)]
        if (
            isinstance(schema_name, str)
            and schema_name in properties
            and (names[0] != schema_name or (len(names) > 1 and schema_name in required))
        ):
            aliases[schema_name] = names
    if not aliases:
        return schema
    model_schema = copy.deepcopy(model_schema)
    model_schema["properties"] = {
        aliases.get(name, [name])[0]: value for name, value in model_schema["properties"].items()
    }
    model_schema["required"] = []
    for name in required:
        names = aliases.get(name, [name])
        if len(names) == 1:
            model_schema["required"].append(names[0])
        else:
            model_schema.setdefault("allOf", []).append(
                {"anyOf": [{"required": [name]} for name in names]}
            )
    return model_schema


def _apply_form_body_schema(body_params: list[SchemaField], schema: dict[str, Any]) -> None:
    """The schema of a form body mixing form models and form fields."""
    parameter_schemas = schema.pop("properties")
    schema.pop("required", None)
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for index, param in enumerate(body_params):
        field_schema = parameter_schemas[f"field_{index}"]
        models = form_models(param)
        if not models:
            alias = param_aliases(param)[0][0]
            if alias in properties:
                conditions.append({"properties": {alias: field_schema}})
            else:
                properties[alias] = field_schema
            if param.field_info.is_required() and alias not in required:
                required.append(alias)
            continue
        field_schema.pop("default", None)
        if type(None) in get_args(param.field_info.annotation):
            # A flat form group is omitted through absent fields, not a null body.
            field_schema["anyOf"] = [
                choice for choice in field_schema["anyOf"] if choice.get("type") != "null"
            ]
            absent = _absent_group(models)
            if param.field_info.is_required():
                conditions.append({"not": absent})
            else:
                field_schema = {"anyOf": [absent, field_schema]}
        conditions.append(field_schema)
    if properties:
        schema["properties"] = properties
    if required:
        schema["required"] = required
    schema["allOf"] = conditions


def _absent_group(models: list[type[BaseModel]]) -> dict[str, Any]:
    """What a form matches when a flat group of ``models`` is left out."""
    if any(model.model_config.get("extra") in ("allow", "forbid") for model in models):
        return {"maxProperties": 0}
    names = sorted(
        {
            alias
            for model in models
            for item in model_fields(model)
            for alias, _ in param_aliases(item)
        }
    )
    return {"not": {"anyOf": [{"required": [name]} for name in names]}} if names else {}

"""JSON Schema generation: every field's schema and the component schemas, in one pass.

Schemas come from pydantic's JSON Schema generator, given every field of every
route at once (as FastAPI does), so that pydantic names components the same way
(``Item``, or ``Item-Input``/``Item-Output`` where the validation and
serialization schemas differ).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, cast, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema

from .._core.typeinfo import lenient_issubclass
from ._fields import Mode, SchemaField, model_fields

REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = "#/components/schemas/{model}"


class _JsonSchemaGenerator(GenerateJsonSchema):
    """pydantic's generator, with ``bytes`` described as binary content (as FastAPI does)."""

    def bytes_schema(self, schema: Any) -> JsonSchemaValue:
        json_schema: dict[str, Any] = {
            "type": "string",
            "contentMediaType": "application/octet-stream",
        }
        # NOTE: pydantic before 2.9 has no val_json_bytes: it read JSON bytes as utf8.
        bytes_mode = (
            self._config.ser_json_bytes
            if self.mode == "serialization"
            else getattr(self._config, "val_json_bytes", "utf8")
        )
        if bytes_mode == "base64":
            json_schema["contentEncoding"] = "base64"
        self.update_with_validations(json_schema, schema, self.ValidationsMapping.bytes)
        return json_schema


# --- models reachable from fields (for component generation) ------------------------


def _flat_models_from_annotation(annotation: Any, known: set[Any]) -> None:
    if get_origin(annotation) is None:
        return
    for arg in get_args(annotation):
        if lenient_issubclass(arg, (BaseModel, Enum)):
            if arg not in known:
                known.add(arg)
                if lenient_issubclass(arg, BaseModel):
                    _flat_models_from_fields(model_fields(arg), known)
        else:
            _flat_models_from_annotation(arg, known)


def _flat_models_from_fields(fields: Sequence[SchemaField], known: set[Any]) -> set[Any]:
    for field in fields:
        annotation = field.field_info.annotation
        if lenient_issubclass(annotation, BaseModel):
            if annotation in known:
                continue
            known.add(annotation)
            _flat_models_from_fields(model_fields(cast(type[BaseModel], annotation)), known)
        elif lenient_issubclass(annotation, Enum):
            known.add(annotation)
        else:
            _flat_models_from_annotation(annotation, known)
    return known


def _annotation_has_computed_fields(annotation: Any, known: set[Any]) -> bool:
    if lenient_issubclass(annotation, BaseModel):
        if annotation in known:
            return False
        known.add(annotation)
        if annotation.model_computed_fields:
            return True
        return any(
            _annotation_has_computed_fields(info.annotation, known)
            for info in annotation.model_fields.values()
        )
    return any(_annotation_has_computed_fields(arg, known) for arg in get_args(annotation))


def _has_computed_fields(field: SchemaField) -> bool:
    core: Any = field.adapter.core_schema
    if core.get("schema", {}).get("computed_fields", []):
        return True
    return _annotation_has_computed_fields(field.field_info.annotation, set())


# --- the schemas of one document ------------------------------------------------------


class Schemas:
    """The schemas of one document: generated once by ``definitions``, then looked up."""

    def __init__(self, separate_input_output_schemas: bool) -> None:
        self.separate = separate_input_output_schemas
        self.field_mapping: dict[tuple[SchemaField, Mode], JsonSchemaValue] = {}

    def definitions(self, fields: list[SchemaField]) -> dict[str, dict[str, Any]]:
        """Generate every field's schema in one pass; return the component schemas."""
        validation = [f for f in fields if f.mode == "validation"]
        serialization = [f for f in fields if f.mode == "serialization"]
        groups: tuple[tuple[Mode, list[SchemaField]], ...] = (
            ("validation", validation),
            ("serialization", serialization),
        )
        model_schema_fields = [
            SchemaField(field_info=FieldInfo(annotation=model), name=model.__name__, mode=mode)
            for mode, group in groups
            for model in _flat_models_from_fields(group, set())
        ]
        input_types = {f.field_info.annotation for f in fields}
        unique_model_fields = [
            f for f in model_schema_fields if f.field_info.annotation not in input_types
        ]
        inputs: list[tuple[SchemaField, Mode, CoreSchema]] = [
            (
                field,
                field.mode if (self.separate or _has_computed_fields(field)) else "validation",
                field.adapter.core_schema,
            )
            for field in [*fields, *unique_model_fields]
        ]
        generator = _JsonSchemaGenerator(ref_template=REF_TEMPLATE)
        mapping, definitions = generator.generate_definitions(inputs=inputs)
        self.field_mapping = mapping
        for definition in definitions.values():
            if "description" in definition:
                definition["description"] = str(definition["description"]).split("\f")[0]
        return cast(dict[str, dict[str, Any]], definitions)

    def schema(self, field: SchemaField, *, alias: str | None = None) -> dict[str, Any]:
        """``field``'s schema, titled after ``alias`` unless it is a reference."""
        override: Mode | None = None
        if not self.separate:
            override = None if _has_computed_fields(field) else "validation"
        if alias is None:
            alias = (
                (field.validation_alias or field.alias)
                if field.mode == "validation"
                else (field.serialization_alias or field.alias)
            )
        schema = dict(self.field_mapping[(field, override or field.mode)])
        if "$ref" not in schema:
            schema["title"] = field.field_info.title or alias.title().replace("_", " ")
        return schema

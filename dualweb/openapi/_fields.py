"""The schema-bearing field: how the document sees a parameter, a body or a response.

Every schema of the document is generated from such a field, and found again by
the field's identity, so a part of the document must describe a field with the
very object that was given to the generator.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import is_dataclass
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, Json, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .._core.typeinfo import lenient_issubclass
from ..encoders import jsonable_encoder

Mode = Literal["validation", "serialization"]

# The FieldInfo attributes that are carried into a field's JSON schema.
_ATTRIBUTES = (
    "default",
    "default_factory",
    "alias",
    "alias_priority",
    "validation_alias",
    "serialization_alias",
    "title",
    "field_title_generator",
    "description",
    "examples",
    "exclude",
    "exclude_if",
    "discriminator",
    "deprecated",
    "json_schema_extra",
    "frozen",
    "validate_default",
    "repr",
    "init",
    "init_var",
    "kw_only",
)


def _attributes(field_info: FieldInfo) -> dict[str, Any]:
    found = {}
    for name in _ATTRIBUTES:
        value = getattr(field_info, name, PydanticUndefined)
        if value is not PydanticUndefined:
            found[name] = value
    return found


@dataclasses.dataclass(eq=False)
class SchemaField:
    """One schema-bearing field: a parameter, a body, a response (identity-hashed)."""

    field_info: FieldInfo
    name: str
    mode: Mode = "validation"
    config: ConfigDict | None = None
    adapter: TypeAdapter[Any] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            target = (
                self.field_info.annotation,
                *self.field_info.metadata,
                Field(**_attributes(self.field_info)),
            )
            self.adapter = TypeAdapter(cast(Any, Annotated[target]), config=self.config)

    @property
    def alias(self) -> str:
        alias = self.field_info.alias
        return alias if alias is not None else self.name

    @property
    def validation_alias(self) -> str | None:
        alias = self.field_info.validation_alias
        return alias if isinstance(alias, str) and alias else None

    @property
    def serialization_alias(self) -> str | None:
        return self.field_info.serialization_alias or None


def model_fields(model: type[BaseModel]) -> list[SchemaField]:
    """The fields of ``model``; one holding a model, a dict or a dataclass keeps its own config."""
    fields = []
    for name, field_info in model.model_fields.items():
        annotation = field_info.annotation
        config = (
            None
            if lenient_issubclass(annotation, (BaseModel, dict)) or is_dataclass(annotation)
            else model.model_config
        )
        fields.append(SchemaField(field_info=field_info, name=name, config=config))
    return fields


def is_json_field(field: SchemaField) -> bool:
    return any(type(item) is Json for item in field.field_info.metadata)


def add_examples(target: dict[str, Any], info: Any) -> None:
    # A parameter's or a body's `openapi_examples`, else its single `example`.
    openapi_examples = getattr(info, "openapi_examples", None)
    example = getattr(info, "example", PydanticUndefined)
    if openapi_examples:
        target["examples"] = jsonable_encoder(openapi_examples)
    elif example is not PydanticUndefined:
        target["example"] = jsonable_encoder(example)

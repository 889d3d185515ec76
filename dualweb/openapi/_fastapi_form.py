"""The document's text as FastAPI writes it: key order, and the numbers of a schema.

FastAPI validates its document with its OpenAPI models before writing it, so every
object those models read comes out with the models' key order, and their
``float`` keywords as floats: a component schema writes ``"exclusiveMinimum": 0.0``
where pydantic's JSON Schema says ``0``. The same JSON either way; the same text
matters to whoever compares a committed ``openapi.json`` or a generated client.
Only the schemas FastAPI's models read are put in this form: the components'
(path items keep the order they were built in, as FastAPI's do).
"""

from __future__ import annotations

from typing import Any

__all__ = ["component_schema", "components"]

# FastAPI's ``openapi.models.Components``, in its fields' order.
_COMPONENTS_KEYS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)

# FastAPI's ``openapi.models.Schema``, in its fields' order (JSON Schema 2020-12's
# keywords: core, applicators, validation, format, content, metadata, OpenAPI's own).
_SCHEMA_KEYS = (
    *("$schema", "$vocabulary", "$id", "$anchor", "$dynamicAnchor", "$ref", "$dynamicRef"),
    *("$defs", "$comment", "allOf", "anyOf", "oneOf", "not", "if", "then", "else"),
    *("dependentSchemas", "prefixItems", "items", "contains", "properties"),
    *("patternProperties", "additionalProperties", "propertyNames", "unevaluatedItems"),
    *("unevaluatedProperties", "type", "enum", "const", "multipleOf", "maximum"),
    *("exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern"),
    *("maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties"),
    *("minProperties", "required", "dependentRequired", "format", "contentEncoding"),
    *("contentMediaType", "contentSchema", "title", "description", "default", "deprecated"),
    *("readOnly", "writeOnly", "examples", "discriminator", "xml", "externalDocs", "example"),
)
_RANK = {key: rank for rank, key in enumerate(_SCHEMA_KEYS)}
_ONE_SCHEMA = frozenset(
    {
        "not",
        "if",
        "then",
        "else",
        "items",
        "contains",
        "additionalProperties",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP = frozenset({"$defs", "dependentSchemas", "properties", "patternProperties"})
# The keywords FastAPI's model types as float (the length and count ones are int).
_FLOATS = frozenset({"multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"})
_DISCRIMINATOR_KEYS = ("propertyName", "mapping")


def component_schema(schema: Any) -> Any:
    """``schema`` (a JSON Schema, or ``true``/``false``) as FastAPI writes a component:
    its model's keywords in the model's order, then the others as they were."""
    if not isinstance(schema, dict):
        return schema
    keys = sorted((key for key in schema if key in _RANK), key=_RANK.__getitem__)
    keys += [key for key in schema if key not in _RANK]  # (extensions, unknown keywords)
    return {key: _value(key, schema[key]) for key in keys}


def components(sections: dict[str, Any]) -> dict[str, Any]:
    """The document's ``components`` in the order of FastAPI's model."""
    return _ordered(sections, _COMPONENTS_KEYS)


def _value(key: str, value: Any) -> Any:
    if key in _ONE_SCHEMA:
        return component_schema(value)
    if key in _SCHEMA_LIST and isinstance(value, list):
        return [component_schema(item) for item in value]
    if key in _SCHEMA_MAP and isinstance(value, dict):
        return {name: component_schema(item) for name, item in value.items()}
    if key in _FLOATS and type(value) is int:
        return float(value)
    if key == "discriminator" and isinstance(value, dict):
        return _ordered(value, _DISCRIMINATOR_KEYS)
    return value


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    known = {key: mapping[key] for key in order if key in mapping}
    return {**known, **{key: value for key, value in mapping.items() if key not in known}}

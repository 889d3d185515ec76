"""dualweb's OpenAPI 3.1 paths and components, said in OpenAPI 3.0.

OpenAPI 3.1 schemas are JSON Schema (2020-12); OpenAPI 3.0 has its own
subset of an older draft. Everything else dualweb writes (parameters, bodies,
responses, security schemes) is the same in both. The schemas are converted
where 3.0 has a word for the same thing:

- ``anyOf: [X, {type: null}]`` becomes X with ``nullable: true`` (a ``$ref``
  is wrapped in ``allOf`` to carry it, the idiom 3.0 tools read), a bare
  ``{type: null}`` ``{nullable: true, enum: [null]}``;
- ``const: v`` becomes ``enum: [v]``; a number ``exclusiveMinimum`` or
  ``exclusiveMaximum`` the 3.0 pair ``minimum`` + ``exclusiveMinimum: true``;
- ``examples: [a, ...]`` becomes ``example: a``;
- ``contentMediaType`` (uploads, bytes) becomes ``format: binary``,
  ``contentEncoding: base64`` ``format: byte``;
- a ``$ref`` with sibling keywords is wrapped in ``allOf`` (3.0 ignores
  siblings of a ``$ref``);
- a tuple's ``prefixItems`` becomes ``items`` that accepts any of its members
  (its length stays in ``minItems``/``maxItems``), ``patternProperties``
  ``additionalProperties``.

Keywords 3.0 has no word for (``propertyNames``, ``$comment``...) are left
out: the 3.0 document is then less strict than the handler, never stricter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["is_openapi30", "schema_to_30", "to_openapi30"]

#: The keywords of an OpenAPI 3.0 Schema Object (besides ``x-`` extensions).
_SCHEMA_30 = frozenset(
    {
        "title",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "enum",
        "type",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "items",
        "properties",
        "additionalProperties",
        "description",
        "format",
        "default",
        "nullable",
        "discriminator",
        "readOnly",
        "writeOnly",
        "xml",
        "externalDocs",
        "example",
        "deprecated",
    }
)

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_openapi30(document: dict[str, Any]) -> bool:
    """Whether ``document`` declares OpenAPI 3.0.x."""
    return str(document.get("openapi", "")).startswith("3.0")


def to_openapi30(document: dict[str, Any]) -> dict[str, Any]:
    """``document``'s paths and components with every schema in them said in OpenAPI 3.0.

    The other top-level fields are copied as they are, ``openapi`` included:
    the caller merges the parts into a 3.0 document of its own.
    """
    converted = dict(document)
    if "paths" in document:
        converted["paths"] = {path: _path_item(item) for path, item in document["paths"].items()}
    if "components" in document:
        converted["components"] = _components(document["components"])
    return converted


def schema_to_30(schema: Any) -> Any:
    """One JSON Schema (2020-12, as OpenAPI 3.1 has it) as an OpenAPI 3.0 Schema Object."""
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        if len(schema) == 1:
            return dict(schema)
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        return _keywords({"allOf": [{"$ref": schema["$ref"]}], **siblings})
    if schema.get("type") == "null" or schema.get("type") == ["null"]:
        rest = {key: value for key, value in schema.items() if key != "type"}
        return _keywords({**rest, "nullable": True, "enum": [None]})
    if isinstance(schema.get("type"), list):
        return _typelist(schema)
    for keyword in ("anyOf", "oneOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and any(_is_null(m) for m in members):
            return _nullable(schema, keyword, [m for m in members if not _is_null(m)])
    return _keywords(schema)


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _nullable(schema: dict[str, Any], keyword: str, members: list[Any]) -> dict[str, Any]:
    # `X | None`: 3.0 says "null too" with `nullable` beside a type.
    rest = {key: value for key, value in schema.items() if key != keyword}
    if len(members) != 1:
        return _keywords({**rest, keyword: members, "nullable": True})
    member = schema_to_30(members[0])
    if "$ref" in member:
        member = {"allOf": [member]}
    # The outer keywords (title, default, description) describe the field: they win.
    return {**member, **_keywords(rest), "nullable": True}


def _typelist(schema: dict[str, Any]) -> dict[str, Any]:
    types = [t for t in schema["type"] if t != "null"]
    rest = {key: value for key, value in schema.items() if key != "type"}
    if "null" in schema["type"]:
        rest["nullable"] = True
    if len(types) == 1:
        return _keywords({**rest, "type": types[0]})
    return _keywords({**rest, "anyOf": [{"type": t} for t in types]})


def _keywords(schema: dict[str, Any]) -> dict[str, Any]:
    """The keywords of one schema without null types: each one converted or left out."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: schema_to_30(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            # Only additionalProperties may stay a boolean in 3.0.
            keep = isinstance(value, bool) and key == "additionalProperties"
            out[key] = value if keep else schema_to_30(value)
        elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
            out[key] = [schema_to_30(sub) for sub in value]
        else:
            out[key] = value
    if "const" in out:
        out.setdefault("enum", [out.pop("const")])
    if None in out.get("enum", ()):
        out["nullable"] = True
    examples = out.pop("examples", None)
    if isinstance(examples, list) and examples:
        out.setdefault("example", examples[0])
    _exclusive(out, "exclusiveMinimum", "minimum", lambda bound, other: bound >= other)
    _exclusive(out, "exclusiveMaximum", "maximum", lambda bound, other: bound <= other)
    _contents(out)
    _tuple(out)
    patterns = out.pop("patternProperties", None)
    if patterns and "additionalProperties" not in out:
        values = list(patterns.values())
        out["additionalProperties"] = values[0] if len(values) == 1 else {"anyOf": values}
    if out.get("type") == "array" and "items" not in out:
        out["items"] = {}  # 3.0 requires it beside `type: array`
    return {key: value for key, value in out.items() if key in _SCHEMA_30 or key[:2] == "x-"}


def _exclusive(
    out: dict[str, Any], exclusive: str, inclusive: str, tighter: Callable[[Any, Any], bool]
) -> None:
    # 3.1's exclusive bound is a number; 3.0's a flag on the inclusive one.
    bound = out.get(exclusive)
    if isinstance(bound, bool) or not isinstance(bound, int | float):
        return
    other = out.get(inclusive)
    if other is None or tighter(bound, other):
        out[inclusive] = bound
        out[exclusive] = True
    else:
        del out[exclusive]  # the inclusive bound is the tighter one


def _contents(out: dict[str, Any]) -> None:
    encoding = out.pop("contentEncoding", None)
    media_type = out.pop("contentMediaType", None)
    out.pop("contentSchema", None)
    if out.get("type") != "string" or "format" in out:
        return
    if encoding == "base64":
        out["format"] = "byte"
    elif media_type is not None:
        out["format"] = "binary"


def _tuple(out: dict[str, Any]) -> None:
    members = out.pop("prefixItems", None)
    if members is None:
        return
    if "items" in out and out["items"] != {"not": {}}:
        members = [*members, out["items"]]
    unique = [m for i, m in enumerate(members) if m not in members[:i]]
    out["items"] = unique[0] if len(unique) == 1 else {"anyOf": unique} if unique else {}


# --- where the schemas are in a document ----------------------------------------------------


def _components(components: dict[str, Any]) -> dict[str, Any]:
    converted = dict(components)
    if "schemas" in components:
        converted["schemas"] = {n: schema_to_30(s) for n, s in components["schemas"].items()}
    for section, convert in (
        ("parameters", _parameter),
        ("headers", _parameter),
        ("requestBodies", _with_content),
        ("responses", _response),
        ("callbacks", _callback),
        ("pathItems", _path_item),
    ):
        if section in components:
            converted[section] = {n: convert(v) for n, v in components[section].items()}
    return converted


def _path_item(item: dict[str, Any]) -> dict[str, Any]:
    converted = dict(item)
    if "parameters" in item:
        converted["parameters"] = [_parameter(p) for p in item["parameters"]]
    for method in _METHODS:
        if method in item:
            converted[method] = _operation(item[method])
    return converted


def _operation(operation: dict[str, Any]) -> dict[str, Any]:
    converted = dict(operation)
    if "parameters" in operation:
        converted["parameters"] = [_parameter(p) for p in operation["parameters"]]
    if "requestBody" in operation:
        converted["requestBody"] = _with_content(operation["requestBody"])
    if "responses" in operation:
        converted["responses"] = {c: _response(r) for c, r in operation["responses"].items()}
    if "callbacks" in operation:
        converted["callbacks"] = {n: _callback(c) for n, c in operation["callbacks"].items()}
    return converted


def _callback(callback: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in callback:
        return callback
    return {expression: _path_item(item) for expression, item in callback.items()}


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    """A parameter or a header: a schema, or a content map."""
    converted = _with_content(parameter)
    if "schema" in parameter:
        converted["schema"] = schema_to_30(parameter["schema"])
    return converted


def _response(response: dict[str, Any]) -> dict[str, Any]:
    converted = _with_content(response)
    if "headers" in response:
        converted["headers"] = {n: _parameter(h) for n, h in response["headers"].items()}
    return converted


def _with_content(owner: dict[str, Any]) -> dict[str, Any]:
    converted = dict(owner)
    if "content" in owner:
        converted["content"] = {t: _media_type(m) for t, m in owner["content"].items()}
    return converted


def _media_type(media: dict[str, Any]) -> dict[str, Any]:
    converted = dict(media)
    if "schema" in media:
        converted["schema"] = schema_to_30(media["schema"])
    if "encoding" in media:
        converted["encoding"] = {
            name: {
                **encoding,
                "headers": {n: _parameter(h) for n, h in encoding["headers"].items()},
            }
            if "headers" in encoding
            else encoding
            for name, encoding in media["encoding"].items()
        }
    return converted

"""dualweb's OpenAPI 3.1 document said in OpenAPI 3.0 (dualweb.openapi._openapi30).

Literal schemas in, literal schemas out; then every router of the behaviour
tests, whose 3.1 document validates, gives a 3.0 document that validates.
"""

import warnings
from typing import Any

import pytest
from openapi_spec_validator import validate
from test_openapi import _is_valid, _suite_builds, ours

from dualweb.openapi._openapi30 import is_openapi30, schema_to_30, to_openapi30

REF = {"$ref": "#/components/schemas/Item"}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        pytest.param(
            {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}], "title": "Q"},
            {"type": "string", "maxLength": 3, "title": "Q", "nullable": True},
            id="optional-scalar",
        ),
        pytest.param(
            {"anyOf": [REF, {"type": "null"}], "default": None},
            {"allOf": [REF], "default": None, "nullable": True},
            id="optional-ref",
        ),
        pytest.param(
            {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
            {"anyOf": [{"type": "integer"}, {"type": "string"}], "nullable": True},
            id="optional-union",
        ),
        pytest.param({"type": "null"}, {"nullable": True, "enum": [None]}, id="null"),
        pytest.param(
            {"type": ["integer", "null"]}, {"type": "integer", "nullable": True}, id="type-list"
        ),
        pytest.param(
            {"type": ["integer", "string"]},
            {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            id="type-list-of-two",
        ),
        pytest.param(
            {"const": "a", "type": "string"}, {"type": "string", "enum": ["a"]}, id="const"
        ),
        pytest.param(
            {"enum": ["a", None]}, {"enum": ["a", None], "nullable": True}, id="enum-with-null"
        ),
        pytest.param(
            {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
            {
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": 10,
                "exclusiveMaximum": True,
            },
            id="exclusive-bounds",
        ),
        pytest.param(
            {"type": "number", "exclusiveMinimum": 0, "minimum": 5},
            {"type": "number", "minimum": 5},
            id="inclusive-bound-tighter",
        ),
        pytest.param(
            {"type": "number", "exclusiveMaximum": 3, "maximum": 5},
            {"type": "number", "maximum": 3, "exclusiveMaximum": True},
            id="exclusive-bound-tighter",
        ),
        pytest.param(
            {"type": "string", "examples": ["pen", "ink"]},
            {"type": "string", "example": "pen"},
            id="examples",
        ),
        pytest.param(
            {"type": "string", "contentMediaType": "application/octet-stream"},
            {"type": "string", "format": "binary"},
            id="upload",
        ),
        pytest.param(
            {"type": "string", "contentEncoding": "base64"},
            {"type": "string", "format": "byte"},
            id="base64",
        ),
        pytest.param(
            {**REF, "description": "the item", "default": {"name": "pen"}},
            {"allOf": [REF], "description": "the item", "default": {"name": "pen"}},
            id="ref-with-siblings",
        ),
        pytest.param(REF, REF, id="ref"),
        pytest.param(
            {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "minItems": 2,
                "maxItems": 2,
            },
            {
                "type": "array",
                "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                "minItems": 2,
                "maxItems": 2,
            },
            id="tuple",
        ),
        pytest.param(
            {"type": "array", "prefixItems": [{"type": "integer"}], "items": {"type": "integer"}},
            {"type": "array", "items": {"type": "integer"}},
            id="tuple-of-one-type",
        ),
        pytest.param({"type": "array"}, {"type": "array", "items": {}}, id="array-needs-items"),
        pytest.param(
            {"type": "object", "patternProperties": {"^a": {"type": "integer"}}},
            {"type": "object", "additionalProperties": {"type": "integer"}},
            id="pattern-properties",
        ),
        pytest.param(
            {
                "type": "object",
                "propertyNames": {"enum": ["a", "b"]},
                "additionalProperties": False,
                "$comment": "x",
                "x-kept": 1,
            },
            {"type": "object", "additionalProperties": False, "x-kept": 1},
            id="left-out",
        ),
        pytest.param(
            {"type": "array", "items": True, "not": False},
            {"type": "array", "items": {}, "not": {"not": {}}},
            id="boolean-schemas",
        ),
        pytest.param(
            {
                "type": "object",
                "properties": {
                    # A property may be named like a keyword: it stays a property.
                    "type": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "items": {"type": "array", "items": {"const": 1}},
                },
                "additionalProperties": {"anyOf": [REF, {"type": "null"}]},
            },
            {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "nullable": True},
                    "items": {"type": "array", "items": {"enum": [1]}},
                },
                "additionalProperties": {"allOf": [REF], "nullable": True},
            },
            id="nested",
        ),
        pytest.param(
            {
                "oneOf": [REF, {"$ref": "#/components/schemas/Other"}],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"a": "#/components/schemas/Item"},
                },
            },
            {
                "oneOf": [REF, {"$ref": "#/components/schemas/Other"}],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"a": "#/components/schemas/Item"},
                },
            },
            id="discriminated-union",
        ),
    ],
)
def test_schema_in_openapi30(schema: Any, expected: Any) -> None:
    assert schema_to_30(schema) == expected


def test_the_schemas_in_every_place_of_a_document_are_converted() -> None:
    nullable = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    converted = {"type": "integer", "nullable": True}
    examples = {"one": {"value": {"schema": {"type": "null"}}}}  # data: left alone
    operation = {
        "parameters": [
            {"name": "q", "in": "query", "schema": nullable},
            {"name": "f", "in": "query", "content": {"application/json": {"schema": nullable}}},
        ],
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": nullable,
                    "encoding": {"a": {"headers": {"X-A": {"schema": nullable}}}},
                    "examples": examples,
                }
            }
        },
        "responses": {
            "200": {
                "description": "OK",
                "headers": {"X-Rate": {"schema": nullable}},
                "content": {"application/json": {"schema": nullable}},
            }
        },
        "callbacks": {"done": {"{$request.body#/url}": {"post": {"requestBody": {"$ref": "#/x"}}}}},
    }
    document = {
        "openapi": "3.1.0",
        "paths": {"/a": {"parameters": [{"name": "p", "in": "query", "schema": nullable}]}},
        "components": {
            "schemas": {"A": nullable},
            "parameters": {"P": {"name": "p", "in": "query", "schema": nullable}},
            "headers": {"H": {"schema": nullable}},
            "responses": {"R": {"description": "R", "content": {"a/b": {"schema": nullable}}}},
            "securitySchemes": {"S": {"type": "http", "scheme": "bearer"}},
        },
    }
    document["paths"]["/a"]["get"] = operation
    got = to_openapi30(document)
    op = got["paths"]["/a"]["get"]
    assert got["paths"]["/a"]["parameters"][0]["schema"] == converted
    assert op["parameters"][0]["schema"] == converted
    assert op["parameters"][1]["content"]["application/json"]["schema"] == converted
    media = op["requestBody"]["content"]["multipart/form-data"]
    assert media["schema"] == converted
    assert media["encoding"]["a"]["headers"]["X-A"]["schema"] == converted
    assert media["examples"] == examples
    assert op["responses"]["200"]["headers"]["X-Rate"]["schema"] == converted
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == converted
    assert op["callbacks"] == operation["callbacks"]
    components = got["components"]
    assert components["schemas"]["A"] == converted
    assert components["parameters"]["P"]["schema"] == converted
    assert components["headers"]["H"]["schema"] == converted
    assert components["responses"]["R"]["content"]["a/b"]["schema"] == converted
    assert components["securitySchemes"] == document["components"]["securitySchemes"]
    # The input is left as it was.
    assert document["components"]["schemas"]["A"] == nullable
    assert operation["parameters"][0]["schema"] == nullable


def test_which_documents_are_openapi30() -> None:
    assert is_openapi30({"openapi": "3.0.3"})
    assert is_openapi30({"openapi": "3.0.0"})
    assert not is_openapi30({"openapi": "3.1.0"})
    assert not is_openapi30({"swagger": "2.0"})


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_every_suite_router_documents_in_openapi30() -> None:
    # One test over all the routers: each document is converted and validated.
    checked = 0
    for param in _suite_builds():
        build = param.values[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = ours(build)
        if not _is_valid(document):
            continue  # a handler that declares what OpenAPI forbids (see test_openapi.py)
        converted = {**to_openapi30(document), "openapi": "3.0.3"}
        validate(converted)
        checked += 1
    assert checked > 50

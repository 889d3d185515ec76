"""Responses: an operation's declared response, its additional responses and the 422."""

from __future__ import annotations

import copy
import http.client
import inspect
from typing import Any

from .._core.route import Default
from .._core.typeinfo import lenient_issubclass
from ..responses import JSONResponse, is_body_allowed_for_status_code
from ..sse import EventSourceResponse
from ._fields import SchemaField
from ._merge import deep_dict_update
from ._routes import RoutePlan
from ._schemas import REF_PREFIX, Schemas

VALIDATION_ERROR_DEFINITION: dict[str, Any] = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {
            "title": "Location",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}

HTTP_VALIDATION_ERROR_DEFINITION: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "array",
            "items": {"$ref": REF_PREFIX + "ValidationError"},
        }
    },
}

STATUS_CODE_RANGES: dict[str, str] = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}


def operation_responses(
    plan: RoutePlan, schemas: Schemas
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """An operation's responses, and the component schemas they add (the 422's)."""
    route = plan.route
    response_class = route.response_class
    response_class = getattr(response_class, "value", response_class)
    media_type: str | None = response_class.media_type
    responses: dict[str, Any] = {}
    _add_declared_response(responses, plan, schemas, response_class, media_type)
    for code, additional in route.responses.items():
        field = plan.response_fields.get(code)
        _add_additional_response(responses, code, additional, field, schemas, media_type)
    definitions: dict[str, dict[str, Any]] = {}
    if plan.has_input and not any(status in responses for status in ("422", "4XX", "default")):
        responses["422"] = {
            "description": "Validation Error",
            "content": {
                "application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}
            },
        }
        definitions["ValidationError"] = VALIDATION_ERROR_DEFINITION
        definitions["HTTPValidationError"] = HTTP_VALIDATION_ERROR_DEFINITION
    return responses, definitions


def _default_status_code(response_class: type[Any]) -> str:
    parameter = inspect.signature(response_class.__init__).parameters.get("status_code")
    if parameter is not None and isinstance(parameter.default, int):
        return str(parameter.default)
    return str(getattr(response_class, "default_status_code", 200))


def _add_declared_response(
    responses: dict[str, Any],
    plan: RoutePlan,
    schemas: Schemas,
    response_class: type[Any],
    media_type: str | None,
) -> None:
    """The response of the route's own status code, with its response model's schema."""
    route = plan.route
    status_code = (
        str(route.status_code)
        if route.status_code is not None
        else _default_status_code(response_class)
    )
    responses.setdefault(status_code, {})["description"] = route.response_description
    if not is_body_allowed_for_status_code(route.status_code):
        return
    stream = _stream_content(plan, schemas, response_class)
    if stream is not None:
        responses[status_code].setdefault("content", {}).update(stream)
    elif media_type:
        response_schema: dict[str, Any] = {"type": "string"}
        if lenient_issubclass(response_class, JSONResponse):
            response_schema = schemas.schema(plan.response_field) if plan.response_field else {}
        responses[status_code].setdefault("content", {}).setdefault(media_type, {})["schema"] = (
            response_schema
        )


#: What FastAPI documents of one server-sent event.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


def _stream_content(
    plan: RoutePlan, schemas: Schemas, response_class: type[Any]
) -> dict[str, Any] | None:
    """A generator handler's stream, as FastAPI documents it: the schema of one item."""
    route = plan.route
    if not route.is_stream:
        return None
    field = plan.stream_item_field
    if isinstance(route.response_class, Default):
        return {"application/jsonl": {"itemSchema": schemas.schema(field) if field else {}}}
    if not lenient_issubclass(response_class, EventSourceResponse):
        return None  # raw chunks: documented by the response class, as any other
    item_schema = copy.deepcopy(SSE_EVENT_SCHEMA)
    if field is not None:
        item_schema["required"] = ["data"]
        item_schema["properties"]["data"] = {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": schemas.schema(field),
        }
    return {"text/event-stream": {"itemSchema": item_schema}}


def _add_additional_response(
    responses: dict[str, Any],
    code: int | str,
    additional: dict[str, Any],
    field: SchemaField | None,
    schemas: Schemas,
    media_type: str | None,
) -> None:
    """One of ``route.responses``, merged into the response of its status, if there is one."""
    processed = copy.deepcopy(additional)
    processed.pop("model", None)
    key = str(code).upper()
    if key == "DEFAULT":
        key = "default"
    response = responses.setdefault(key, {})
    if field is not None:
        target = (
            processed.setdefault("content", {})
            .setdefault(media_type or "application/json", {})
            .setdefault("schema", {})
        )
        deep_dict_update(target, schemas.schema(field))
    status_text = STATUS_CODE_RANGES.get(str(code).upper()) or (
        http.client.responses.get(int(code))
    )
    description = (
        processed.get("description")
        or response.get("description")
        or status_text
        or "Additional Response"
    )
    deep_dict_update(response, processed)
    response["description"] = description

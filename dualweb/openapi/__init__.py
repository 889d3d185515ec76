"""The OpenAPI 3.1 document of a router, from its routes alone.

The document is the one FastAPI produces for the same handler source: the
same operations, parameters, request bodies, responses and component names.
Schemas come from pydantic's JSON Schema generator, given every field of every
route in one pass (as FastAPI does), so that pydantic names components the
same way (``Item``, or ``Item-Input``/``Item-Output`` where the validation and
serialization schemas differ).
"""

from __future__ import annotations

import copy
import dataclasses
import http.client
import inspect
import json
import warnings
from collections.abc import Sequence
from os import PathLike
from typing import IO, Any

from pydantic.fields import FieldInfo

from .._core.analysis import Dependant, ParamField
from .._core.typeinfo import lenient_issubclass
from ..encoders import jsonable_encoder
from ..responses import JSONResponse, is_body_allowed_for_status_code
from ._bodies import body_field, request_body
from ._fields import SchemaField
from ._parameters import ParamFields, operation_parameters
from ._schemas import REF_PREFIX, Schemas

__all__ = ["export_openapi", "get_openapi", "openapi_for"]

METHODS_WITH_BODY = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}

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


def _deep_dict_update(main: dict[Any, Any], update: dict[Any, Any]) -> None:
    for key, value in update.items():
        if key in main and isinstance(main[key], dict) and isinstance(value, dict):
            _deep_dict_update(main[key], value)
        elif key in main and isinstance(main[key], list) and isinstance(value, list):
            main[key] = main[key] + value
        else:
            main[key] = value


@dataclasses.dataclass
class _DependencyData:
    path: list[ParamField] = dataclasses.field(default_factory=list)
    query: list[ParamField] = dataclasses.field(default_factory=list)
    header: list[ParamField] = dataclasses.field(default_factory=list)
    cookie: list[ParamField] = dataclasses.field(default_factory=list)
    security: list[tuple[Dependant, list[str]]] = dataclasses.field(default_factory=list)


def _dependency_data(root: Dependant) -> _DependencyData:
    """Parameters and security schemes of a dependency graph, each dependency once."""
    data = _DependencyData()
    visited: list[Any] = []
    stack: list[tuple[Dependant, list[str], bool]] = [(root, [], True)]
    while stack:
        current, parent_scopes, is_root = stack.pop()
        key = current.cache_key
        if key in visited:
            continue
        visited.append(key)
        data.path.extend(current.path_params)
        data.query.extend(current.query_params)
        data.header.extend(current.header_params)
        data.cookie.extend(current.cookie_params)
        scopes = list(parent_scopes)
        for scope in current.scopes:
            if scope not in scopes:
                scopes.append(scope)
        if not is_root and current.security_scheme is not None:
            data.security.append((current, scopes))
        stack.extend((sub, scopes, False) for sub in reversed(current.dependencies))
    return data


def _default_status_code(response_class: type[Any]) -> str:
    parameter = inspect.signature(response_class.__init__).parameters.get("status_code")
    if parameter is not None and isinstance(parameter.default, int):
        return str(parameter.default)
    return str(getattr(response_class, "default_status_code", 200))


# --- the builder -----------------------------------------------------------------------


class _RoutePlan:
    """What the document needs of one route: its schema fields and dependency data."""

    def __init__(self, route: Any, builder: _Builder) -> None:
        self.route = route
        self.data = _dependency_data(route.dependant)
        self.groups: list[tuple[str, list[ParamField]]] = [
            ("path", self.data.path),
            ("query", self.data.query),
            ("header", self.data.header),
            ("cookie", self.data.cookie),
        ]
        self.body_params = [builder.params.field(p) for p in route.body_fields]
        self.body_field = body_field(route, self.body_params)
        self.response_field: SchemaField | None = None
        if route.response_model:
            self.response_field = SchemaField(
                field_info=FieldInfo(annotation=route.response_model),
                name="Response_" + route.unique_id,
                mode="serialization",
            )
        self.response_fields: dict[int | str, SchemaField] = {}
        for code, response in route.responses.items():
            model = response.get("model")
            if model:
                self.response_fields[code] = SchemaField(
                    field_info=FieldInfo(annotation=model),
                    name=f"Response_{code}_{route.unique_id}",
                    mode="serialization",
                )

    def flat_params(self, builder: _Builder) -> list[SchemaField]:
        return [
            field
            for _, group in self.groups
            for field in builder.params.flat(builder.params.field(p) for p in group)
        ]

    def fields(
        self, builder: _Builder
    ) -> tuple[list[SchemaField], list[SchemaField], list[SchemaField]]:
        bodies = [self.body_field] if self.body_field is not None else []
        responses = [self.response_field] if self.response_field is not None else []
        responses.extend(self.response_fields.values())
        return bodies, responses, self.flat_params(builder)


class _Builder:
    def __init__(self, separate_input_output_schemas: bool) -> None:
        self.params = ParamFields()
        self.schemas = Schemas(separate_input_output_schemas)

    def path_item(
        self, plan: _RoutePlan, operation_ids: set[str]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        route = plan.route
        path: dict[str, Any] = {}
        security_schemes: dict[str, Any] = {}
        definitions: dict[str, Any] = {}
        response_class = route.response_class
        response_class = getattr(response_class, "value", response_class)
        media_type: str | None = response_class.media_type
        has_params = bool(self.params.flat(self.params.field(p) for _, g in plan.groups for p in g))
        for method in route.methods:
            operation: dict[str, Any] = {}
            if route.tags:
                operation["tags"] = list(route.tags)
            operation["summary"] = route.summary or route.name.replace("_", " ").title()
            if route.description:
                operation["description"] = route.description
            operation_id = route.operation_id or route.unique_id
            if operation_id in operation_ids:
                name = getattr(route.endpoint, "__name__", "<unnamed_endpoint>")
                message = f"Duplicate Operation ID {operation_id} for function {name}"
                file_name = getattr(route.endpoint, "__globals__", {}).get("__file__")
                if file_name:
                    message += f" at {file_name}"
                warnings.warn(message, stacklevel=2)
            operation_ids.add(operation_id)
            operation["operationId"] = operation_id
            if route.deprecated:
                operation["deprecated"] = route.deprecated

            requirements: dict[str, list[str]] = {}
            for dependant, scopes in plan.data.security:
                scheme = dependant.security_scheme
                security_schemes[scheme.scheme_name] = jsonable_encoder(
                    scheme.model, by_alias=True, exclude_none=True
                )
                merged = requirements.setdefault(scheme.scheme_name, [])
                merged.extend(s for s in scopes if s not in merged)
            if requirements:
                operation["security"] = [{name: s} for name, s in requirements.items()]

            parameters = operation_parameters(plan.groups, self.params, self.schemas)
            if parameters:
                operation["parameters"] = parameters
            if method in METHODS_WITH_BODY and plan.body_field is not None:
                operation["requestBody"] = request_body(plan.body_field, self.schemas)

            status_code = (
                str(route.status_code)
                if route.status_code is not None
                else _default_status_code(response_class)
            )
            responses = operation.setdefault("responses", {})
            responses.setdefault(status_code, {})["description"] = route.response_description
            if is_body_allowed_for_status_code(route.status_code) and media_type:
                response_schema: dict[str, Any] = {"type": "string"}
                if lenient_issubclass(response_class, JSONResponse):
                    response_schema = (
                        self.schemas.schema(plan.response_field) if plan.response_field else {}
                    )
                responses[status_code].setdefault("content", {}).setdefault(media_type, {})[
                    "schema"
                ] = response_schema
            for code, additional in route.responses.items():
                processed = copy.deepcopy(additional)
                processed.pop("model", None)
                key = str(code).upper()
                if key == "DEFAULT":
                    key = "default"
                response = responses.setdefault(key, {})
                field = plan.response_fields.get(code)
                if field is not None:
                    target = (
                        processed.setdefault("content", {})
                        .setdefault(media_type or "application/json", {})
                        .setdefault("schema", {})
                    )
                    _deep_dict_update(target, self.schemas.schema(field))
                status_text = STATUS_CODE_RANGES.get(str(code).upper()) or (
                    http.client.responses.get(int(code))
                )
                description = (
                    processed.get("description")
                    or response.get("description")
                    or status_text
                    or "Additional Response"
                )
                _deep_dict_update(response, processed)
                response["description"] = description
            if (has_params or plan.body_field is not None) and not any(
                status in responses for status in ("422", "4XX", "default")
            ):
                responses["422"] = {
                    "description": "Validation Error",
                    "content": {
                        "application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}
                    },
                }
                definitions["ValidationError"] = VALIDATION_ERROR_DEFINITION
                definitions["HTTPValidationError"] = HTTP_VALIDATION_ERROR_DEFINITION
            if route.openapi_extra:
                _deep_dict_update(operation, route.openapi_extra)
            path[method.lower()] = operation
        return path, security_schemes, definitions


def get_openapi(
    *,
    title: str,
    version: str,
    routes: Sequence[Any],
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (``Router.routes``), as FastAPI would write it."""
    info: dict[str, Any] = {"title": title, "version": version}
    if summary:
        info["summary"] = summary
    if description:
        info["description"] = description
    if terms_of_service:
        info["termsOfService"] = terms_of_service
    if contact:
        info["contact"] = contact
    if license_info:
        info["license"] = license_info
    output: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers

    builder = _Builder(separate_input_output_schemas)
    plans = [_RoutePlan(route, builder) for route in routes if route.include_in_schema]
    bodies: list[SchemaField] = []
    responses: list[SchemaField] = []
    requests: list[SchemaField] = []
    for plan in plans:
        plan_bodies, plan_responses, plan_requests = plan.fields(builder)
        bodies.extend(plan_bodies)
        responses.extend(plan_responses)
        requests.extend(plan_requests)
    definitions = builder.schemas.definitions([*bodies, *responses, *requests])

    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for plan in plans:
        path, security_schemes, path_definitions = builder.path_item(plan, operation_ids)
        if path:
            paths.setdefault(plan.route.path_format, {}).update(path)
        if security_schemes:
            components.setdefault("securitySchemes", {}).update(security_schemes)
        definitions.update(path_definitions)
    if definitions:
        components["schemas"] = {key: definitions[key] for key in sorted(definitions)}
    if components:
        output["components"] = components
    output["paths"] = paths
    if openapi_tags:
        output["tags"] = openapi_tags
    document: dict[str, Any] = jsonable_encoder(output, by_alias=True, exclude_none=True)
    return document


# --- caching and export -------------------------------------------------------------


_CACHE_ATTRIBUTE = "_dualweb_openapi_cache"


def openapi_for(router: Any, **kwargs: Any) -> dict[str, Any]:
    """``router``'s document, built once per state of the router and these keywords.

    Declaring a route (on the router or on one it includes) changes
    ``router.state_version``, which invalidates the cached document.
    """
    options = {"title": "FastAPI", "version": "0.1.0", **kwargs}
    key = (router.state_version, json.dumps(options, sort_keys=True, default=repr))
    cache: dict[Any, dict[str, Any]] = getattr(router, _CACHE_ATTRIBUTE, None) or {}
    document = cache.get(key)
    if document is None:
        document = get_openapi(routes=router.routes, **options)
        # Keep only the current state's documents: older ones can never be asked again.
        cache = {k: v for k, v in cache.items() if k[0] == key[0]}
        cache[key] = document
        setattr(router, _CACHE_ATTRIBUTE, cache)
    return document


def export_openapi(
    router: Any,
    path_or_file: str | PathLike[str] | IO[str],
    *,
    indent: int | None = 2,
    **kwargs: Any,
) -> dict[str, Any]:
    """Write ``router``'s document as JSON to a path or a text file; return the document."""
    document = openapi_for(router, **kwargs)
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    if isinstance(path_or_file, (str, PathLike)):
        with open(path_or_file, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        path_or_file.write(text + "\n")
    return document

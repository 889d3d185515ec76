"""The document: every route planned, every schema generated in one pass, then the paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..encoders import jsonable_encoder
from ._fastapi_form import component_schema
from ._fastapi_form import components as fastapi_components
from ._fields import SchemaField
from ._operations import path_item
from ._parameters import ParamFields
from ._routes import RoutePlan
from ._schemas import Schemas


def get_openapi(
    *,
    title: str,
    version: str,
    routes: Sequence[Any],
    webhooks: Sequence[Any] | None = None,
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
    """The OpenAPI document of ``routes`` (``Router.routes``) and ``webhooks``
    (``Router.webhook_routes``), as FastAPI would write it."""
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

    params = ParamFields()
    schemas = Schemas(separate_input_output_schemas)
    plans = [RoutePlan(route, params) for route in routes if route.include_in_schema]
    hooks = [RoutePlan(route, params) for route in webhooks or () if route.include_in_schema]
    definitions = schemas.definitions(_schema_fields(plans + hooks))
    components: dict[str, Any] = {}
    operation_ids: set[str] = set()
    paths = _path_items(plans, schemas, components, definitions, operation_ids)
    webhook_items = _path_items(hooks, schemas, components, definitions, operation_ids)
    # (The order of FastAPI's OpenAPI model: paths, webhooks, then components.)
    output["paths"] = paths
    if webhook_items:
        output["webhooks"] = webhook_items
    if definitions:
        components["schemas"] = {
            key: component_schema(definitions[key]) for key in sorted(definitions)
        }
    if components:
        output["components"] = fastapi_components(components)
    if openapi_tags:
        output["tags"] = openapi_tags
    document: dict[str, Any] = jsonable_encoder(output, by_alias=True, exclude_none=True)
    return document


def _schema_fields(plans: list[RoutePlan]) -> list[SchemaField]:
    """The callbacks' fields, then every body, every response, every parameter field:
    FastAPI's generator order."""
    callbacks: list[SchemaField] = []
    bodies: list[SchemaField] = []
    responses: list[SchemaField] = []
    requests: list[SchemaField] = []
    for plan in plans:
        callbacks.extend(_schema_fields(plan.callback_plans))
        plan_bodies, plan_responses, plan_requests = plan.fields()
        bodies.extend(plan_bodies)
        responses.extend(plan_responses)
        requests.extend(plan_requests)
    return [*callbacks, *bodies, *responses, *requests]


def _path_items(
    plans: list[RoutePlan],
    schemas: Schemas,
    components: dict[str, Any],
    definitions: dict[str, dict[str, Any]],
    operation_ids: set[str],
) -> dict[str, dict[str, Any]]:
    """The path items of ``plans`` by path; the security schemes and schemas they use are
    added to ``components`` and ``definitions``."""
    items: dict[str, dict[str, Any]] = {}
    for plan in plans:
        path, security_schemes, path_definitions = path_item(plan, schemas, operation_ids)
        if path:
            items.setdefault(plan.route.path_format, {}).update(path)
        if security_schemes:
            components.setdefault("securitySchemes", {}).update(security_schemes)
        definitions.update(path_definitions)
    return items

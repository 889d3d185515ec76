"""The path item of one route: an operation for each of its methods."""

from __future__ import annotations

import warnings
from typing import Any

from ..encoders import jsonable_encoder
from ._bodies import request_body
from ._merge import deep_dict_update
from ._parameters import operation_parameters
from ._responses import operation_responses
from ._routes import RoutePlan
from ._schemas import Schemas

METHODS_WITH_BODY = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}


def path_item(
    plan: RoutePlan, schemas: Schemas, operation_ids: set[str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The route's operations, the security schemes they use and the schemas they add."""
    route = plan.route
    path: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    for method in route.methods:
        operation = _operation_head(route, operation_ids)
        security = _security(plan, security_schemes)
        if security:
            operation["security"] = security
        parameters = operation_parameters(plan.groups, plan.params, schemas)
        if parameters:
            operation["parameters"] = parameters
        if method in METHODS_WITH_BODY and plan.body_field is not None:
            operation["requestBody"] = request_body(plan.body_field, schemas)
        if plan.callbacks:
            operation["callbacks"] = _callbacks(
                plan, schemas, operation_ids, security_schemes, definitions
            )
        operation["responses"], added = operation_responses(plan, schemas)
        definitions.update(added)
        if route.openapi_extra:
            deep_dict_update(operation, route.openapi_extra)
        path[method.lower()] = operation
    return path, security_schemes, definitions


def _callbacks(
    plan: RoutePlan,
    schemas: Schemas,
    operation_ids: set[str],
    security_schemes: dict[str, Any],
    definitions: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """The operation's callbacks: ``{name: {path: path item}}``, the path as declared.

    NOTE: FastAPI drops the security schemes and schemas that only the callbacks
    use, leaving references to nothing in its document; here they are kept.
    """
    callbacks: dict[str, dict[str, Any]] = {}
    for callback, callback_plan in plan.callbacks:
        item: dict[str, Any] = {}
        if callback_plan is not None:
            item, used_schemes, used_definitions = path_item(callback_plan, schemas, operation_ids)
            security_schemes.update(used_schemes)
            definitions.update(used_definitions)
        callbacks[callback.name] = {callback.path: item}
    return callbacks


def _operation_head(route: Any, operation_ids: set[str]) -> dict[str, Any]:
    """Tags, summary, description, operation id and deprecation of an operation of ``route``."""
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
        # Past this helper and path_item: the warning points at the document's loop over routes.
        warnings.warn(message, stacklevel=3)
    operation_ids.add(operation_id)
    operation["operationId"] = operation_id
    if route.deprecated:
        operation["deprecated"] = route.deprecated
    return operation


def _security(plan: RoutePlan, security_schemes: dict[str, Any]) -> list[dict[str, list[str]]]:
    """The operation's security requirements; the schemes they name go to ``security_schemes``."""
    requirements: dict[str, list[str]] = {}
    for dependant, scopes in plan.data.security:
        scheme = dependant.security_scheme
        security_schemes[scheme.scheme_name] = jsonable_encoder(
            scheme.model, by_alias=True, exclude_none=True
        )
        merged = requirements.setdefault(scheme.scheme_name, [])
        merged.extend(s for s in scopes if s not in merged)
    return [{name: s} for name, s in requirements.items()]

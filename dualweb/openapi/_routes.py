"""What the document needs of one route: its schema fields and its dependency data."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic.fields import FieldInfo

from .._core.plan import Dependant, ParamField
from ._bodies import body_field
from ._fields import SchemaField
from ._parameters import ParamFields


@dataclasses.dataclass
class DependencyData:
    path: list[ParamField] = dataclasses.field(default_factory=list)
    query: list[ParamField] = dataclasses.field(default_factory=list)
    header: list[ParamField] = dataclasses.field(default_factory=list)
    cookie: list[ParamField] = dataclasses.field(default_factory=list)
    security: list[tuple[Dependant, list[str]]] = dataclasses.field(default_factory=list)


def dependency_data(root: Dependant) -> DependencyData:
    """Parameters and security schemes of a dependency graph, each dependency once."""
    data = DependencyData()
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


class RoutePlan:
    """What the document needs of one route: its schema fields and dependency data."""

    def __init__(self, route: Any, params: ParamFields) -> None:
        self.route = route
        self.params = params
        self.data = dependency_data(route.dependant)
        self.groups: list[tuple[str, list[ParamField]]] = [
            ("path", self.data.path),
            ("query", self.data.query),
            ("header", self.data.header),
            ("cookie", self.data.cookie),
        ]
        self.body_field = body_field(route, [params.field(p) for p in route.body_fields])
        self.response_field = _response_field(route)
        #: The item type of a generator handler's stream, when its annotation gives one.
        self.stream_item_field = _stream_item_field(route)
        self.response_fields = _additional_response_fields(route)
        #: The route's callbacks, each with its plan (None for one kept out of the schema).
        self.callbacks: list[tuple[Any, RoutePlan | None]] = [
            (callback, RoutePlan(callback, params) if callback.include_in_schema else None)
            for callback in route.callbacks
        ]

    def flat_params(self) -> list[SchemaField]:
        """The parameters, parameter models expanded into their fields."""
        return [
            field
            for _, group in self.groups
            for field in self.params.flat(self.params.field(p) for p in group)
        ]

    @property
    def has_input(self) -> bool:
        """Whether the route validates anything of the request (and so may answer 422)."""
        return bool(self.flat_params()) or self.body_field is not None

    def fields(self) -> tuple[list[SchemaField], list[SchemaField], list[SchemaField]]:
        """The route's schema fields: its body, its responses, its parameters."""
        bodies = [self.body_field] if self.body_field is not None else []
        responses = [self.response_field] if self.response_field is not None else []
        responses.extend(self.response_fields.values())
        if self.stream_item_field is not None:
            responses.append(self.stream_item_field)
        return bodies, responses, self.flat_params()

    @property
    def callback_plans(self) -> list[RoutePlan]:
        """The plans of the callbacks documented in full."""
        return [plan for _, plan in self.callbacks if plan is not None]


def _response_field(route: Any) -> SchemaField | None:
    if not route.response_model:
        return None
    return SchemaField(
        field_info=FieldInfo(annotation=route.response_model),
        name="Response_" + route.unique_id,
        mode="serialization",
    )


def _stream_item_field(route: Any) -> SchemaField | None:
    if route.stream_item_type is None:
        return None
    return SchemaField(
        field_info=FieldInfo(annotation=route.stream_item_type),
        name="StreamItem_" + route.unique_id,
        mode="serialization",
    )


def _additional_response_fields(route: Any) -> dict[int | str, SchemaField]:
    """The fields of the ``model`` of each of ``route.responses`` that has one, by status."""
    fields: dict[int | str, SchemaField] = {}
    for code, response in route.responses.items():
        model = response.get("model")
        if model:
            fields[code] = SchemaField(
                field_info=FieldInfo(annotation=model),
                name=f"Response_{code}_{route.unique_id}",
                mode="serialization",
            )
    return fields

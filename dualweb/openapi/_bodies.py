"""Request bodies: the one field that describes a route's body, and its request body object."""

from __future__ import annotations

import copy
from typing import Any, cast, get_args

from pydantic import BaseModel, ConfigDict
from pydantic import create_model as _create_model

from .. import params
from ._fields import SchemaField, add_examples
from ._forms import form_body_fields, form_models
from ._schemas import Schemas


def body_field(route: Any, body_params: list[SchemaField]) -> SchemaField | None:
    """The one field describing the request body (a ``Body_<unique_id>`` model if needed)."""
    if not body_params:
        return None
    first = body_params[0]
    nullable_form_model = any(
        form_models(f) and type(None) in get_args(f.field_info.annotation) for f in body_params
    )
    if not route.embed_body and not nullable_form_model:
        return first
    body_model = _body_model(route, body_params)
    if not route.embed_body:
        info = copy.copy(first.field_info)
        info.annotation = body_model
        info.metadata = []
        info.discriminator = None
        return SchemaField(field_info=info, name=first.name)
    return _embedded_body_field(body_model, body_params)


def _body_model(route: Any, body_params: list[SchemaField]) -> type[BaseModel]:
    fields = body_params
    config: ConfigDict | None = None
    if any(form_models(f) for f in body_params):
        fields, config = form_body_fields(body_params)
    body_model: type[BaseModel] = _create_model(
        "Body_" + route.unique_id,
        __config__=config,
        **cast(Any, {f.name: (f.field_info.annotation, f.field_info) for f in fields}),
    )
    return body_model


def _embedded_body_field(
    body_model: type[BaseModel], body_params: list[SchemaField]
) -> SchemaField:
    """The body as one ``body`` field of ``body_model``, marked as its parameters are."""
    kwargs: dict[str, Any] = {"annotation": body_model, "alias": "body"}
    if not any(f.field_info.is_required() for f in body_params):
        kwargs["default"] = None
    marker: type[params.Body]
    if any(isinstance(f.field_info, params.File) for f in body_params):
        marker = params.File
    elif any(isinstance(f.field_info, params.Form) for f in body_params):
        marker = params.Form
    else:
        marker = params.Body
    if marker is not params.File:
        media_types = [
            getattr(f.field_info, "media_type", None)
            for f in body_params
            if isinstance(f.field_info, marker)
        ]
        if marker is params.Form and "multipart/form-data" in media_types:
            kwargs["media_type"] = "multipart/form-data"
        elif len(set(media_types)) == 1:
            kwargs["media_type"] = media_types[0]
    return SchemaField(field_info=marker(**kwargs), name="body")


def request_body(field: SchemaField, schemas: Schemas) -> dict[str, Any]:
    """The request body object of ``field``, the body field of an operation."""
    info = field.field_info
    body: dict[str, Any] = {}
    if info.is_required():
        body["required"] = True
    content: dict[str, Any] = {"schema": schemas.schema(field)}
    add_examples(content, info)
    body["content"] = {getattr(info, "media_type", None) or "application/json": content}
    return body

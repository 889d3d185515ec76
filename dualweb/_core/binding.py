"""Raw request parts -> validated arguments, or the list of errors FastAPI would report.

Pure functions over plain values: no I/O, no framework.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from ..datastructures import FormData, Headers, QueryParams, UploadFile
from .bodies import Prevalidated
from .formmodels import (
    form_value,
    grouped_items,
    model_form_values,
    model_keys,
    model_supplied,
)
from .hostio import RequestParts
from .plan import Dependant, ParamField, Undefined, missing_error

__all__ = ["bind_arguments", "bind_body", "bind_form", "bind_params"]

Errors = list[dict[str, Any]]
_MULTI = (QueryParams, Headers)


def bind_arguments(
    dependant: Dependant,
    parts: RequestParts,
    body: Any,
    embed_body: bool,
    values: dict[str, Any],
    errors: Errors,
) -> None:
    """Bind a dependant's own parameters, in FastAPI's order: path, query, header, cookie, body."""
    if dependant.path_params:
        bind_params(dependant.path_params, parts.path_params, values, errors)
    if dependant.query_params:
        bind_params(dependant.query_params, parts.query_params, values, errors)
    if dependant.header_params:
        bind_params(dependant.header_params, parts.headers, values, errors)
    if dependant.cookie_params:
        bind_params(dependant.cookie_params, parts.cookies, values, errors)
    if dependant.body_params:
        bind_body(dependant.body_params, body, embed_body, values, errors)


def _get(field: ParamField, source: Mapping[str, Any], key: str) -> Any:
    if field.is_sequence and isinstance(source, _MULTI):
        value: Any = source.getlist(key)
    else:
        value = source.get(key)
    if value is None or (field.is_sequence and len(value) == 0):
        return Undefined
    return value


def bind_params(
    fields: list[ParamField], source: Mapping[str, Any], values: dict[str, Any], errors: Errors
) -> None:
    """Validate ``fields`` read from one place of the request into ``values``/``errors``."""
    for field in fields:
        if field.model is not None:
            value, field_errors = _bind_model(field, source)
        else:
            aliases = field.aliases
            if len(aliases) == 1:
                key = aliases[0]
            else:
                key = next((a for a in aliases if a in source), aliases[0])
            value, field_errors = field.validate(_get(field, source, key), (field.location, key))
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = value


def _bind_model(field: ParamField, source: Mapping[str, Any]) -> tuple[Any, Errors]:
    """A parameter model: one BaseModel filled from many query/header/cookie values."""
    model = field.model
    assert model is not None
    is_headers = isinstance(source, Headers)
    default_convert = bool(getattr(field.field_info, "convert_underscores", True))
    collected: dict[str, Any] = {}
    processed: set[str] = set()
    own_names: set[str] = set()
    header_aliases: dict[str, str] = {}
    for name, keys, sequence in model_keys(model, default_convert, is_headers):
        own_names.update(key.lower() if is_headers else key for _, key in keys)
        # The first key the request carries, else the preferred one (then reported missing).
        alias, request_key = next((pair for pair in keys if pair[1] in source), keys[0])
        if sequence and isinstance(source, _MULTI):
            value: Any = source.getlist(request_key)
        else:
            value = source.get(request_key)
        if not (value is None or (sequence and len(value) == 0)):
            collected[alias] = value
        if is_headers:
            processed.add(request_key.lower())
            # An unconverted field name is never accepted as an extra header either.
            processed.update(key.lower() for key, header in keys if key != header)
            if alias != request_key:
                header_aliases[name] = request_key
        else:
            processed.add(request_key)
    items = source.multi_items() if isinstance(source, _MULTI) else list(source.items())
    collected.update(grouped_items(items, processed))
    value_to_check: Any = collected
    inner = field.annotation
    if inner is not model and not (
        own_names.intersection(source)
        or (model.model_config.get("extra") in ("allow", "forbid") and collected)
    ):
        value_to_check = Undefined
    value, errors = field.validate(value_to_check, (field.location,))
    if header_aliases and model.model_config.get("loc_by_alias", True):
        # Name the header actually read; a model reporting by field name keeps its names.
        for error in errors:
            loc = error["loc"]
            if len(loc) > 1 and loc[1] in header_aliases:
                error["loc"] = (loc[0], header_aliases[loc[1]], *loc[2:])
    return value, errors


def bind_body(
    fields: list[ParamField], body: Any, embed: bool, values: dict[str, Any], errors: Errors
) -> None:
    """Validate the body parameters of one dependant."""
    if isinstance(body, Prevalidated):
        values[fields[0].name] = body.value
        return
    if isinstance(body, FormData):
        bind_form(fields, body, values, errors)
        return
    if len(fields) == 1 and not embed:
        field = fields[0]
        value, field_errors = field.validate(body, ("body",))
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = value
        return
    for field in fields:
        loc: tuple[str | int, ...] = ("body", field.aliases[0])
        value = Undefined
        if body is not Undefined and not isinstance(body, bytes):
            try:
                for alias in field.aliases:
                    value = body.get(alias, Undefined)
                    if value is not Undefined:
                        loc = ("body", alias)
                        break
            except AttributeError:
                errors.append(missing_error(loc))
                continue
        value, field_errors = field.validate(value, loc)
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = value


# --- forms -----------------------------------------------------------------------------


def _read_bytes(upload: UploadFile) -> bytes:
    # The upload may be shared with another parameter: leave its position as it was.
    position = upload.file.tell()
    try:
        return upload.file.read()
    finally:
        upload.file.seek(position)


def bind_form(
    fields: list[ParamField], form: FormData, values: dict[str, Any], errors: Errors
) -> None:
    """Validate the Form()/File() parameters of one dependant from the parsed form."""
    for field in fields:
        loc: tuple[str | int, ...]
        if field.form_models:
            value = _form_model_value(field, form)
            loc = ("body",)
        else:
            value, loc = Undefined, ("body", field.aliases[0])
            for alias in field.aliases:
                found = form_value(form, alias, field.is_sequence)
                if found is not Undefined:
                    value, loc = found, ("body", alias)
                    break
            if field.reads_bytes and isinstance(value, UploadFile):
                value = _read_bytes(value)
            elif field.reads_bytes_list and isinstance(value, list):
                value = [_read_bytes(v) if isinstance(v, UploadFile) else v for v in value]
        validated, field_errors = field.validate(value, loc)
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = validated


def _form_model_value(field: ParamField, form: FormData) -> Any:
    """What a form model (or a union of them) is validated from: the form's values as a
    dict, or ``Undefined`` for an optional one the form holds none of the fields of."""
    models = field.form_models
    if type(None) in typing.get_args(field.annotation) and not any(
        model_supplied(model, form) for model in models
    ):
        return Undefined
    if len(models) == 1:
        return model_form_values(models[0], form)
    # Each member of a union reads the form its own way (form_union_validators).
    return grouped_items(form.multi_items(), set())

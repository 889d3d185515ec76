"""Raw request parts -> validated arguments, or the list of errors FastAPI would report.

Pure functions over plain values: no I/O, no framework.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import AliasChoices, AliasPath, BaseModel

from ..datastructures import FormData, Headers, QueryParams, UploadFile
from .bodies import Prevalidated
from .hostio import RequestParts
from .plan import Dependant, ParamField, Undefined, missing_error
from .typeinfo import is_sequence_annotation, lenient_issubclass

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
    for name, keys, sequence in _model_keys(model, default_convert, is_headers):
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
    grouped: dict[str, list[Any]] = {}
    items = source.multi_items() if isinstance(source, _MULTI) else list(source.items())
    for key, item in items:
        if key not in processed:
            grouped.setdefault(key, []).append(item)
    for key, group in grouped.items():
        collected[key] = group[0] if len(group) == 1 else group
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


ModelKeys = tuple[tuple[str, tuple[tuple[str, str], ...], bool], ...]


@functools.cache
def _model_keys(model: type[BaseModel], default_convert: bool, headers: bool) -> ModelKeys:
    """Per model field: its name, the (model key, request key) pairs in order of preference,
    and whether it collects every repeated value. Built once per model and source kind."""
    plan = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else None
        alias = alias or info.alias or name
        convert = headers and bool(getattr(info, "convert_underscores", default_convert))
        keys = [(alias, alias.replace("_", "-") if convert and alias == name else alias)]
        choices = info.validation_alias
        sequence = is_sequence_annotation(info.annotation)
        if isinstance(choices, AliasPath) or (
            isinstance(choices, AliasChoices)
            and not all(isinstance(choice, str) for choice in choices.choices)
        ):
            plan.append((name, tuple(keys), sequence))
            continue
        if isinstance(choices, AliasChoices):
            # Choices are literal names, underscores included, even for headers.
            keys = [(choice, choice) for choice in typing.cast(list[str], choices.choices)]
        # The model's config lets a field be filled by its name too (never for nested models).
        nested = _is_nested(info.annotation)
        config: Mapping[str, Any] = {} if nested else model.model_config
        by_name = config.get("validate_by_name", config.get("populate_by_name", False))
        if config.get("validate_by_alias") is False or by_name:
            request_name = name.replace("_", "-") if convert else name
            if config.get("validate_by_alias") is False:
                keys = [(name, request_name)]
            elif name not in [key for key, _ in keys]:
                keys.append((name, request_name))
        plan.append((name, tuple(keys), sequence))
    return tuple(plan)


def _is_nested(annotation: Any) -> bool:
    return dataclasses.is_dataclass(annotation) or lenient_issubclass(annotation, (BaseModel, dict))


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


def _empty_upload(value: Any) -> bool:
    # What a browser sends for a file input left empty.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def _form_value(form: FormData, key: str, sequence: bool) -> Any:
    """A form value as FastAPI reads it: empty strings and empty file inputs are absent."""
    if sequence:
        items = [item for item in form.getlist(key) if not _empty_upload(item)]
        return items if items else Undefined
    value = form.get(key)
    if value is None or (isinstance(value, str) and value == "") or _empty_upload(value):
        return Undefined
    return value


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
        if field.model is not None:
            value = _form_model_value(field, form)
            loc = ("body",)
        else:
            value, loc = Undefined, ("body", field.aliases[0])
            for alias in field.aliases:
                found = _form_value(form, alias, field.is_sequence)
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
    """The dict a form model is validated from: its fields, then any other form keys."""
    model = field.model
    assert model is not None
    keys = _model_keys(model, False, False)
    if type(None) in typing.get_args(field.annotation):
        own = {key for _, pairs, _ in keys for key, _ in pairs}
        supplied = bool(own.intersection(form)) or (
            model.model_config.get("extra") in ("allow", "forbid") and len(form) > 0
        )
        if not supplied:
            return Undefined
    collected: dict[str, Any] = {}
    tried: set[str] = set()
    for _, pairs, sequence in keys:
        for alias, request_key in pairs:
            tried.add(request_key)
            found = _form_value(form, request_key, sequence)
            if found is not Undefined:
                collected[alias] = found
                break
    grouped: dict[str, list[Any]] = {}
    for key, item in form.multi_items():
        if key not in tried:
            grouped.setdefault(key, []).append(item)
    for key, group in grouped.items():
        collected[key] = group[0] if len(group) == 1 else group
    return collected

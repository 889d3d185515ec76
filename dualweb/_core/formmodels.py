"""Form values as FastAPI reads them, and form models filled from the whole form.

A form model is a BaseModel parameter declared with ``Form()`` whose fields are
the form's own fields; a union of models (``Cat | Dog``, discriminated or not) is
one too, each member reading the form its own way. What is read here is decided
per model once (``model_keys``); ``binding`` hands the values to validation.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AliasChoices, AliasPath, BaseModel, BeforeValidator, Tag
from pydantic_core import PydanticUndefined

from ..datastructures import FormData, UploadFile
from .typeinfo import is_sequence_annotation, lenient_issubclass

__all__ = [
    "ModelKeys",
    "empty_upload",
    "form_union_validators",
    "form_value",
    "grouped_items",
    "model_form_values",
    "model_keys",
    "model_supplied",
]

Undefined: Any = PydanticUndefined

ModelKeys = tuple[tuple[str, tuple[tuple[str, str], ...], bool], ...]


def empty_upload(value: Any) -> bool:
    """Whether ``value`` is what a browser sends for a file input left empty."""
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def form_value(form: FormData, key: str, sequence: bool) -> Any:
    """A form value as FastAPI reads it: empty strings and empty file inputs are absent."""
    if sequence:
        items = [item for item in form.getlist(key) if not empty_upload(item)]
        return items if items else Undefined
    value = form.get(key)
    if value is None or (isinstance(value, str) and value == "") or empty_upload(value):
        return Undefined
    return value


def grouped_items(items: Iterable[tuple[str, Any]], skip: set[str]) -> dict[str, Any]:
    """The items whose keys are not in ``skip``: a key's one value, or the list of them."""
    grouped: dict[str, list[Any]] = {}
    for key, item in items:
        if key not in skip:
            grouped.setdefault(key, []).append(item)
    return {key: group[0] if len(group) == 1 else group for key, group in grouped.items()}


@functools.cache
def model_keys(model: type[BaseModel], default_convert: bool, headers: bool) -> ModelKeys:
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


def model_supplied(model: type[BaseModel], form: FormData) -> bool:
    """Whether the form holds any of ``model``'s fields (any field at all, for a model
    that allows or forbids extra fields): an optional form model is None otherwise."""
    own = {key for _, pairs, _ in model_keys(model, False, False) for key, _ in pairs}
    return bool(own.intersection(form)) or (
        model.model_config.get("extra") in ("allow", "forbid") and len(form) > 0
    )


def model_form_values(model: type[BaseModel], form: FormData) -> dict[str, Any]:
    """The dict ``model`` is validated from: its fields, then any other form keys."""
    collected: dict[str, Any] = {}
    tried: set[str] = set()
    for _, pairs, sequence in model_keys(model, False, False):
        for alias, request_key in pairs:
            tried.add(request_key)
            found = form_value(form, request_key, sequence)
            if found is not Undefined:
                collected[alias] = found
                break
    collected.update(grouped_items(form.multi_items(), tried))
    return collected


def form_union_validators(annotation: Any) -> Any:
    """A union of form models, each member reading the form values its own way first.

    The form reaches validation as all its keys (a repeated one as a list); each member
    reads from them what it would read from the form itself, so that its lists, empty
    values and aliases are as for a lone form model. A member keeps its ``Tag``, or is
    tagged with its class name, which errors show in their ``loc`` (as FastAPI's do).
    """
    members: list[Any] = []
    for member in get_args(annotation):
        if member is type(None):
            members.append(member)
            continue
        model, *metadata = get_args(member) if get_origin(member) is Annotated else (member,)
        tag = next((m for m in reversed(metadata) if isinstance(m, Tag)), Tag(model.__name__))
        reader = BeforeValidator(functools.partial(_as_read_by, model=model))
        members.append(Annotated[member, reader, tag])
    return Union[tuple(members)]  # noqa: UP007


def _as_read_by(value: Any, *, model: type[BaseModel]) -> Any:
    # The form's values as ``model`` reads them; None and empty lists, which no form
    # holds, come from a validator before this one and are kept.
    if not isinstance(value, dict):
        return value
    form = FormData(
        [
            (key, item)
            for key, items in value.items()
            for item in (items if isinstance(items, list) else [items])
        ]
    )
    read = model_form_values(model, form)
    for key, item in value.items():
        if item is None or (isinstance(item, list) and not item):
            read[key] = item
    return read

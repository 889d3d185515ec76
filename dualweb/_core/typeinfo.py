"""What an annotation is: the questions analysis and the API document ask of types.

Pure functions over ``typing`` objects, shared so that the request side and the
document side of dualweb read an annotation the same way.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from ..datastructures import UploadFile

__all__ = [
    "annotated",
    "is_bytes_annotation",
    "is_bytes_sequence_annotation",
    "is_complex_annotation",
    "is_scalar_annotation",
    "is_scalar_sequence_annotation",
    "is_sequence_annotation",
    "is_union",
    "is_uploadfile_annotation",
    "is_uploadfile_sequence_annotation",
    "kept_by_validation",
    "lenient_issubclass",
    "optional_model",
    "union_models",
]

_SEQUENCE_TYPES: tuple[type[Any], ...] = (list, tuple, set, frozenset, deque, Sequence)


def lenient_issubclass(cls: Any, bases: type[Any] | tuple[type[Any], ...]) -> bool:
    try:
        return isinstance(cls, type) and issubclass(cls, bases)
    except TypeError:
        return False


def is_union(origin: Any) -> bool:
    return origin is Union or origin is types.UnionType


def is_sequence_annotation(annotation: Any) -> bool:
    """True for list/tuple/set-like annotations (and unions holding one), never str/bytes."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return is_sequence_annotation(get_args(annotation)[0])
    if is_union(origin):
        return any(is_sequence_annotation(arg) for arg in get_args(annotation))
    for candidate in (annotation, origin):
        if lenient_issubclass(candidate, (str, bytes)):
            return False
        if lenient_issubclass(candidate, _SEQUENCE_TYPES):
            return True
    return False


def _is_complex(annotation: Any) -> bool:
    return (
        lenient_issubclass(annotation, (BaseModel, Mapping))
        or _is_uploadfile(annotation)
        or (is_sequence_annotation(annotation) and get_origin(annotation) is None)
        or dataclasses.is_dataclass(annotation)
    )


def _optionally(cls: type[Any], annotation: Any) -> bool:
    """``cls``, or a union (``cls | None``) or ``Annotated`` holding it."""
    if lenient_issubclass(annotation, cls):
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _optionally(cls, get_args(annotation)[0])
    return is_union(origin) and any(lenient_issubclass(arg, cls) for arg in get_args(annotation))


def _sequence_of(cls: type[Any], annotation: Any) -> bool:
    """A sequence of ``cls`` (``list[cls]``), optionally in a union or ``Annotated``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _sequence_of(cls, get_args(annotation)[0])
    if is_union(origin):
        return any(_sequence_of(cls, arg) for arg in get_args(annotation))
    return is_sequence_annotation(annotation) and all(
        _optionally(cls, arg) for arg in get_args(annotation)
    )


def _is_uploadfile(annotation: Any) -> bool:
    return lenient_issubclass(annotation, UploadFile)


def is_uploadfile_annotation(annotation: Any) -> bool:
    """``UploadFile``, optionally in a union (``UploadFile | None``)."""
    return _optionally(UploadFile, annotation)


def is_uploadfile_sequence_annotation(annotation: Any) -> bool:
    """A sequence of ``UploadFile`` (``list[UploadFile]``, optionally in a union)."""
    return _sequence_of(UploadFile, annotation)


def is_bytes_annotation(annotation: Any) -> bool:
    """``bytes``, optionally in a union."""
    return _optionally(bytes, annotation)


def is_bytes_sequence_annotation(annotation: Any) -> bool:
    """A sequence of ``bytes`` (``list[bytes]``, optionally in a union)."""
    return _sequence_of(bytes, annotation)


def is_complex_annotation(annotation: Any) -> bool:
    """Models, mappings, sequences and dataclasses: what FastAPI reads from the body."""
    origin = get_origin(annotation)
    if is_union(origin):
        return any(is_complex_annotation(arg) for arg in get_args(annotation))
    if origin is Annotated:
        return is_complex_annotation(get_args(annotation)[0])
    return (
        _is_complex(annotation)
        or _is_complex(origin)
        or hasattr(origin, "__pydantic_core_schema__")
        or hasattr(origin, "__get_pydantic_core_schema__")
    )


def is_scalar_annotation(annotation: Any) -> bool:
    return annotation is Ellipsis or not is_complex_annotation(annotation)


def is_scalar_sequence_annotation(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return is_scalar_sequence_annotation(get_args(annotation)[0])
    if is_union(origin):
        found = False
        for arg in get_args(annotation):
            if is_scalar_sequence_annotation(arg):
                found = True
            elif not is_scalar_annotation(arg):
                return False
        return found
    return is_sequence_annotation(annotation) and all(
        is_scalar_annotation(arg) for arg in get_args(annotation)
    )


def optional_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel ``annotation`` is, or holds as ``Model | None`` (through ``Annotated``)."""
    if lenient_issubclass(annotation, BaseModel):
        return typing.cast(type[BaseModel], annotation)
    origin = get_origin(annotation)
    if origin is Annotated:
        return optional_model(get_args(annotation)[0])
    if is_union(origin):
        models = [arg for arg in get_args(annotation) if lenient_issubclass(arg, BaseModel)]
        others = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(models) == 1 and len(others) == 1:
            return typing.cast(type[BaseModel], models[0])
    return None


def union_models(annotation: Any) -> list[type[BaseModel]]:
    """The models of a union made of models alone (each maybe ``Annotated``) and None."""
    if not is_union(get_origin(annotation)):
        return []
    choices = [arg for arg in get_args(annotation) if arg is not type(None)]
    bases = [get_args(c)[0] if get_origin(c) is Annotated else c for c in choices]
    if bases and all(lenient_issubclass(base, BaseModel) for base in bases):
        return typing.cast(list[type[BaseModel]], bases)
    return []


def annotated(base: Any, metadata: Sequence[Any]) -> Any:
    """``Annotated[base, *metadata]`` for metadata known only at run time."""
    arguments = (base, *metadata)
    return Annotated[arguments]


def kept_by_validation(annotation: Any) -> type[Any] | None:
    """The type of value that validating against ``annotation`` can only give back (or
    refuse), or None: the model for a model (validation hands back its instances as they
    are, unless it asks to revalidate them), ``object`` for ``Any``, ``list`` for a list
    and ``dict`` for a dict of such items, each item ``Any`` or a str- or Any-keyed dict
    of such values.

    A value of that type that pydantic's serializer for ``annotation`` writes without a
    warning is written as its validated copy would be. Models count only outermost: the
    serializer writes what stands in a model's place (None, another object) without a
    warning. So do lists: in an item, validation would turn an iterable into a list where
    the serializer would have consumed it (a generator) before warning.
    """
    if annotation is Any:
        return object
    if _kept_model(annotation):
        return annotation  # type: ignore[no-any-return]
    if annotation is list or _listed(annotation):
        return list
    if _keyed(annotation):
        return dict
    return None


def _kept_model(annotation: Any) -> bool:
    return (
        lenient_issubclass(annotation, BaseModel)
        and annotation.model_config.get("revalidate_instances", "never") == "never"
    )


def _listed(annotation: Any) -> bool:
    args = get_args(annotation)
    return get_origin(annotation) is list and len(args) == 1 and _kept_item(args[0])


def _keyed(annotation: Any) -> bool:
    if annotation is dict:
        return True
    args = get_args(annotation)
    return (
        get_origin(annotation) is dict
        and len(args) == 2
        and args[0] in (str, Any)
        and _kept_item(args[1])
    )


def _kept_item(annotation: Any) -> bool:
    return annotation is Any or _keyed(annotation)

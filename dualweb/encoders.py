"""``jsonable_encoder``: turn any handler value into data that ``json.dumps`` accepts.

It follows FastAPI's rules so that a value returned without a response model
is sent as the same JSON on every host: models dump in JSON mode, dataclasses
become dicts, ``Decimal`` becomes an int or a float, ``timedelta`` its seconds.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from re import Pattern
from types import GeneratorType
from typing import Any
from uuid import UUID

from pydantic import AnyUrl, BaseModel, NameEmail, SecretBytes, SecretStr
from pydantic_core import PydanticSerializationError, PydanticUndefinedType, Url, to_json

from .datastructures import UploadFile

__all__ = ["json_bytes", "jsonable_encoder"]

IncEx = set[int] | set[str] | dict[int, Any] | dict[str, Any]


def _decimal(value: Decimal) -> int | float:
    # A Decimal without a fractional exponent round-trips as an int.
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


def _isoformat(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


_BY_TYPE: dict[type[Any], Callable[[Any], Any]] = {
    bytes: lambda value: value.decode(),
    datetime.date: _isoformat,
    datetime.datetime: _isoformat,
    datetime.time: _isoformat,
    datetime.timedelta: lambda value: value.total_seconds(),
    Decimal: _decimal,
    frozenset: list,
    set: list,
    deque: list,
    GeneratorType: list,
    UUID: str,
    Url: str,
    AnyUrl: str,
    NameEmail: str,
    SecretBytes: str,
    SecretStr: str,
    ipaddress.IPv4Address: str,
    ipaddress.IPv4Interface: str,
    ipaddress.IPv4Network: str,
    ipaddress.IPv6Address: str,
    ipaddress.IPv6Interface: str,
    ipaddress.IPv6Network: str,
}


#: The types of ``_BY_TYPE`` that no earlier check of the general path takes (the
#: containers among them are walked as lists there): encoded at once by ``_plain``.
_SCALARS = {
    kind: encode
    for kind, encode in _BY_TYPE.items()
    if kind not in (frozenset, set, deque, GeneratorType)
}


def _upload(value: UploadFile) -> dict[str, Any]:
    # An upload echoed in a 422 body: what FastAPI shows of it, without its internals.
    return {"filename": value.filename, "size": value.size, "headers": dict(value.headers)}


_BY_CLASS: tuple[tuple[type[Any], Callable[[Any], Any]], ...] = (
    *((cls, fn) for cls, fn in _BY_TYPE.items()),
    (Pattern, lambda value: value.pattern),
    (UploadFile, _upload),
)


#: Values the encoder returns as they are, by exact type (a subclass of one, an ``IntEnum``
#: say, takes the general path, which decides by FastAPI's order of checks).
_PLAIN = frozenset({str, int, float, bool, type(None)})
#: What ``_plain`` walks itself.
_FAST = _PLAIN | {dict, list, tuple}


def _plain(obj: Any, sqlalchemy_safe: bool, exclude_none: bool = False) -> Any:
    """What ``jsonable_encoder(obj, sqlalchemy_safe=..., exclude_none=...)`` gives (every
    other option at its default): exact dicts, lists, tuples and plain values are walked
    here, without the general path's questions; an enum gives its value; anything else goes
    to the general path.

    NOTE: the result is the general path's for these types: a dict's str keys are kept
    (but ``_sa...`` ones when ``sqlalchemy_safe``, and those of None values when
    ``exclude_none``), its other keys encoded; a list's items encoded in order.
    """
    kind = type(obj)
    if kind in _PLAIN:
        return obj
    if kind is dict:
        encoded: dict[Any, Any] = {}
        for key, value in obj.items():
            if value is None and exclude_none:
                continue
            if type(key) is str:
                if sqlalchemy_safe and key.startswith("_sa"):
                    continue
            else:
                key = _plain(key, sqlalchemy_safe, exclude_none)
            encoded[key] = (
                value if type(value) in _PLAIN else _plain(value, sqlalchemy_safe, exclude_none)
            )
        return encoded
    if kind is list or kind is tuple:
        return [
            item if type(item) in _PLAIN else _plain(item, sqlalchemy_safe, exclude_none)
            for item in obj
        ]
    encode = _SCALARS.get(kind)
    if encode is not None:
        return encode(obj)
    if isinstance(obj, Enum) and not dataclasses.is_dataclass(obj):
        return obj.value  # as the general path, whose earlier branches cannot take it
    return jsonable_encoder(obj, sqlalchemy_safe=sqlalchemy_safe, exclude_none=exclude_none)


def jsonable_encoder(
    obj: Any,
    include: IncEx | None = None,
    exclude: IncEx | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Convert ``obj`` to dicts, lists, strings, numbers, booleans and ``None``."""
    # NOTE: long because it is FastAPI's encoder, one branch per kind of value, in its order
    # (which decides the result where a value is several kinds at once).
    kind = type(obj)
    if not custom_encoder:
        if kind in _PLAIN:
            return obj  # whatever the options: no earlier branch below takes an exact one
        if (
            kind in _FAST
            and include is None
            and exclude is None
            and by_alias
            and not (exclude_unset or exclude_defaults)
        ):
            return _plain(obj, sqlalchemy_safe, exclude_none)
    if custom_encoder:
        if type(obj) in custom_encoder:
            return custom_encoder[type(obj)](obj)
        for cls, encode in custom_encoder.items():
            if isinstance(obj, cls):
                return encode(obj)
    if include is not None and not isinstance(include, (set, dict)):
        include = set(include)
    if exclude is not None and not isinstance(exclude, (set, dict)):
        exclude = set(exclude)
    if isinstance(obj, BaseModel):
        dumped = obj.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
        )
        return jsonable_encoder(
            dumped,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
            sqlalchemy_safe=sqlalchemy_safe,
        )
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(
            dataclasses.asdict(obj),
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            custom_encoder=custom_encoder,
            sqlalchemy_safe=sqlalchemy_safe,
        )
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    if isinstance(obj, PydanticUndefinedType):
        return None
    # The options the containers' items are encoded with (built only here: the branches
    # above return without them).
    options: dict[str, Any] = {
        "by_alias": by_alias,
        "exclude_unset": exclude_unset,
        "exclude_defaults": exclude_defaults,
        "exclude_none": exclude_none,
        "custom_encoder": custom_encoder,
        "sqlalchemy_safe": sqlalchemy_safe,
    }
    if isinstance(obj, dict):
        keys = set(obj)
        if include is not None:
            keys &= set(include)
        if exclude is not None:
            keys -= set(exclude)
        encoded: dict[Any, Any] = {}
        for key, value in obj.items():
            if key not in keys or (value is None and exclude_none):
                continue
            if sqlalchemy_safe and isinstance(key, str) and key.startswith("_sa"):
                continue
            encoded[jsonable_encoder(key, **options)] = jsonable_encoder(value, **options)
        return encoded
    if isinstance(obj, (list, set, frozenset, GeneratorType, tuple, deque)):
        return [jsonable_encoder(item, include=include, exclude=exclude, **options) for item in obj]
    encode_exact = _BY_TYPE.get(type(obj))
    if encode_exact is not None:
        return encode_exact(obj)
    for cls, encode in _BY_CLASS:
        if isinstance(obj, cls):
            return encode(obj)
    try:
        data = dict(obj)
    except Exception as dict_error:
        try:
            data = vars(obj)
        except Exception as vars_error:
            raise ValueError([dict_error, vars_error]) from vars_error
    return jsonable_encoder(data, include=include, exclude=exclude, **options)


#: Ints beyond this have more digits than Python turns into a string by default: ``json.dumps``
#: refuses them (a 500 on FastAPI), where pydantic-core would write them.
_HUGE = 10**4000


def _ready(obj: Any) -> bool:
    """Whether pydantic-core's ``to_json(obj)`` is the bytes FastAPI sends for ``obj``:
    ``json.dumps(jsonable_encoder(obj))``, compact, UTF-8, non-finite floats refused.

    True for exact dicts with str keys, lists, tuples, strs, bools, None, ints of fewer
    than 4,000 digits and floats that Python writes without an exponent (0, and from 1e-4
    to 1e16): the two libraries write those alike. pydantic-core writes other floats in
    its own way (``1e-7`` for ``1e-07``, and before 2.19 ``1e16`` for ``1e+16``) and NaN as
    null, and the other types by its own rules (a Decimal as a string, a timedelta in ISO
    8601): they take ``jsonable_encoder``'s path.
    """
    # NOTE: the items' checks are written out in both loops, not called: a call per value
    # would double the walk's time on a large list.
    kind = type(obj)
    if kind is dict:
        for key, value in obj.items():
            if type(key) is not str:
                return False
            kind = type(value)
            if kind is str or value is None or kind is bool:
                continue
            if kind is float:
                if not (1e-4 <= abs(value) < 1e16 or value == 0.0):  # NaN fails both
                    return False
            elif kind is int:
                if not -_HUGE < value < _HUGE:
                    return False
            elif not _ready(value):
                return False
        return True
    if kind is list or kind is tuple:
        for value in obj:
            kind = type(value)
            if kind is str or value is None or kind is bool:
                continue
            if kind is float:
                if not (1e-4 <= abs(value) < 1e16 or value == 0.0):
                    return False
            elif kind is int:
                if not -_HUGE < value < _HUGE:
                    return False
            elif not _ready(value):
                return False
        return True
    if kind is float:
        return bool(1e-4 <= abs(obj) < 1e16 or obj == 0.0)
    if kind is int:
        return bool(-_HUGE < obj < _HUGE)
    return kind is str or obj is None or kind is bool


_MODEL_DUMP = BaseModel.model_dump


def json_bytes(obj: Any) -> bytes | None:
    """The JSON body FastAPI sends for ``obj`` returned without a response model, written by
    pydantic-core at once, or None where only ``jsonable_encoder`` and ``json.dumps`` can
    tell what it is (the caller then takes that path, which also raises what FastAPI's does).
    """
    if isinstance(obj, BaseModel):
        # What jsonable_encoder does first with a model, its options at their defaults
        # (model_dump's own call of the serializer, made directly unless it is overridden).
        if type(obj).model_dump is _MODEL_DUMP:
            obj = obj.__pydantic_serializer__.to_python(obj, mode="json", by_alias=True)
        else:
            obj = obj.model_dump(mode="json", by_alias=True)
    try:
        if not _ready(obj):
            return None
        body = to_json(obj)
    except (RecursionError, PydanticSerializationError):
        return None  # nested too deep, or a str with a lone surrogate
    # A key starting with "_sa" is left out (jsonable_encoder's sqlalchemy_safe); in the
    # bytes, a string starting so is a quote then "_sa": rare, and then the slow path decides.
    if b'"_sa' in body:
        return None
    return body

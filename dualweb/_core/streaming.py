"""A generator handler's items -> the chunks of its stream, as FastAPI 0.165 sends them.

Each item is encoded on its own, as it is produced: validated against the
item type of the handler's return annotation and serialized by pydantic when
there is one (``ItemJson``), else encoded as FastAPI encodes an untyped item
(``item_json``: ``jsonable_encoder``, then ``json.dumps`` with its default
spacing, non-finite floats as null); ``streamed`` frames them, one chunk per
item (a JSON line, a server-sent event). The generator is closed when the
stream is (its ``finally`` runs when the client goes away, not when it is
collected).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..encoders import jsonable_encoder
from ..exceptions import ResponseValidationError
from ..responses import is_body_allowed_for_status_code

__all__ = [
    "ItemEncoder",
    "ItemJson",
    "dump_options",
    "item_encoder",
    "item_json",
    "streamed",
    "validated",
]

#: One stream item -> its JSON bytes.
ItemEncoder = Callable[[Any], bytes]


def _finite(value: Any) -> Any:
    # FastAPI sends NaN and the infinities as null, which JSON can carry.
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def item_json(value: Any) -> bytes:
    """An untyped stream item's JSON, as FastAPI encodes it."""
    # NOTE: json.dumps' default separators and ASCII escapes, as FastAPI's stream
    # items (not the compact JSON of its responses).
    return json.dumps(_finite(jsonable_encoder(value))).encode("utf-8")


def validated(adapter: TypeAdapter[Any], raw: Any) -> Any:
    """``raw`` validated against a response type; a ``ResponseValidationError`` if it fails."""
    # The core validator is called directly (TypeAdapter's method only forwards).
    try:
        return adapter.validator.validate_python(raw, from_attributes=True)
    except ValidationError as exc:
        errors = [
            {**err, "loc": ("response", *err["loc"])} for err in exc.errors(include_url=False)
        ]
        raise ResponseValidationError(errors, body=raw) from None


def dump_options(route: Any) -> dict[str, Any]:
    """The ``response_model_*`` options of ``route``, as pydantic's serializer takes them."""
    return {
        "include": route.response_model_include,
        "exclude": route.response_model_exclude,
        "by_alias": route.response_model_by_alias,
        "exclude_unset": route.response_model_exclude_unset,
        "exclude_defaults": route.response_model_exclude_defaults,
        "exclude_none": route.response_model_exclude_none,
    }


class ItemJson:
    """A typed stream item's JSON: validated, then compact bytes straight from pydantic."""

    __slots__ = ("adapter", "options")

    def __init__(self, adapter: TypeAdapter[Any], options: dict[str, Any]) -> None:
        self.adapter = adapter
        self.options = options

    def __call__(self, item: Any) -> bytes:
        return self.adapter.serializer.to_json(validated(self.adapter, item), **self.options)


def item_encoder(route: Any) -> ItemEncoder:
    """How ``route``'s stream items become JSON: by their declared type, else untyped."""
    adapter = route.stream_item_adapter
    return item_json if adapter is None else ItemJson(adapter, dump_options(route))


def streamed(
    items: Any, chunk: ItemEncoder, status: int | None = None
) -> Iterator[bytes] | AsyncIterator[bytes]:
    """The chunks of a generator's ``items`` (sync or async), one per item, as produced;
    under a ``status`` that carries no body, the generator runs, and nothing is sent."""
    if not is_body_allowed_for_status_code(status):
        # NOTE: FastAPI sends the items anyway, which servers then refuse or cut short.
        chunk = _nothing
    if hasattr(items, "__aiter__"):
        return _async_chunks(items, chunk)
    return _sync_chunks(items, chunk)


def _nothing(item: Any) -> bytes:
    return b""


def _sync_chunks(items: Iterator[Any], chunk: ItemEncoder) -> Iterator[bytes]:
    try:
        for item in items:
            data = chunk(item)
            if data:
                yield data
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


async def _async_chunks(items: AsyncIterator[Any], chunk: ItemEncoder) -> AsyncIterator[bytes]:
    try:
        async for item in items:
            data = chunk(item)
            if data:
                yield data
    finally:
        close = getattr(items, "aclose", None)
        if close is not None:
            await close()

"""The request body, read and decoded as its operation declared it, once per request.

An operation picks its ``BodyReader`` when it is declared: a ``JsonBody``, a
``FormBody``, or none when it declares no body. Reading goes through the host's I/O
(``RequestParts``); decoding is pure: JSON bytes become the value FastAPI
hands to validation, and a lone body model may be validated straight from the
bytes (``Prevalidated``).
"""

from __future__ import annotations

import email.message
import json
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from ..exceptions import HTTPException, RequestValidationError
from .forms import FormLimits
from .hostio import RequestParts
from .nesting import DEFAULT_MAX_JSON_DEPTH, PARSER_DEPTH, too_deep
from .plan import ParamField, Undefined

__all__ = [
    "BodyReader",
    "FormBody",
    "JsonBody",
    "Prevalidated",
    "body_reader_for",
    "decode_json_body",
    "error_body",
    "json_fast_path",
]


class BodyReader:
    """How an operation reads its body: the twins differ only in how the host reads."""

    __slots__ = ()

    def read_sync(self, parts: RequestParts) -> Any:
        """The decoded body (``Undefined`` when the request sent none)."""
        raise NotImplementedError

    async def read_async(self, parts: RequestParts) -> Any:
        """The decoded body (``Undefined`` when the request sent none)."""
        raise NotImplementedError


class JsonBody(BodyReader):
    """A JSON body; ``fast`` is the lone body model validated straight from the bytes.

    ``missing_type`` is the content type a body sent without one is read as: None
    (FastAPI's ``strict_content_type=True``: not JSON), or JSON's. ``max_depth`` is
    how deeply its arrays and objects may nest.
    """

    __slots__ = ("fast", "max_depth", "missing_type")

    def __init__(
        self,
        fast: ParamField | None,
        strict_content_type: bool = True,
        max_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        self.fast = fast
        self.missing_type = None if strict_content_type else "application/json"
        self.max_depth = max_depth

    def read_sync(self, parts: RequestParts) -> Any:
        content_type = parts.header("content-type") or self.missing_type
        return decode_json_body(parts.body_sync(), content_type, self.fast, self.max_depth)

    async def read_async(self, parts: RequestParts) -> Any:
        body = await parts.body_async()
        content_type = parts.header("content-type") or self.missing_type
        return decode_json_body(body, content_type, self.fast, self.max_depth)


class FormBody(BodyReader):
    """A urlencoded or multipart form, decoded by the core within ``limits``."""

    __slots__ = ("limits",)

    def __init__(self, limits: FormLimits | None) -> None:
        self.limits = limits

    def read_sync(self, parts: RequestParts) -> Any:
        return parts.form_sync(self.limits)

    async def read_async(self, parts: RequestParts) -> Any:
        return await parts.form_async(self.limits)


def decode_json_body(
    body: bytes,
    content_type: str | None,
    fast: ParamField | None = None,
    max_depth: int = DEFAULT_MAX_JSON_DEPTH,
) -> Any:
    """The request body as FastAPI hands it to validation.

    JSON when the content type says JSON (``application/json`` or ``+json``),
    else the raw bytes, which then fail validation with a clear 422; an empty
    body is ``Undefined`` (so a required body is reported missing). JSON that
    nests deeper than ``max_depth`` is a 422 ``json_invalid``, before it is parsed.
    """
    if not body:
        return Undefined
    if not content_type:
        return body
    if content_type != "application/json":  # the usual spelling skips the parsing below
        message = email.message.Message()
        message["content-type"] = content_type
        if message.get_content_maintype() != "application":
            return body
        subtype = message.get_content_subtype()
        if subtype != "json" and not subtype.endswith("+json"):
            return body
    # pydantic's parser refuses what nests deeper than it takes (PARSER_DEPTH): a lower
    # limit is measured first; the default, only on the way to the standard library's.
    early = max_depth < PARSER_DEPTH
    if early:
        _refuse_deeper(body, max_depth)
    if fast is not None and content_type == "application/json":
        # The lone body model, validated straight from the bytes (see json_fast_path).
        try:
            return Prevalidated(fast.adapter.validator.validate_json(body), body)
        except ValidationError:
            pass  # the exact path below reports the errors as FastAPI does
    try:
        # pydantic's parser is the fast path; whatever it refuses goes to the
        # standard library's, whose result or error FastAPI reports exactly.
        return from_json(body)
    except ValueError:
        pass
    if not early:
        _refuse_deeper(body, max_depth)
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise RequestValidationError([_json_invalid(exc.pos, exc.msg)], body=exc.doc) from exc
    except (ValueError, RecursionError) as exc:
        # Invalid UTF-8, an over-long integer, nesting too deep for the parser.
        raise HTTPException(400, "There was an error parsing the body") from exc


def _refuse_deeper(body: bytes, max_depth: int) -> None:
    deep = too_deep(body, max_depth)
    if deep is not None:
        # NOTE: RFC 8259 lets a parser limit nesting; a body beyond ours is JSON this
        # parser does not take, so it is answered as FastAPI answers JSON it cannot parse.
        error = f"Nesting deeper than {max_depth} levels of arrays and objects"
        raise RequestValidationError(
            [_json_invalid(deep, error)], body=body.decode("utf-8", "replace")
        )


def _json_invalid(position: int, error: str) -> dict[str, Any]:
    # FastAPI's error for a body its JSON parser refuses.
    return {
        "type": "json_invalid",
        "loc": ("body", position),
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": error},
    }


class Prevalidated:
    """A JSON body already validated straight from its bytes (see ``json_fast_path``)."""

    __slots__ = ("raw", "value")

    def __init__(self, value: Any, raw: bytes) -> None:
        self.value = value
        self.raw = raw

    def parsed(self) -> Any:
        """The body as parsed JSON, for error reports."""
        return from_json(self.raw)


def json_fast_path(field: ParamField) -> bool:
    """Whether ``field`` may be validated straight from JSON bytes.

    Pydantic's JSON mode accepts the same values as its Python mode after
    parsing, except where a schema is strict (JSON mode then takes strings for
    dates, UUIDs...) or holds decimals (JSON mode keeps digits a float loses);
    such fields keep the exact two-step path. Failures always take it too, so
    errors are reported exactly as FastAPI reports them.
    """
    schema = repr(field.adapter.core_schema)
    return "'strict': True" not in schema and "'decimal'" not in schema


def error_body(body: Any) -> Any:
    """The body as a validation error reports it (``None`` when there was none)."""
    if body is Undefined:
        return None
    if isinstance(body, Prevalidated):
        return body.parsed()
    return body


def body_reader_for(
    fields: list[ParamField],
    embed: bool,
    limits: FormLimits | None,
    strict_content_type: bool = True,
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
) -> BodyReader | None:
    """The reader of an operation whose body parameters (every dependency's) are ``fields``;
    None for an operation without one."""
    if not fields:
        return None
    if any(field.is_form for field in fields):
        return FormBody(limits)
    lone = len(fields) == 1 and not embed and json_fast_path(fields[0])
    return JsonBody(fields[0] if lone else None, strict_content_type, max_json_depth)

"""A handler's return value -> the response to send, the way its operation declared.

Each operation picks one ``Responder`` when it is declared: its return value
validated against a response model and sent as JSON bytes straight from
pydantic (``JsonModel``), validated and handed to another response class
(``ModelInClass``), or encoded as FastAPI's ``jsonable_encoder`` encodes it
(``Encoded``); a generator handler's items are streamed as JSON Lines
(``JsonLines``), server-sent events (``EventStream``) or raw chunks of its
response class (``RawStream``). A ``Response`` the handler returns itself is sent as it is
(Starlette's and FastAPI's too, converted).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError

from ..background import BackgroundTasks
from ..encoders import json_bytes, jsonable_encoder
from ..responses import (
    JSONResponse,
    Response,
    StreamingResponse,
    is_body_allowed_for_status_code,
    json_bytes_response,
)
from ..sse import EventSourceResponse, ServerSentEvent, encode_item, format_sse_event
from .foreign import converted_response, is_their_response
from .hostio import RequestParts
from .route import Default, Route
from .streaming import dump_options, item_encoder, streamed, validated
from .typeinfo import kept_by_validation, lenient_issubclass

__all__ = [
    "JSON_LINES",
    "EventStream",
    "JsonLines",
    "RawStream",
    "Responder",
    "responder_for",
]


class Responder:
    """Makes the response for a return value; ``sub`` is the ``response: Response``
    parameter's object, when the handler or a dependency asked for one."""

    __slots__ = ("direct_status", "response_class", "status")

    def __init__(self, route: Route) -> None:
        response_class = route.response_class
        self.response_class: type[Response] = (
            response_class.value if isinstance(response_class, Default) else response_class
        )
        #: The operation's declared status, or None where the response class decides.
        self.status = route.status_code
        #: Set by a responder whose rendered response needs nothing more (JSON bytes with a
        #: body allowed): its status, for the short way out of ``respond``.
        self.direct_status: int | None = None

    def respond(
        self,
        raw: Any,
        parts: RequestParts,
        background: BackgroundTasks | None,
        sub: Response | None,
    ) -> Response:
        """The response to send for ``raw``, the handler's return value."""
        # The common case: plain content, no sub-response, a response needing nothing more.
        status = self.direct_status
        if (
            status is not None
            and sub is None
            and not isinstance(raw, Response)
            and not is_their_response(raw)
        ):
            return self.render(raw, status, background)
        if isinstance(raw, Response):
            return _returned(raw, parts, background)
        theirs = converted_response(raw)  # a Starlette (FastAPI) response, left over
        if theirs is not None:
            return _returned(theirs, parts, background)
        status = self.status
        if sub is not None and sub.status_code:
            status = sub.status_code
        response = self.render(raw, status, background)
        if not is_body_allowed_for_status_code(response.status_code):
            _drop_body(response)
        if sub is not None:
            response.raw_headers.extend(sub.raw_headers)
        return _prepared(response, parts)

    def render(self, raw: Any, status: int | None, background: BackgroundTasks | None) -> Response:
        """The response holding ``raw`` (subclasses say how it is encoded)."""
        return self.instantiate(jsonable_encoder(raw), status, background)

    def instantiate(
        self, content: Any, status: int | None, background: BackgroundTasks | None
    ) -> Response:
        # As FastAPI: the status is passed only when set, so a class keeps its own default.
        if status:
            return self.response_class(content, status_code=status, background=background)
        return self.response_class(content, background=background)


#: No response model: the value is encoded as FastAPI's jsonable_encoder encodes it.
Encoded = Responder


class EncodedJson(Responder):
    """No response model, sent as JSON: pydantic-core writes the value's bytes at once
    where they are FastAPI's (``json_bytes``); else as ``Encoded``."""

    __slots__ = ()

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        status = self.status or 200
        if is_body_allowed_for_status_code(status):
            self.direct_status = status

    def render(self, raw: Any, status: int | None, background: BackgroundTasks | None) -> Response:
        body = json_bytes(raw)
        if body is None:
            return super().render(raw, status, background)
        return json_bytes_response(body, status or 200, background)


class _Validating(Responder):
    """A response model: the value is validated against it before it is sent."""

    __slots__ = ("adapter", "dump_options")

    def __init__(self, route: Route, adapter: TypeAdapter[Any]) -> None:
        super().__init__(route)
        self.adapter = adapter
        self.dump_options: dict[str, Any] = dump_options(route)

    def validated(self, raw: Any) -> Any:
        return validated(self.adapter, raw)


class ModelInClass(_Validating):
    """A response model sent through a response class of the operation's own."""

    __slots__ = ()

    def render(self, raw: Any, status: int | None, background: BackgroundTasks | None) -> Response:
        value = self.validated(raw)
        content = self.adapter.serializer.to_python(value, mode="json", **self.dump_options)
        return self.instantiate(content, status, background)


class JsonModel(_Validating):
    """A response model sent as JSON: validated, then bytes straight from pydantic."""

    __slots__ = ("checked", "json_options", "kept")

    def __init__(self, route: Route, adapter: TypeAdapter[Any]) -> None:
        super().__init__(route, adapter)
        #: The type of return value that validation can only give back (``Any``, the
        #: model, ``list[dict[str, Any]]``...), or None: such a value is written, not
        #: validated; ``checked``: a list or dict, whose parts the serializer checks.
        self.kept = kept_by_validation(route.response_model)
        self.checked = self.kept is list or self.kept is dict
        # Only the options pydantic does not already default to: fewer keywords per call.
        self.json_options = {
            name: value
            for name, value in self.dump_options.items()
            if name == "by_alias" or value not in (None, False)
        }
        # NOTE: a route cannot declare a response model with a status that carries no
        # body (routing refuses it), so without a sub-response there is nothing to drop.
        self.status = self.direct_status = self.status or 200

    def render(self, raw: Any, status: int | None, background: BackgroundTasks | None) -> Response:
        serializer = self.adapter.serializer
        kept = self.kept
        if kept is not None and isinstance(raw, kept):
            if not self.checked:  # Any, or the model's instance: validation gives it back
                body = serializer.to_json(raw, **self.json_options)
                return json_bytes_response(body, status or 200, background)
            if len(raw) >= _CHECKED_FROM:
                # Written as it is, unless the serializer finds a part not of the declared
                # type (a tuple for a list, an int key for a str): validation then decides.
                try:
                    body = serializer.to_json(raw, warnings="error", **self.json_options)
                except PydanticSerializationError:
                    pass
                else:
                    return json_bytes_response(body, status or 200, background)
        body = serializer.to_json(self.validated(raw), **self.json_options)
        return json_bytes_response(body, status or 200, background)


#: The length from which a list or dict of a type validation cannot change is written
#: without validating it. NOTE: asking pydantic's serializer to raise at a warning costs
#: about 1.5 µs a call (pydantic-core 2.41), more than validating a short container.
_CHECKED_FROM = 32


class JsonLines(Responder):
    """A generator handler's items, each sent as one JSON line as it is produced."""

    __slots__ = ("encode",)

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.encode = item_encoder(route)

    def line(self, item: Any) -> bytes:
        return self.encode(item) + b"\n"

    def render(self, raw: Any, status: int | None, background: BackgroundTasks | None) -> Response:
        content = streamed(raw, self.line, status)
        if status:
            return StreamingResponse(
                content, status_code=status, media_type=JSON_LINES, background=background
            )
        return StreamingResponse(content, media_type=JSON_LINES, background=background)


#: The media type of a generator handler's stream by default, as FastAPI's.
JSON_LINES = "application/jsonl"


class EventStream(JsonLines):
    """A generator handler's items as server-sent events (``response_class=EventSourceResponse``).

    An item is sent as the data of one event, as JSON (validated against the item
    type, if declared); a ``ServerSentEvent`` is sent as it is, its data unvalidated,
    as FastAPI sends them. The stream gets keep-alive comments, and FastAPI's
    headers against caching and proxy buffering.
    """

    __slots__ = ()

    def event(self, item: Any) -> bytes:
        if isinstance(item, ServerSentEvent):
            return encode_item(item)
        return format_sse_event(data_str=self.encode(item).decode("utf-8"))

    def render(self, raw: Any, status: int | None, background: BackgroundTasks | None) -> Response:
        response = self.instantiate(streamed(raw, self.event, status), status, background)
        response.raw_headers.extend(_EVENT_STREAM_HEADERS)
        return response


_EVENT_STREAM_HEADERS = [("cache-control", "no-cache"), ("x-accel-buffering", "no")]


class RawStream(Responder):
    """A generator handler's items handed as they are to its response class (raw chunks)."""

    __slots__ = ()

    def render(self, raw: Any, status: int | None, background: BackgroundTasks | None) -> Response:
        return self.instantiate(raw, status, background)


def responder_for(route: Route) -> Responder:
    """The responder an operation uses, decided from its declaration."""
    if route.is_stream:
        response_class = route.response_class
        if isinstance(response_class, Default):
            return JsonLines(route)
        if lenient_issubclass(response_class, EventSourceResponse):
            return EventStream(route)
        return RawStream(route)
    adapter = route.response_adapter
    if adapter is None:
        encoded = Encoded(route)
        if encoded.response_class is JSONResponse:
            return EncodedJson(route)
        return encoded
    if isinstance(route.response_class, Default):
        return JsonModel(route, adapter)
    return ModelInClass(route, adapter)


def _returned(
    response: Response, parts: RequestParts, background: BackgroundTasks | None
) -> Response:
    # A response the handler made itself: sent as it is, with the request's tasks.
    if response.background is None:
        response.background = background
    return _prepared(response, parts)


def _prepared(response: Response, parts: RequestParts) -> Response:
    if type(response).prepare is not Response.prepare:
        # Only some responses look at the request (FileResponse: HEAD, Range).
        return response.prepare(parts.method, parts.headers)
    return response


def _drop_body(response: Response) -> None:
    # 1xx, 204, 205 and 304 carry no body; a Content-Length already set says 0.
    response.body = b""
    response.raw_headers = [
        (name, "0") if name == "content-length" else (name, value)
        for name, value in response.raw_headers
    ]

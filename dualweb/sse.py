"""Server-sent events: FastAPI 0.165's ``fastapi.sse`` vocabulary, on every host.

``EventSourceResponse`` streams a ``text/event-stream``. Its items are sent as
FastAPI sends them: a ``ServerSentEvent`` in the event-stream format, ``str``
and ``bytes`` as they are (already formatted), anything else (a dict, a model,
a list...) as one event whose ``data`` is its JSON. An idle stream gets a
keep-alive comment every 15 seconds on an ASGI host, and on a WSGI host when
the content is an async iterator.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncIterable,
    Callable,
    Coroutine,
    Iterator,
)
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, model_validator

from ._core.chunks import AsyncChunks, chunks_async, chunks_sync
from ._core.concurrency import CallSync, call_inline
from ._core.streaming import item_json
from .responses import StreamingResponse

__all__ = ["EventSourceResponse", "ServerSentEvent", "format_sse_event"]

#: The comment sent on an idle stream, as FastAPI sends it.
KEEPALIVE_COMMENT = b": ping\n\n"

#: Seconds of silence before a keep-alive comment (FastAPI's interval);
#: read when a stream starts, so tests may change it.
_PING_INTERVAL: float = 15.0


def _single_line(name: str, value: str | None) -> str | None:
    if value is not None and ("\n" in value or "\r" in value):
        raise ValueError(f"SSE '{name}' must be a single line")
    return value


def _valid_event(value: str | None) -> str | None:
    return _single_line("event", value)


def _valid_id(value: str | None) -> str | None:
    # NOTE: the null check comes first, as FastAPI's, so an id with both
    # faults gets FastAPI's message.
    if value is not None and "\0" in value:
        raise ValueError("SSE 'id' must not contain null characters")
    return _single_line("id", value)


class ServerSentEvent(BaseModel):
    """One server-sent event: its data (sent as JSON) or raw data, and its fields.

    ``data`` is always sent as JSON (a string gets quotes); ``raw_data`` is sent
    as it is. ``event`` and ``id`` must be single lines, ``retry`` (milliseconds)
    is not negative, and ``comment`` lines start with ``:``.
    """

    data: Any = None
    raw_data: str | None = None
    event: Annotated[str | None, AfterValidator(_valid_event)] = None
    id: Annotated[str | None, AfterValidator(_valid_id)] = None
    retry: Annotated[int | None, Field(ge=0)] = None
    comment: str | None = None

    @model_validator(mode="after")
    def _data_or_raw_data(self) -> ServerSentEvent:
        if self.data is not None and self.raw_data is not None:
            raise ValueError(
                "Cannot set both 'data' and 'raw_data' on the same ServerSentEvent. "
                "Use 'data' for JSON-serialized payloads or 'raw_data' for pre-formatted strings."
            )
        return self


def _lines(value: str) -> list[str]:
    # The event-stream format ends a line at \r\n, \n or \r; a trailing
    # terminator leaves an empty last line, which is kept.
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """One event in the event-stream format, from data already serialized.

    The fields come in FastAPI's order (comment, event, data, id, retry), and
    the event ends with a blank line.
    """
    out = [": " + line for line in _lines(comment)] if comment is not None else []
    if event is not None:
        out.append("event: " + event)
    if data_str is not None:
        out.extend("data: " + line for line in _lines(data_str))
    if id is not None:
        out.append("id: " + id)
    if retry is not None:
        out.append(f"retry: {retry}")
    out.append("\n")
    return "\n".join(out).encode("utf-8")


def encode_item(item: Any) -> bytes:
    """The event bytes for one stream item that is not already text or bytes."""
    if not isinstance(item, ServerSentEvent):
        return format_sse_event(data_str=item_json(item).decode("utf-8"))
    if item.raw_data is not None:
        data: str | None = item.raw_data
    elif item.data is None:
        data = None
    elif isinstance(item.data, BaseModel):
        data = item.data.model_dump_json()  # compact, as FastAPI sends a model here
    else:
        data = item_json(item.data).decode("utf-8")
    return format_sse_event(
        data_str=data, event=item.event, id=item.id, retry=item.retry, comment=item.comment
    )


def _ends_event(tail: bytes) -> bool:
    # A keep-alive comment between two chunks of one event would end it early.
    return tail.endswith((b"\n\n", b"\r\r", b"\r\n\r\n"))


class _KeepAlive:
    """``source``'s chunks, with a keep-alive comment after each idle interval between events.

    One task pulls the source (so the content runs in one task, as FastAPI's
    producer does, and a timeout never cancels it); ``__anext__`` waits for its
    chunks without cancelling the wait, and answers a comment when it runs long.
    ``aclose`` stops the task, then closes the source.
    """

    __slots__ = ("_ended", "_getter", "_producer", "_queue", "_source", "_tail")

    def __init__(self, source: AsyncChunks) -> None:
        self._source = source
        self._queue: asyncio.Queue[tuple[bytes | None, Exception | None]] = asyncio.Queue(1)
        self._producer: asyncio.Task[None] | None = None
        self._getter: asyncio.Task[tuple[bytes | None, Exception | None]] | None = None
        self._tail = b"\n\n"  # the stream's last bytes: an event ends at a blank line
        self._ended = False

    async def _produce(self) -> None:
        try:
            async for chunk in self._source:
                await self._queue.put((chunk, None))
        except Exception as exc:  # handed to the consumer, which raises it for the host
            await self._queue.put((None, exc))
        else:
            await self._queue.put((None, None))

    def __aiter__(self) -> _KeepAlive:
        return self

    async def __anext__(self) -> bytes:
        if self._ended:
            raise StopAsyncIteration
        loop = asyncio.get_running_loop()
        if self._producer is None:
            self._producer = loop.create_task(self._produce())
        while True:
            if self._getter is None:
                self._getter = loop.create_task(self._queue.get())
            done, _ = await asyncio.wait((self._getter,), timeout=_PING_INTERVAL)
            if done:
                break
            if _ends_event(self._tail):
                return KEEPALIVE_COMMENT
        chunk, error = self._getter.result()
        self._getter = None
        if error is not None or chunk is None:
            self._ended = True
            if error is not None:
                raise error
            raise StopAsyncIteration
        self._tail = (self._tail + chunk[-4:])[-4:]
        return chunk

    async def aclose(self) -> None:
        for task in (self._getter, self._producer):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait((task,))
        await self._source.aclose()


class EventSourceResponse(StreamingResponse):
    """A stream of server-sent events (``text/event-stream``), as FastAPI's.

    Items may be ``ServerSentEvent``s, text or bytes already in the format, or
    any JSON-encodable value, sent as one event's data.
    """

    media_type = "text/event-stream"

    def _encode(self, chunk: Any) -> bytes:
        if isinstance(chunk, (bytes, memoryview)):
            return bytes(chunk)
        if isinstance(chunk, str):
            return chunk.encode(self.charset)
        return encode_item(chunk)

    def open_async(self, to_thread: CallSync) -> AsyncChunks:
        """The events, for an ASGI server, with keep-alive comments when idle."""
        return _KeepAlive(super().open_async(to_thread))

    def open_sync(self, block_on: Callable[[Coroutine[Any, Any, Any]], Any]) -> Iterator[bytes]:
        """The events, for a WSGI server.

        Async content gets keep-alive comments (its task and this stream's run on
        the loop of ``block_on``); sync content is stepped on the server's thread,
        as a WSGI server pulls it, so an idle sync generator gets none.
        """
        if not isinstance(self.body_iterator, AsyncIterable):
            return super().open_sync(block_on)
        events = chunks_async(self.body_iterator, self._encode, call_inline)
        return chunks_sync(_KeepAlive(events), bytes, block_on, self._failed)

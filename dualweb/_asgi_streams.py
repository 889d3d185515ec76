"""A streamed body sent over ASGI, with the client's going away watched for.

The chunks go out as the content produces them. Meanwhile the request's
``receive`` is watched: when the server says the client went away
(``http.disconnect``), or a send fails (an ASGI 2.4 server's ``OSError``), the
stream stops at once, even while the content waits for its next chunk. Then,
whatever ended it, the content is closed once, shielded from cancellation, so
that a generator's ``finally`` has run before the request's ``yield``
dependencies are torn down.
"""

from __future__ import annotations

import contextlib

import anyio
from starlette.types import Message, Receive, Send

from ._core.chunks import AsyncChunks
from ._core.concurrency import CallSync
from .responses import Response, StreamingResponse

__all__ = ["response_start", "send_streamed"]


async def send_streamed(
    response: StreamingResponse, receive: Receive, send: Send, to_thread: CallSync
) -> Exception | None:
    """Send ``response``'s head and chunks; the exception its content raised once the
    response had started, if it did (the stream is cut short: the caller re-raises it
    for the server to log and close the connection, so the client sees it end early)."""
    chunks = response.iter_async(to_thread)
    failure = None  # (left as it is when the client leaves)
    try:
        async with anyio.create_task_group() as streaming:
            streaming.start_soon(_cancel_when_gone, receive, streaming.cancel_scope)
            failure = await _stream(response, chunks, send)
            streaming.cancel_scope.cancel()  # done: stop watching
    except BaseException:
        # Cancelled from outside (the server is stopping): close all the same.
        with anyio.CancelScope(shield=True):
            await chunks.aclose()
        raise
    await chunks.aclose()  # ended, failed, or left (the task group absorbed that)
    return failure


def response_start(response: Response) -> Message:
    """The ASGI message that starts ``response``: its status and headers."""
    return {
        "type": "http.response.start",
        "status": response.status_code,
        "headers": [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in response.raw_headers
        ],
    }


async def _stream(response: StreamingResponse, chunks: AsyncChunks, send: Send) -> Exception | None:
    head = response_start(response)
    chunk = response.first_chunk  # pulled before the response started, if it was
    try:
        await send(head)
        if chunk is not None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except OSError:  # an ASGI 2.4 server says so once the client has gone
        return None
    while True:
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            break
        except Exception as exc:
            return exc
        try:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except OSError:
            return None
    with contextlib.suppress(OSError):
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    return None


async def _cancel_when_gone(receive: Receive, scope: anyio.CancelScope) -> None:
    # Async content is interrupted where it waits; a step running in a worker thread
    # cannot be: its wait ends with the step (``ThreadHop`` shields it), then the stream.
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return

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

import anyio
from starlette.types import Message, Receive, Send

from ._core.concurrency import CallSync
from .responses import StreamingResponse

__all__ = ["send_streamed"]


async def send_streamed(
    response: StreamingResponse, receive: Receive, send: Send, to_thread: CallSync
) -> Exception | None:
    """Send ``response``'s head and chunks; the exception its content raised once the
    response had started, if it did (the stream is cut short: the caller re-raises it
    for the server to log and close the connection, so the client sees it end early)."""
    chunks = response.iter_async(to_thread)
    failure: Exception | None = None
    try:
        async with anyio.create_task_group() as streaming:
            streaming.start_soon(_cancel_when_gone, receive, streaming.cancel_scope)
            head: Message = {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in response.raw_headers
                ],
            }
            try:
                if await _sent(send, head):
                    async for chunk in chunks:
                        if not await _sent(send, _body(chunk, True)):
                            break
                    else:
                        await _sent(send, _body(b"", False))
            except Exception as exc:
                failure = exc
            streaming.cancel_scope.cancel()  # done: stop watching
    finally:
        with anyio.CancelScope(shield=True):
            await chunks.aclose()
    return failure


async def _cancel_when_gone(receive: Receive, scope: anyio.CancelScope) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return


def _body(chunk: bytes, more: bool) -> Message:
    return {"type": "http.response.body", "body": chunk, "more_body": more}


async def _sent(send: Send, message: Message) -> bool:
    # Whether it went: an ASGI 2.4 server raises OSError once the client has gone.
    try:
        await send(message)
    except OSError:
        return False
    return True

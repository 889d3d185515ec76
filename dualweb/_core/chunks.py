"""A streamed body's content, pulled by a host chunk by chunk, and closed once.

A host pulls the chunks as its server sends them, and closes the content when
the stream ends, fails, or the client goes away, so that a generator's
``finally`` runs then, not when it is collected, and before the request's
``yield`` dependencies are torn down.

- ``chunks_sync``: for a WSGI server, on its thread (async content is stepped
  through ``block_on``). The server closes it when it is done with the body.
- ``chunks_async``: for an ASGI server, an async iterator whose ``aclose`` the host
  awaits once, shielded from the cancellation a disconnect brings. Async content
  is stepped in the host's task; sync content in worker threads, one call per
  step, and closed in a worker thread once a step the client left has finished
  (a running generator cannot be closed).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable, Iterator
from typing import Any, Protocol

from .concurrency import CallSync

__all__ = ["AsyncChunks", "chunks_async", "chunks_sync", "first_of", "primed_sync"]

#: One item of a stream's content -> its bytes.
Encode = Callable[[Any], bytes]
#: How a WSGI thread runs a coroutine to its end.
BlockOn = Callable[[Coroutine[Any, Any, Any]], Any]
#: Told of the exception that ends a stream early.
Failed = Callable[[BaseException], None]


class AsyncChunks(Protocol):
    """A stream's chunks for an ASGI host: iterate, then ``aclose`` once, whatever happened."""

    def __aiter__(self) -> AsyncChunks: ...

    async def __anext__(self) -> bytes: ...

    async def aclose(self) -> None: ...


def chunks_sync(content: Any, encode: Encode, block_on: BlockOn, failed: Failed) -> Iterator[bytes]:
    """The chunks of ``content`` (sync or async) for a WSGI server, which closes them;
    ``failed`` is told of an exception the content raises (the server only logs it)."""
    if isinstance(content, AsyncIterable):
        return _async_content_sync(content.__aiter__(), encode, block_on, failed)
    return _sync_content_sync(iter(content), encode, failed)


def _sync_content_sync(iterator: Iterator[Any], encode: Encode, failed: Failed) -> Iterator[bytes]:
    try:
        for item in iterator:
            yield encode(item)
    except Exception as exc:
        failed(exc)
        raise
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _async_content_sync(
    iterator: AsyncIterator[Any], encode: Encode, block_on: BlockOn, failed: Failed
) -> Iterator[bytes]:
    try:
        while True:
            try:
                item = block_on(_anext(iterator))
            except StopAsyncIteration:
                return
            yield encode(item)
    except Exception as exc:
        failed(exc)
        raise
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            block_on(_closed(close))


async def _closed(close: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    await close()
    # NOTE: an async generator the content was iterating (``async for`` never closes
    # it) is closed by a task the loop's finalizer hook schedules once the content lets
    # go of it: a WSGI thread's loop runs only while the thread blocks on it, so let it
    # run those tasks now rather than at the thread's next request.
    for _ in range(_SETTLE_STEPS):
        await asyncio.sleep(0)


#: Loop iterations for a finalizer's closing task to be scheduled, started and done.
_SETTLE_STEPS = 3


async def _anext(iterator: AsyncIterator[Any]) -> Any:
    return await iterator.__anext__()


def chunks_async(content: Any, encode: Encode, to_thread: CallSync) -> AsyncChunks:
    """The chunks of ``content`` (sync or async) for an ASGI server."""
    if isinstance(content, AsyncIterable):
        return _OnTheLoop(content.__aiter__(), encode)
    return _InThreads(iter(content), encode, to_thread)


class _OnTheLoop:
    """Async content, stepped in the host's task."""

    __slots__ = ("_encode", "_iterator")

    def __init__(self, iterator: AsyncIterator[Any], encode: Encode) -> None:
        self._iterator = iterator
        self._encode = encode

    def __aiter__(self) -> _OnTheLoop:
        return self

    async def __anext__(self) -> bytes:
        return self._encode(await self._iterator.__anext__())

    async def aclose(self) -> None:
        close = getattr(self._iterator, "aclose", None)
        if close is not None:
            await close()


_DONE: Any = object()


class _InThreads:
    """Sync content, stepped in worker threads.

    A step whose waiter was cancelled (the client went away) still runs to its
    end in its thread; ``aclose`` waits for it behind the lock, then closes the
    content in a worker thread, since closing runs the generator's own code.
    """

    __slots__ = ("_encode", "_finished", "_iterator", "_lock", "_to_thread")

    def __init__(self, iterator: Iterator[Any], encode: Encode, to_thread: CallSync) -> None:
        self._iterator = iterator
        self._encode = encode
        self._to_thread = to_thread
        self._lock = threading.Lock()
        self._finished = False

    def __aiter__(self) -> _InThreads:
        return self

    async def __anext__(self) -> bytes:
        item = await self._to_thread(self._step, (), {})
        if item is _DONE:
            raise StopAsyncIteration
        return self._encode(item)

    def _step(self) -> Any:
        with self._lock:
            if self._finished:
                return _DONE
            try:
                item = next(self._iterator, _DONE)
            except BaseException:
                self._finished = True  # a generator that raised is over
                raise
            if item is _DONE:
                self._finished = True
            return item

    def _close(self) -> None:
        with self._lock:
            if not self._finished:
                self._finished = True
                self._iterator.close()  # type: ignore[attr-defined]

    async def aclose(self) -> None:
        if self._finished or not hasattr(self._iterator, "close"):
            return  # nothing to run: no thread needed
        await self._to_thread(self._close, (), {})


# --- a stream's first chunk, pulled before its response starts ------------------------------


def primed_sync(chunks: Iterator[bytes]) -> Iterable[bytes]:
    """``chunks``, the first one pulled now: what the content raises before it raises here.
    A WSGI server iterates the result and closes it."""
    first = next(chunks, None)
    if first is None:
        return chunks  # empty: nothing left to send
    return _FirstThen(first, chunks)


class _FirstThen:
    """The first chunk, then the rest: iterated by ``itertools.chain`` (no Python frame
    per chunk), closed as the rest are."""

    __slots__ = ("_first", "_rest")

    def __init__(self, first: bytes, rest: Iterator[bytes]) -> None:
        self._first = first
        self._rest = rest

    def __iter__(self) -> Iterator[bytes]:
        return itertools.chain((self._first,), self._rest)

    def close(self) -> None:
        self._rest.close()  # type: ignore[attr-defined]


async def first_of(chunks: AsyncChunks) -> bytes | None:
    """The first of ``chunks``, pulled now (None: there are none); ``primed_sync``'s twin,
    whose caller sends it before the rest. What the content raises, it raises."""
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return None
    except BaseException:
        await chunks.aclose()
        raise

"""The one place where synchronous and asynchronous code meet.

``drive`` runs a coroutine that never suspends (every callable it awaits is a
synchronous function wrapped as one) without an event loop: this lets the core
write the request pipeline once, as ``async def``, and still run it on a WSGI
thread, or in one thread-pool hop on ASGI, at the cost of a generator step.
``run_on_thread_loop`` runs a real coroutine on a persistent per-thread loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["CallSync", "call_inline", "drive", "run_on_thread_loop"]

T = TypeVar("T")

#: How the pipeline runs a synchronous callable: inline, or in a worker thread.
CallSync = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Awaitable[Any]]


async def call_inline(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Call a synchronous function where we are (the coroutine does not suspend)."""
    return func(*args, **kwargs)


class SuspendedError(RuntimeError):
    """A coroutine expected to finish synchronously awaited real asynchronous work."""


def drive(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion synchronously; it must not suspend."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coro.close()
    raise SuspendedError(
        "an awaitable suspended inside a synchronous request pipeline; "
        "this is a dualweb bug, please report it"
    )


_local = threading.local()


class _ThreadLoop:
    """Owns one thread's loop; closes it when the thread ends (its locals are dropped)."""

    __slots__ = ("loop",)

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()


def run_on_thread_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on this thread's own event loop, created once and kept."""
    owner: _ThreadLoop | None = getattr(_local, "owner", None)
    if owner is None or owner.loop.is_closed():
        owner = _local.owner = _ThreadLoop()
    return owner.loop.run_until_complete(coro)

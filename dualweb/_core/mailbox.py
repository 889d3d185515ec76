"""A thread-safe queue that one consumer takes from, awaiting or blocking.

A socket's frames arrive on a thread of their own (the reader a WSGI host's
socket library runs), and the handler that takes them runs either as blocking
code on the request's thread or as a coroutine on some event loop. ``Mailbox``
is the meeting point: any thread ``put``s, and the consumer takes with
``await get()`` (without blocking its loop) or ``get_sync()``. Standard
library only: a core module, it knows neither the host nor anyio.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import time
from typing import Generic, TypeVar

__all__ = ["Mailbox"]

T = TypeVar("T")


class Mailbox(Generic[T]):
    """A FIFO of items put from any thread, taken by one consumer at a time.

    ``put`` never blocks. ``get`` awaits on whatever loop the consumer runs on
    (the loop is looked up at each await, so the same mailbox serves a consumer
    that moves between loops); ``get_sync`` blocks the calling thread. One
    consumer: a second coroutine awaiting ``get`` while one already waits is an
    error, not a race.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: collections.deque[T] = collections.deque()
        self._arrived = threading.Condition(self._lock)
        # The awaiting consumer's wake-up, if one is waiting: its loop and future.
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

    def put(self, item: T) -> None:
        """Adds ``item`` at the end and wakes the consumer, from any thread."""
        with self._lock:
            self._items.append(item)
            self._arrived.notify()
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            loop, future = waiter
            # NOTE: a loop closed since its consumer armed the wake-up has no one left
            # to wake; the item stays for whoever takes next.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, future)

    async def get(self) -> T:
        """Takes the first item, awaiting one without blocking the running loop.

        Cancelled while waiting, it takes nothing: every item stays for the next
        ``get``.
        """
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                # Checked under the lock that ``put`` holds, after no wake-up is armed
                # and before one is: an item put in between cannot go unnoticed.
                if self._items:
                    return self._items.popleft()
                if self._waiter is not None:
                    raise RuntimeError("Mailbox.get: another consumer is already waiting")
                future: asyncio.Future[None] = loop.create_future()
                self._waiter = (loop, future)
            try:
                await future
            finally:
                with self._lock:
                    if self._waiter is not None and self._waiter[1] is future:
                        self._waiter = None

    def get_sync(self, timeout: float | None = None) -> T:
        """Takes the first item, blocking until one arrives.

        Raises:
            TimeoutError: nothing arrived within ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._items:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"nothing arrived within {timeout} s")
                self._arrived.wait(remaining)
            return self._items.popleft()

    def __len__(self) -> int:
        """How many items wait to be taken."""
        with self._lock:
            return len(self._items)


def _resolve(future: asyncio.Future[None]) -> None:
    """Wakes an awaiting ``get`` (on its loop), unless it was cancelled meanwhile."""
    if not future.done():
        future.set_result(None)

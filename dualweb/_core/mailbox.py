"""TEMPORARY stand-in (replaced by the flasksock branch's Mailbox)."""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    def __init__(self) -> None:
        self._items: collections.deque[T] = collections.deque()
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]] | None = None

    def put(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            self._ready.notify()
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            loop, future = waiter
            loop.call_soon_threadsafe(_wake, future)

    async def get(self) -> T:
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if self._items:
                    return self._items.popleft()
                future = loop.create_future()
                self._waiter = (loop, future)
            await future

    def get_sync(self, timeout: float | None = None) -> T:
        with self._lock:
            if not self._ready.wait_for(lambda: bool(self._items), timeout):
                raise TimeoutError
            return self._items.popleft()


def _wake(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_result(None)

"""What a host runs once a response is sent: background tasks, then request-scoped teardown."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Coroutine
from typing import Any

from ..background import BackgroundTasks
from ..responses import Response
from .concurrency import CallSync, drive, in_context, run_on_thread_loop

__all__ = ["After", "BlockOn", "Outcome", "after_for"]

#: How a WSGI thread runs async code to its end (``HostIO.block_on``).
BlockOn = Callable[[Coroutine[Any, Any, Any]], Any]


class After:
    """Background tasks, then the teardown of request-scoped ``yield`` dependencies
    (FastAPI's order). ``sync_graph``: the teardown never suspends (no event loop needed)."""

    __slots__ = ("background", "context", "stack", "sync_graph")

    def __init__(
        self,
        background: BackgroundTasks | None,
        stack: contextlib.AsyncExitStack | None,
        sync_graph: bool,
    ) -> None:
        self.background = background
        self.stack = stack
        self.sync_graph = sync_graph
        #: On a WSGI thread, the context the request's async code ran in, if it had one.
        self.context: contextvars.Context | None = None

    def run_sync(
        self,
        block_on: BlockOn = run_on_thread_loop,
        call_sync: CallSync | None = None,
        error: BaseException | None = None,
    ) -> None:
        """On a WSGI thread, after the body has been sent (the response is closed);
        async code runs through ``block_on`` and its sync calls through ``call_sync``
        (the host I/O's ``block_on`` and ``sync_calls()``). ``error``: what ended a
        streamed body early; the background tasks do not run, the teardown sees it."""
        tasks = self.background
        if error is None and tasks is not None and tasks.tasks:
            # (Sync tasks beside async ones come back through call_sync; alone, inline.)
            run = tasks.run(call_sync if tasks.has_async else None)
            self._run(run, tasks.has_async, block_on)
        if self.stack is not None:
            self._run(_closed(self.stack, error), not self.sync_graph, block_on)

    def _run(self, coro: Coroutine[Any, Any, None], suspends: bool, block_on: BlockOn) -> None:
        if self.context is not None:
            coro = in_context(coro, self.context)
        if suspends:
            block_on(coro)
        else:
            drive(coro)

    async def run_async(self, to_thread: CallSync, error: BaseException | None = None) -> None:
        """On an event loop, after the response has been sent (``error``: as ``run_sync``)."""
        if error is None and self.background is not None and self.background.tasks:
            await self.background.run(to_thread)
        if self.stack is not None:
            if self.sync_graph:
                await to_thread(drive, (_closed(self.stack, error),), {})
            else:
                await _closed(self.stack, error)


async def _closed(stack: contextlib.AsyncExitStack, error: BaseException | None) -> None:
    # The error, if any, is thrown into each yield dependency, as FastAPI's exit stack does.
    if error is None:
        await stack.aclose()
    else:
        await stack.__aexit__(type(error), error, error.__traceback__)


#: What serving one request gives a host: the response, and what to run after sending it.
Outcome = tuple[Response, After | None]


def after_for(
    response: Response, pending: contextlib.AsyncExitStack | None, sync_graph: bool
) -> Outcome:
    """``response`` with what must run after it is sent, if anything."""
    background = response.background
    if pending is None and (background is None or not background.tasks):
        return response, None
    return response, After(background, pending, sync_graph)

"""The application's lifespan: its mounted routers' lifespans and event handlers, as one.

A router declares a ``lifespan`` (FastAPI's kind: called with the app, it gives an
async context manager), ``on_startup`` and ``on_shutdown`` handlers, or both. A router
that includes others runs their lifespans inside its own, in include order, as FastAPI
nests an included router's; a router met twice runs once. What the lifespans yield is
merged into one state, an outer or earlier one's key winning a clash (FastAPI's
merge), and each request's ``request.state`` starts with it.

An ASGI host runs ``AppLifespan`` inside the app's own lifespan (``around``). A WSGI
server has no lifespan: ``ProcessLifespan`` runs it once in each process, at the first
request or when asked, never at import (a pre-forking server's workers must not share
what it opens), and shuts it down at process exit.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .concurrency import CallBack, LoopThread, at_process_exit, drive, run_on_thread_loop

if TYPE_CHECKING:
    from ..routing import Router

__all__ = ["AppLifespan", "LifespanFactory", "ProcessLifespan", "as_lifespan"]

T = TypeVar("T")

#: FastAPI's lifespan: called with the app, an async context manager of the state (or None).
LifespanFactory = Callable[[Any], contextlib.AbstractAsyncContextManager[Mapping[str, Any] | None]]

#: How long a WSGI process waits for its lifespan's shutdown at exit.
SHUTDOWN_TIMEOUT = 30.0


def as_lifespan(lifespan: Any) -> LifespanFactory | None:
    """A router's ``lifespan=`` as a factory of async context managers, taken as FastAPI
    takes it: such a factory, or an async or plain generator function."""
    if lifespan is None:
        return None
    if inspect.isasyncgenfunction(lifespan):
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        plain = contextlib.contextmanager(lifespan)

        @contextlib.asynccontextmanager
        async def lifted(app: Any) -> AsyncIterator[Any]:
            with plain(app) as state:
                yield state

        return lifted
    if not callable(lifespan):
        raise TypeError(f"lifespan must be callable (given the app), not {lifespan!r}")
    factory: LifespanFactory = lifespan
    return factory


class _Events:
    """A router's ``on_startup`` and ``on_shutdown`` handlers, sync or async, as a context."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def __aenter__(self) -> None:
        await _call_each(self.router.on_startup)

    async def __aexit__(self, *exc_info: object) -> None:
        await _call_each(self.router.on_shutdown)


async def _call_each(handlers: list[Callable[[], Any]]) -> None:
    for handler in handlers:
        result = handler()
        if inspect.isawaitable(result):
            await result


def _merged(states: list[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    # The first state to be entered wins a clash: later (inner) ones are laid under it.
    if all(state is None for state in states):
        return None
    merged: dict[str, Any] = {}
    for state in reversed(states):
        merged.update(state or {})
    return merged


class AppLifespan:
    """The lifespan of every router mounted on one app, in mount order."""

    def __init__(self) -> None:
        self.roots: list[Router] = []

    def add(self, router: Router) -> None:
        if router not in self.roots:
            self.roots.append(router)

    def routers(self) -> Iterator[Router]:
        """Each router with something to run, once, outer before inner, in include order."""
        seen: set[int] = set()
        for root in self.roots:
            for router in (root, *root.lifespan_order()):
                if id(router) in seen:
                    continue
                seen.add(id(router))
                if router.lifespan is not None or router.on_startup or router.on_shutdown:
                    yield router

    @property
    def declared(self) -> bool:
        """Whether any mounted router has a lifespan or an event handler."""
        return next(self.routers(), None) is not None

    @property
    def needs_loop(self) -> bool:
        """Whether running it needs an event loop (a lifespan, or an async event handler)."""
        return any(
            router.lifespan is not None
            or any(
                inspect.iscoroutinefunction(handler)
                for handler in (*router.on_startup, *router.on_shutdown)
            )
            for router in self.routers()
        )

    async def enter(self, app: Any, stack: contextlib.AsyncExitStack) -> dict[str, Any] | None:
        """Start every router's lifespan, in order, onto ``stack``; the merged state.

        If one fails, those already started are shut down, and the error propagates.
        """
        states: list[Mapping[str, Any] | None] = []
        try:
            for router in self.routers():
                if router.on_startup or router.on_shutdown:
                    await stack.enter_async_context(_Events(router))
                if router.lifespan is not None:
                    states.append(await stack.enter_async_context(router.lifespan(app)))
        except BaseException as exc:
            # Those started see the error, as the outer of nested `async with` blocks would.
            if not await stack.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        return _merged(states)

    @contextlib.asynccontextmanager
    async def run(self, app: Any) -> AsyncIterator[dict[str, Any] | None]:
        """The whole lifespan as one async context manager of the merged state."""
        async with contextlib.AsyncExitStack() as stack:
            yield await self.enter(app, stack)

    def around(self, original: LifespanFactory) -> LifespanFactory:
        """An ASGI app's lifespan with this one inside it (the app's state wins a clash)."""

        @contextlib.asynccontextmanager
        async def merged(app: Any) -> AsyncIterator[Mapping[str, Any] | None]:
            async with original(app) as outer, self.run(app) as inner:
                yield _merged([outer, inner])

        return merged


class ProcessLifespan:
    """An app's ``AppLifespan`` on a WSGI server: started once per process, stopped at exit.

    Where the lifespan needs an event loop it runs on a ``LoopThread`` of its own,
    and ``block_on`` runs the app's async handlers there too, so that what the
    lifespan opens on its loop (a database pool, an HTTP client) serves them.
    ``lazy``: start at the first request (False where a test client starts it).
    """

    def __init__(self, lifespan: AppLifespan, app: Any) -> None:
        self.lifespan = lifespan
        self.app = app
        self.lazy = True
        self._at_exit = False
        self._forget()
        _alive.add(self)

    def _forget(self) -> None:
        # Also in a forked child: the parent's loop thread and what it opened are not its own.
        self.started = False
        self.state: dict[str, Any] = {}
        self._loop: LoopThread | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._lock = threading.Lock()

    def state_for_request(self) -> dict[str, Any] | None:
        """The lifespan state a request starts with, starting the lifespan if need be."""
        if not self.started:
            if not self.lazy:
                return None
            self.start()
        return self.state

    def start(self) -> None:
        """Run the startup in this process, unless it has run; its error propagates
        (and the next request tries again)."""
        if self.started:
            return
        with self._lock:
            if self.started:
                return
            loop = LoopThread("dualweb-lifespan") if self.lifespan.needs_loop else None
            stack = contextlib.AsyncExitStack()
            try:
                state = self._run(loop, self.lifespan.enter(self.app, stack), None)
            except BaseException:
                if loop is not None:
                    loop.stop(SHUTDOWN_TIMEOUT)
                raise
            self._loop, self._stack, self.state = loop, stack, dict(state or {})
            self.started = True
            if not self._at_exit:
                at_process_exit(self.stop)
                self._at_exit = True

    def stop(self) -> None:
        """Run the shutdown, if the startup ran in this process; its error propagates."""
        with self._lock:
            if not self.started:
                return
            loop, stack = self._loop, self._stack
            self.started, self.state, self._loop, self._stack = False, {}, None, None
            assert stack is not None
            try:
                self._run(loop, stack.aclose(), SHUTDOWN_TIMEOUT)
            finally:
                if loop is not None:
                    loop.stop(SHUTDOWN_TIMEOUT)

    @staticmethod
    def _run(loop: LoopThread | None, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        return drive(coro) if loop is None else loop.run(coro, timeout)

    @property
    def shares_loop(self) -> bool:
        """Whether requests' async code runs on the lifespan's loop (in this process)."""
        return self._loop is not None

    def block_on(self, coro: Coroutine[Any, Any, T], calls: CallBack | None = None) -> T:
        """Run a request's async code to its end: on the lifespan's loop, if it has one
        (its sync calls, made through ``calls``, back on this thread)."""
        loop = self._loop
        if loop is None:
            return run_on_thread_loop(coro)
        return loop.run(coro, calls=calls)


_alive: weakref.WeakSet[ProcessLifespan] = weakref.WeakSet()


def _forget_in_child() -> None:
    for lifespan in list(_alive):
        lifespan._forget()


os.register_at_fork(after_in_child=_forget_in_child)

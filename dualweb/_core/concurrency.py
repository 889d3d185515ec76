"""The one place where synchronous and asynchronous code meet.

``drive`` runs a coroutine that never suspends (every callable it awaits is a
synchronous function wrapped as one) without an event loop: this lets the core
write the request pipeline once, as ``async def``, and still run it on a WSGI
thread, or in one thread-pool hop on ASGI, at the cost of a generator step.
``run_on_thread_loop`` runs a real coroutine on a persistent per-thread loop.
``ThreadHop`` is the ASGI hosts' way into a worker thread and back, and
``LoopThread`` a WSGI process's way onto one event loop that every thread shares.
``in_context`` runs a coroutine in a context of the caller's choosing, wherever it runs.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import contextvars
import os
import queue
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

__all__ = [
    "CallBack",
    "CallSync",
    "LoopThread",
    "ThreadHop",
    "at_process_exit",
    "call_inline",
    "caller_loop",
    "drive",
    "in_context",
    "in_own_thread",
    "run_on_caller_loop",
    "run_on_thread_loop",
]

T = TypeVar("T")

#: How the pipeline runs a synchronous callable: inline, or in a worker thread.
CallSync = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Awaitable[Any]]


async def call_inline(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Call a synchronous function where we are (the coroutine does not suspend)."""
    return func(*args, **kwargs)


async def call_in_copy(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Call a synchronous function where we are, in a copy of the current context: what
    it sets in context variables stays its own, as in a worker-thread hop of its own."""
    return contextvars.copy_context().run(func, *args, **kwargs)


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


class _Stepped(Generic[T]):
    """Awaits ``coro`` one step at a time, each step run inside ``context``."""

    __slots__ = ("context", "coro")

    def __init__(self, coro: Coroutine[Any, Any, T], context: contextvars.Context) -> None:
        self.coro = coro
        self.context = context

    def __await__(self) -> Generator[Any, Any, T]:
        # What a Task does with its own context, done here with the caller's: the task
        # that awaits this passes on what the coroutine yields, and sends back the result.
        coro, run = self.coro, self.context.run
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                if error is None:
                    signal = run(coro.send, value)
                else:
                    signal, error = run(coro.throw, error), None
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            try:
                value = yield signal
            except GeneratorExit:
                run(coro.close)
                raise
            except BaseException as exc:  # a cancellation, for one: the coroutine's to handle
                value, error = None, exc


async def in_context(coro: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
    """Run ``coro`` inside ``context`` (not a copy), in whatever task or thread awaits this.

    Each task an event loop runs has a context of its own, copied when the task is
    made. A WSGI thread runs one request's async code in two tasks — its dependencies
    and handler, then, once the response is sent, their teardown — and each would see
    a copy; run both in the request's context and a ``yield`` dependency's teardown
    sees what its set-up set (a context variable's token resets), as it does on ASGI,
    where both run in the request's one task. ``context`` must not be entered elsewhere
    at the same time.
    """
    return await _Stepped(coro, context)


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


class _Job:
    """One call handed to a worker thread, and how its result gets back."""

    __slots__ = (
        "args",
        "context",
        "done",
        "error",
        "func",
        "future",
        "kwargs",
        "loop",
        "value",
        "waiter",
        "waker",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self.loop = loop
        self.waker = _waker_for(loop)
        self.future: asyncio.Future[Any] = loop.create_future()
        self.context = contextvars.copy_context()
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None

    def run(self) -> None:
        # In the worker thread.
        _local.caller_loop = self.loop
        try:
            self.value = self.context.run(self.func, *self.args, **self.kwargs)
        except StopIteration as exc:
            # A future cannot carry StopIteration; as a coroutine (and anyio) would say it:
            error = RuntimeError("coroutine raised StopIteration")
            error.__cause__ = exc
            self.error = error
        except BaseException as exc:  # handed to the awaiting task
            self.error = exc
        finally:
            _local.caller_loop = None

    def signal(self) -> None:
        # In the worker thread, as its last step before it waits again: the loop's
        # thread, once woken, should find the GIL free.
        if self.waker is not None:
            self.waker.wake(self)
            return
        # If the loop closed while the call ran, nobody is waiting.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.finish)

    def finish(self) -> None:
        # Back on the event loop's thread.
        self.done = True
        future = self.future
        if not future.done():
            if self.error is not None:
                future.set_exception(self.error)
            else:
                future.set_result(self.value)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)
        self.error = None  # no cycle through the traceback


class _LoopWaker:
    """Tells one event loop which calls have finished: an eventfd the loop watches.

    ``call_soon_threadsafe`` wakes a loop through its self-pipe, a socket pair:
    a send from the worker, then on the loop two receives (the second one
    raising) besides the callback. An eventfd costs one write and one read, and
    one wake-up delivers every call finished since the last. Where there is no
    eventfd (outside Linux) or the loop cannot watch a file descriptor (the
    proactor loop on Windows), jobs use ``call_soon_threadsafe``.
    """

    __slots__ = ("__weakref__", "closer", "fd", "finished", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = weakref.ref(loop)
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.finished: collections.deque[_Job] = collections.deque()
        try:
            loop.add_reader(self.fd, self._drain)
        except BaseException:
            os.close(self.fd)
            raise
        # The descriptor lives as long as the loop (a closed loop no longer reads it).
        self.closer = weakref.finalize(loop, os.close, self.fd)

    def wake(self, job: _Job) -> None:
        # In the worker thread.
        self.finished.append(job)
        os.eventfd_write(self.fd, 1)

    def _drain(self) -> None:
        # On the loop's thread. A job queued after the read below is either taken by
        # this drain or wakes the loop again; an empty drain after that does nothing.
        with contextlib.suppress(BlockingIOError):
            os.eventfd_read(self.fd)
        finished = self.finished
        while finished:
            finished.popleft().finish()


#: Each loop's waker, or None where a loop cannot have one.
_wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopWaker | None] = (
    weakref.WeakKeyDictionary()
)


def _waker_for(loop: asyncio.AbstractEventLoop) -> _LoopWaker | None:
    # On the loop's thread. The thread's last waker answers without a dictionary lookup.
    last: _LoopWaker | None = getattr(_local, "waker", None)
    if last is not None and last.loop() is loop:
        return last
    try:
        waker = _wakers[loop]
    except KeyError:
        waker = _new_waker(loop)
        _wakers[loop] = waker
    except TypeError:  # a loop that cannot be weakly referenced: its self-pipe, then
        return None
    if waker is not None:
        _local.waker = waker
    return waker


def _new_waker(loop: asyncio.AbstractEventLoop) -> _LoopWaker | None:
    if not hasattr(os, "eventfd"):
        return None
    try:
        return _LoopWaker(loop)
    except NotImplementedError:  # a loop that cannot watch a descriptor
        return None


def _forget_wakers() -> None:
    # In a forked child: the parent's loops are not this process's to wake; their
    # descriptors are closed here rather than when (if ever) those loops are collected.
    for waker in list(_wakers.values()):
        if waker is not None and waker.closer.detach() is not None:
            os.close(waker.fd)
    _wakers.clear()
    _local.__dict__.pop("waker", None)


os.register_at_fork(after_in_child=_forget_wakers)


def caller_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop waiting on the ``ThreadHop`` call this thread runs, if any."""
    return getattr(_local, "caller_loop", None)


def run_on_caller_loop(
    loop: asyncio.AbstractEventLoop, func: Callable[..., Coroutine[Any, Any, T]], *args: Any
) -> T:
    """From a ``ThreadHop`` worker: run ``func(*args)`` on the loop waiting for us."""
    return asyncio.run_coroutine_threadsafe(func(*args), loop).result()


async def in_own_thread(func: Callable[..., T], *args: Any) -> T:
    """Run blocking ``func(*args)`` in a new thread of its own, in this context, and wait.

    For calls that block for as long as a connection lasts (a ``def`` socket handler):
    a pooled worker thread would be held for all that time, starving requests.
    If the waiting task is cancelled, the thread runs on to its end, unwaited.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            value = context.run(func, *args)
        except BaseException as exc:  # handed to the awaiting task
            loop.call_soon_threadsafe(_settle, future, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, future, value, None)

    threading.Thread(target=run, name="dualweb handler", daemon=True).start()
    return await future


class ThreadHop:
    """Runs synchronous calls in worker threads for code on an asyncio loop.

    It does what ``anyio.to_thread.run_sync`` does for the ASGI hosts (the
    caller's context variables go along; a cancelled caller still waits for the
    call to finish, as the thread cannot be stopped; at most ``limit()``
    threads, idle ones retire after ``idle_timeout`` seconds) with less
    machinery between the two threads: a job queue, a future, and a write to
    the loop's eventfd back (``_LoopWaker``). The hop's cost is mostly the
    wake-ups of the two threads, and this keeps it to those.
    """

    def __init__(
        self,
        limit: Callable[[], int],
        idle_timeout: float = 10.0,
        shielded: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext,
    ) -> None:
        self._limit = limit
        self._idle_timeout = idle_timeout
        #: Shields a cancelled caller's wait for its call from further cancellation (the
        #: host's: anyio redelivers a scope's cancellation at every turn of the loop).
        self._shielded = shielded
        self._reset()
        # A forked child (a pre-fork server's worker) has none of the parent's threads.
        pool = weakref.ref(self)

        def reset_in_child() -> None:
            alive = pool()
            if alive is not None:
                alive._reset()

        os.register_at_fork(after_in_child=reset_in_child)

    def _reset(self) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0  # worker threads alive
        self._idle = 0  # waiting workers no queued job has claimed yet
        self._backlog = 0  # queued jobs no worker has claimed yet

    async def __call__(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        job = _Job(asyncio.get_running_loop(), func, args, kwargs)
        self._submit(job)
        try:
            return await job.future
        except asyncio.CancelledError:
            if not job.done:
                # Like anyio: the call goes on in its thread, so the caller waits for it,
                # shielded, or a cancellation redelivered at every turn would make it spin.
                job.waiter = job.loop.create_future()
                with self._shielded():
                    while not job.done:
                        try:
                            await asyncio.shield(job.waiter)
                        except asyncio.CancelledError:
                            continue
            raise

    def _submit(self, job: _Job) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
            elif self._threads < max(1, self._limit()):
                threading.Thread(target=self._work, name="dualweb-worker", daemon=True).start()
                self._threads += 1  # (not if the thread could not start)
            else:
                self._backlog += 1
            self._jobs.put(job)

    def _work(self) -> None:
        jobs, lock = self._jobs, self._lock
        while True:
            try:
                job = jobs.get(timeout=self._idle_timeout)
            except queue.Empty:
                with lock:
                    if self._idle:  # no queued job is meant for this worker: retire
                        self._idle -= 1
                        self._threads -= 1
                        return
                continue
            job.run()
            with lock:
                # Ready for the next job before the caller hears of this one; a job
                # queued meanwhile waits for this worker's next `get`.
                if self._backlog:
                    self._backlog -= 1
                else:
                    self._idle += 1
            job.signal()
            del job


class CallBack:
    """Where a coroutine running on a ``LoopThread`` for a waiting thread runs its sync
    calls: back on that thread, which waits anyway, as ``ThreadHop`` runs them in a
    worker (each in a copy of the calling task's context). Sync code never runs on the
    shared loop, where it would hold up every other thread's requests.

    One per request: the calls of its teardown, after the response, come back too.
    """

    __slots__ = ("jobs",)

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()

    async def __call__(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        # A CallSync, on the loop: the waiting thread runs the call and settles the future.
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.jobs.put((contextvars.copy_context(), func, args, kwargs, future, loop))
        return await future

    def serve(self, handed: _Handed) -> None:
        """On the waiting thread: run the calls until ``handed`` is done."""
        while True:
            job = self.jobs.get()
            if job is handed:
                return
            context, func, args, kwargs, future, loop = job
            try:
                value = context.run(func, *args, **kwargs)
            except BaseException as exc:  # handed to the awaiting task
                loop.call_soon_threadsafe(_settle, future, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, future, value, None)
            del job, context, func, args, kwargs, future


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():  # the awaiting task was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


class _Handed:
    """One coroutine handed to a ``LoopThread``, and the thread waiting for its result."""

    __slots__ = ("calls", "coro", "error", "finished", "value")

    def __init__(self, coro: Coroutine[Any, Any, Any], calls: CallBack | None) -> None:
        self.coro = coro
        self.calls = calls
        self.value: Any = None
        self.error: BaseException | None = None
        self.finished = threading.Lock()
        self.finished.acquire()

    def begin(self) -> None:
        # On the loop's thread, in (a copy of) the caller's context, which the task copies.
        task = asyncio.get_running_loop().create_task(self.coro)
        task.add_done_callback(self.finish)

    def finish(self, task: asyncio.Task[Any]) -> None:
        try:
            self.value = task.result()
        except BaseException as exc:  # handed to the waiting thread
            self.error = exc
        self.finished.release()
        if self.calls is not None:
            self.calls.jobs.put(self)  # the waiting thread stops serving calls

    def wait(self, timeout: float | None) -> Any:
        if self.calls is not None:
            self.calls.serve(self)
        if not self.finished.acquire(timeout=-1 if timeout is None else timeout):
            raise TimeoutError("the event loop did not finish the call in time")
        error, self.error = self.error, None
        if error is not None:
            raise error
        return self.value


class LoopThread:
    """An event loop running in a daemon thread of its own, for threads without one.

    On a WSGI server, async code that shares resources bound to one loop (a
    database pool opened by a lifespan, say) must all run on that loop, whichever
    thread serves the request: ``run`` hands a coroutine to the loop, with the
    caller's context variables (the host framework's request context among
    them), and blocks the caller until it is done, running the coroutine's sync
    calls meanwhile if it makes them through ``calls``.
    """

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(
        self,
        coro: Coroutine[Any, Any, T],
        timeout: float | None = None,
        calls: CallBack | None = None,
    ) -> T:
        """From another thread: run ``coro`` on this loop and wait for its result."""
        handed = _Handed(coro, calls)
        try:
            self.loop.call_soon_threadsafe(handed.begin, context=contextvars.copy_context())
        except RuntimeError:  # the loop is closed
            coro.close()
            raise
        return handed.wait(timeout)  # type: ignore[no-any-return]

    def stop(self, timeout: float) -> None:
        """Stop the loop, wait up to ``timeout`` seconds for its thread, and close it."""
        loop = self.loop
        with contextlib.suppress(RuntimeError):  # already closed
            loop.call_soon_threadsafe(loop.stop)
        self.thread.join(timeout)
        if not self.thread.is_alive() and not loop.is_closed():
            loop.close()


def at_process_exit(func: Callable[[], None]) -> None:
    """Run ``func`` when this process exits normally, a multiprocessing child included."""
    atexit.register(func)
    # NOTE: a multiprocessing child (granian's worker) ends with os._exit, which runs no
    # atexit function; it runs threading's own exit functions first (as every normal exit
    # does), where concurrent.futures registers its own. ``func`` runs once either way.
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        with contextlib.suppress(RuntimeError):  # the interpreter is already exiting
            register(func)

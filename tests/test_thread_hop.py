"""ThreadHop: synchronous calls in worker threads for code on an asyncio loop.

Results and exceptions come back, the caller's context variables go along, the
loop stays free, at most ``limit()`` threads run, a cancelled caller waits for
the call, idle threads retire, a closed loop does not break a worker, and the
Starlette host runs ``def`` handlers through it.
"""

import asyncio
import contextvars
import gc
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio.to_thread
import pytest
import starlette.applications
import starlette.testclient

import dualweb
import dualweb.starlette
from dualweb._core.concurrency import ThreadHop, _wakers, caller_loop, run_on_caller_loop
from tests._helpers import WAIT

T = TypeVar("T")

IDLE = 0.5  # idle timeout of the pools made here, so their threads do not outlive the tests

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a fresh loop in its own thread, giving up after ``WAIT`` seconds.

    (Not ``asyncio.wait_for``: a cancelled caller waits for its call, so a call that
    never runs would hang the test instead of failing it.)
    """
    outcome: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="test-loop", daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "timed out"
    if error:
        raise error[0]
    return outcome[0]


async def until(condition: Callable[[], bool]) -> None:
    """Wait on the loop, without blocking it, until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        assert loop.time() < deadline, "timed out waiting for a condition"
        await asyncio.sleep(0.005)


def workers_of(threads: set[threading.Thread]) -> list[threading.Thread]:
    """Those of ``threads`` that are still alive."""
    return [t for t in threading.enumerate() if t in threads]


# --- results and exceptions ---------------------------------------------------------------


class Oops(ValueError):
    pass


class Abort(BaseException):
    pass


def test_result_and_arguments_come_back() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)

    def combine(a: int, b: int, *, c: str) -> tuple[int, str]:
        return a + b, c

    assert run(hop(combine, (1, 2), {"c": "x"})) == (3, "x")
    assert run(hop(dict, (), {})) == {}
    assert run(hop(lambda: None, (), {})) is None


def test_an_exception_reaches_the_caller_with_its_type() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)
    raised: list[BaseException] = []

    def fail() -> None:
        raised.append(Oops("bad"))
        raise raised[-1]

    with pytest.raises(Oops, match="bad") as info:
        run(hop(fail, (), {}))
    assert info.value is raised[0]
    # The worker's frame is in the traceback.
    assert any(entry.name == "fail" for entry in info.traceback)


def test_a_base_exception_reaches_the_caller() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)

    def abort() -> None:
        raise Abort("stop")

    async def main() -> str:
        try:
            await hop(abort, (), {})
        except Abort as exc:
            return str(exc)
        return "not raised"

    assert run(main()) == "stop"
    # The worker survived it.
    assert run(hop(lambda: 7, (), {})) == 7


def test_stop_iteration_from_the_call_does_not_hang_the_caller() -> None:
    # A future cannot hold StopIteration (set_exception raises TypeError), so it must be
    # turned into something else, as anyio.to_thread.run_sync does (RuntimeError).
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)

    async def main() -> BaseException | None:
        try:
            await asyncio.wait_for(hop(next, (iter(()),), {}), 2)
        except BaseException as exc:
            return exc
        return None

    error = run(main())
    assert isinstance(error, RuntimeError), repr(error)


# --- context variables --------------------------------------------------------------------


def test_the_callers_context_variables_go_along_and_do_not_come_back() -> None:
    hop = ThreadHop(lambda: 1, idle_timeout=IDLE)  # one thread: every call on the same one

    def read_then_set() -> str:
        seen = VAR.get()
        VAR.set("worker")
        return seen

    async def main() -> list[str]:
        first = await hop(read_then_set, (), {})
        after_first = VAR.get()
        second = await hop(read_then_set, (), {})  # the worker's own set is gone
        VAR.set("caller")
        third = await hop(read_then_set, (), {})
        return [first, after_first, second, third, VAR.get()]

    assert run(main()) == ["unset", "unset", "unset", "caller", "caller"]


def test_each_task_sends_its_own_context() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)

    async def call_as(name: str) -> str:
        VAR.set(name)
        await asyncio.sleep(0)
        return await hop(VAR.get, (), {})  # type: ignore[no-any-return]

    async def main() -> list[str]:
        return await asyncio.gather(*(call_as(f"task {i}") for i in range(6)))

    assert run(main()) == [f"task {i}" for i in range(6)]


# --- threads and the loop -----------------------------------------------------------------


def test_the_call_runs_in_another_thread_and_the_loop_stays_free() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)
    started = threading.Event()
    answered = threading.Event()
    answered_by: list[int] = []

    def wait_for_the_loop() -> tuple[int, bool]:
        started.set()
        return threading.get_ident(), answered.wait(WAIT)

    async def answer() -> None:
        await until(started.is_set)
        answered_by.append(threading.get_ident())
        answered.set()

    async def main() -> tuple[int, tuple[int, bool]]:
        result, _ = await asyncio.gather(hop(wait_for_the_loop, (), {}), answer())
        return threading.get_ident(), result

    loop_thread, (worker_thread, was_answered) = run(main())
    assert worker_thread != loop_thread
    assert was_answered, "the loop was blocked while the call ran"
    assert answered_by == [loop_thread]


def test_at_most_limit_calls_run_at_once_and_all_complete() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)
    lock = threading.Lock()
    release = threading.Event()
    state = {"running": 0, "most": 0, "started": 0}

    def block(i: int) -> tuple[int, int]:
        with lock:
            state["running"] += 1
            state["started"] += 1
            state["most"] = max(state["most"], state["running"])
        try:
            assert release.wait(WAIT)
            return i, threading.get_ident()
        finally:
            with lock:
                state["running"] -= 1

    async def main() -> list[tuple[int, int]]:
        calls = [asyncio.ensure_future(hop(block, (i,), {})) for i in range(5)]
        await until(lambda: state["started"] >= 2)
        await asyncio.sleep(0.2)  # room for a third call to start, were it allowed to
        assert state["started"] == 2
        assert not any(call.done() for call in calls)
        release.set()
        results: list[tuple[int, int]] = await asyncio.gather(*calls)
        return results

    results = run(main())
    assert [i for i, _ in results] == [0, 1, 2, 3, 4]
    assert state["most"] == 2
    assert state["running"] == 0
    assert len({ident for _, ident in results}) == 2  # two threads, reused for five calls


def test_a_limit_below_one_still_runs_calls_one_at_a_time() -> None:
    hop = ThreadHop(lambda: 0, idle_timeout=IDLE)

    async def main() -> list[threading.Thread]:
        threads: list[threading.Thread] = await asyncio.gather(
            *(hop(threading.current_thread, (), {}) for _ in range(3))
        )
        return threads

    assert len(set(run(main()))) == 1


def test_sequential_calls_reuse_idle_threads() -> None:
    hop = ThreadHop(lambda: 40, idle_timeout=IDLE)

    async def main() -> set[threading.Thread]:
        return {await hop(threading.current_thread, (), {}) for _ in range(200)}

    threads = run(main())
    # The worker is idle again before its caller hears of the result: one thread serves all.
    assert len(threads) == 1
    assert all(t.name == "dualweb-worker" and t.daemon for t in threads)


def test_the_worker_knows_its_callers_loop_and_can_run_coroutines_there() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)

    async def on_the_loop(x: int) -> tuple[int, int]:
        await asyncio.sleep(0)
        return x * 2, threading.get_ident()

    def in_the_worker() -> tuple[int, int]:
        loop = caller_loop()
        assert loop is not None
        return run_on_caller_loop(loop, on_the_loop, 21)

    async def main() -> tuple[int, bool, tuple[int, int]]:
        seen = await hop(caller_loop, (), {})
        result = await hop(in_the_worker, (), {})
        return threading.get_ident(), seen is asyncio.get_running_loop(), result

    loop_thread, same_loop, (doubled, ran_on) = run(main())
    assert same_loop
    assert (doubled, ran_on) == (42, loop_thread)
    assert caller_loop() is None  # not a worker


# --- cancellation -------------------------------------------------------------------------


@pytest.mark.parametrize("cancels", [1, 3])
def test_a_cancelled_caller_waits_for_the_call_to_finish(cancels: int) -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)
    started = threading.Event()
    release = threading.Event()
    returning = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(WAIT)
        returning.set()
        return "done"

    async def main() -> bool:
        task = asyncio.ensure_future(hop(slow, (), {}))
        await until(started.is_set)
        for _ in range(cancels):
            task.cancel()
            await asyncio.sleep(0.05)
        assert not task.done(), "the cancelled caller did not wait for the call"
        assert not returning.is_set()
        release.set()
        try:
            await task
        except asyncio.CancelledError:
            return returning.is_set()
        raise AssertionError("the task was not cancelled")

    assert run(main()), "CancelledError came before the call returned"


def test_cancelling_a_queued_call_still_lets_the_others_run() -> None:
    hop = ThreadHop(lambda: 1, idle_timeout=IDLE)
    release = threading.Event()

    def block(i: int) -> int:
        assert release.wait(WAIT)
        return i

    async def main() -> list[Any]:
        calls = [asyncio.ensure_future(hop(block, (i,), {})) for i in range(3)]
        await asyncio.sleep(0.05)
        calls[1].cancel()
        await asyncio.sleep(0.05)
        release.set()
        return await asyncio.gather(*calls, return_exceptions=True)

    first, second, third = run(main())
    assert (first, third) == (0, 2)
    assert isinstance(second, asyncio.CancelledError)
    assert run(hop(block, (9,), {})) == 9


# --- idle threads -------------------------------------------------------------------------


def test_idle_threads_retire_and_new_calls_still_work() -> None:
    hop = ThreadHop(lambda: 4, idle_timeout=0.05)

    async def main() -> set[threading.Thread]:
        threads: list[threading.Thread] = await asyncio.gather(
            *(hop(threading.current_thread, (), {}) for _ in range(3))
        )
        return set(threads)

    first = run(main())
    assert all(t.name == "dualweb-worker" for t in first)
    for t in first:
        t.join(2)
    assert workers_of(first) == [], "idle workers did not retire"

    second = run(main())
    assert second and not (second & first)  # new threads served them
    for t in second:
        t.join(2)
    assert workers_of(second) == []


def test_a_busy_thread_does_not_retire() -> None:
    hop = ThreadHop(lambda: 1, idle_timeout=0.05)

    def slow() -> threading.Thread:
        threading.Event().wait(0.3)  # longer than the idle timeout
        return threading.current_thread()

    async def main() -> list[threading.Thread]:
        threads: list[threading.Thread] = await asyncio.gather(hop(slow, (), {}), hop(slow, (), {}))
        return threads

    first, second = run(main())
    assert first is second


# --- how the loop hears of finished calls --------------------------------------------------

needs_eventfd = pytest.mark.skipif(
    not hasattr(os, "eventfd"), reason="eventfd is Linux's; elsewhere the self-pipe path runs"
)


class CountingLoop(asyncio.SelectorEventLoop):
    """A selector loop that counts wake-ups through its self-pipe."""

    def __init__(self) -> None:
        super().__init__()
        self.threadsafe_calls = 0

    def call_soon_threadsafe(self, *args: Any, **kwargs: Any) -> Any:
        self.threadsafe_calls += 1
        return super().call_soon_threadsafe(*args, **kwargs)


class DescriptorlessLoop(CountingLoop):
    """A loop that cannot watch file descriptors (as the proactor loop on Windows)."""

    def add_reader(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError


def run_on(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    try:
        return loop.run_until_complete(asyncio.wait_for(coro, WAIT))
    finally:
        loop.close()


@needs_eventfd
def test_finished_calls_wake_the_loop_through_its_eventfd() -> None:
    hop = ThreadHop(lambda: 4, idle_timeout=IDLE)
    loop = CountingLoop()

    async def main() -> list[int]:
        return [await hop(lambda i=i: i * i, (), {}) for i in range(20)]

    assert run_on(loop, main()) == [i * i for i in range(20)]
    assert loop.threadsafe_calls == 0
    assert _wakers[loop] is not None


def new_uvloop() -> asyncio.AbstractEventLoop:
    import uvloop

    return uvloop.new_event_loop()


def new_rloop() -> asyncio.AbstractEventLoop:
    import rloop

    return rloop.new_event_loop()  # type: ignore[no-any-return]


@needs_eventfd
@pytest.mark.parametrize(
    "new_loop",
    [
        pytest.param(new_uvloop, id="uvloop"),
        pytest.param(
            new_rloop,
            id="rloop",
            # rloop's run_until_complete leaves a socket of its own unclosed (rloop 0.5,
            # without any hop: `new_event_loop().run_until_complete(sleep(0))` does it).
            marks=pytest.mark.filterwarnings(
                "ignore::pytest.PytestUnraisableExceptionWarning",
                "ignore:unclosed <socket.socket:ResourceWarning",
            ),
        ),
    ],
)
def test_other_event_loops_get_the_eventfd_too(new_loop: Callable[[], Any]) -> None:
    # uvicorn runs on uvloop when it is installed, granian can run on rloop.
    hop = ThreadHop(lambda: 4, idle_timeout=IDLE)
    loop = new_loop()

    async def main() -> tuple[list[int], list[int]]:
        one_by_one = [await hop(lambda i=i: i * 2, (), {}) for i in range(10)]
        return one_by_one, await finish_together(hop, 16)

    try:
        assert run_on(loop, main()) == ([i * 2 for i in range(10)], list(range(16)))
        assert _wakers[loop] is not None
    finally:
        del loop
        gc.collect()  # what the loop leaves is collected within this test's warning filters


@pytest.mark.parametrize("why", ["no eventfd", "no descriptors"])
def test_without_an_eventfd_finished_calls_use_the_self_pipe(
    why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if why == "no eventfd":
        monkeypatch.delattr(os, "eventfd", raising=False)
        loop: CountingLoop = CountingLoop()
    else:
        loop = DescriptorlessLoop()
    hop = ThreadHop(lambda: 4, idle_timeout=IDLE)

    async def main() -> list[int]:
        return [await hop(lambda i=i: i + 1, (), {}) for i in range(5)]

    assert run_on(loop, main()) == [1, 2, 3, 4, 5]
    assert loop.threadsafe_calls == 5
    assert _wakers[loop] is None  # decided once for the loop


async def finish_together(hop: ThreadHop, calls: int) -> list[int]:
    """Start ``calls`` calls that all wait for one event, then release them at once."""
    release = threading.Event()

    def wait_then(i: int) -> int:
        assert release.wait(WAIT)
        return i

    started = [asyncio.ensure_future(hop(wait_then, (i,), {})) for i in range(calls)]
    await asyncio.sleep(0.05)
    release.set()
    return list(await asyncio.gather(*started))


def test_many_calls_finishing_together_all_reach_their_callers() -> None:
    # One wake-up may carry several finished calls; none may be left behind.
    hop = ThreadHop(lambda: 8, idle_timeout=IDLE)
    assert run(finish_together(hop, 64)) == list(range(64))


@needs_eventfd
def test_a_loops_eventfd_is_closed_once_the_loop_is_gone() -> None:
    hop = ThreadHop(lambda: 2, idle_timeout=IDLE)

    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    run(hop(int, (), {}))  # anything made once per process exists by now
    gc.collect()
    before = open_descriptors()
    for _ in range(30):
        assert run(hop(int, ("7",), {})) == 7  # a fresh loop each time
    gc.collect()
    assert open_descriptors() <= before + 2


# --- a loop that closes -------------------------------------------------------------------


def test_the_loop_closing_while_a_call_runs_does_not_break_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hop = ThreadHop(lambda: 1, idle_timeout=IDLE)  # one thread: the later call needs it
    errors: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    started = threading.Event()
    release = threading.Event()
    ran_on: list[threading.Thread] = []

    def slow() -> str:
        ran_on.append(threading.current_thread())
        started.set()
        release.wait(WAIT)
        return "lost"

    loop = asyncio.new_event_loop()
    contexts: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: contexts.append(context))
    task = loop.create_task(hop(slow, (), {}))
    loop.run_until_complete(until(started.is_set))
    loop.close()
    release.set()  # the call returns to a closed loop

    # The same (only) worker serves a later call on another loop.
    assert run(hop(threading.current_thread, (), {})) is ran_on[0]
    assert errors == []
    assert not task.done()
    del task
    gc.collect()
    assert all("exception" not in context for context in contexts), contexts


# --- the Starlette host -------------------------------------------------------------------


def test_starlette_runs_def_handlers_on_the_hop() -> None:
    router = dualweb.Router()

    @router.get("/t")
    def t() -> dict[str, str]:
        return {"name": threading.current_thread().name}

    @router.get("/a")
    async def a() -> dict[str, str]:
        return {"name": threading.current_thread().name}

    app = starlette.applications.Starlette()
    dualweb.starlette.mount(app, router)
    with starlette.testclient.TestClient(app) as client:
        assert client.get("/t").json() == {"name": "dualweb-worker"}
        assert client.get("/a").json() != {"name": "dualweb-worker"}


def test_the_hop_limit_is_anyios_default_thread_limit_of_the_loop() -> None:
    async def tune() -> tuple[int, int]:
        before = dualweb.starlette._thread_limit()
        anyio.to_thread.current_default_thread_limiter().total_tokens = 3
        return before, dualweb.starlette._thread_limit()

    async def read() -> int:
        return dualweb.starlette._thread_limit()

    default, tuned = asyncio.run(tune())
    assert tuned == 3
    assert default == int(asyncio.run(anyio_default())) != 3
    assert asyncio.run(read()) == default  # a fresh loop has its own limiter


async def anyio_default() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_a_forked_child_starts_its_own_workers() -> None:
    # A pre-fork server's worker inherits the pool's bookkeeping but none of its threads.
    import time
    import warnings

    hop = ThreadHop(lambda: 1)

    async def call() -> int:
        return int(await hop(lambda: 41 + 1, (), {}))

    # The parent now has an idle worker, and a loop (still open) that its workers wake.
    parent_loop = asyncio.new_event_loop()
    assert parent_loop.run_until_complete(call()) == 42
    assert parent_loop in _wakers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded process
        pid = os.fork()
    if pid == 0:  # the child: answer within 5 s, or report failure
        try:
            if len(_wakers):  # the parent's loops are not the child's to wake
                os._exit(3)
            answer = asyncio.run(asyncio.wait_for(call(), 5))
            os._exit(0 if answer == 42 else 1)
        except BaseException:
            os._exit(2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's call never finished")
    parent_loop.close()
    assert os.waitstatus_to_exitcode(status) == 0


def test_under_trio_the_starlette_host_uses_anyios_threads() -> None:
    # Starlette runs on trio too (through anyio): there is no asyncio loop to hop back to,
    # so `def` handlers go through anyio's own worker threads.
    import httpx
    import trio

    router = dualweb.Router()

    @router.post("/sync")
    def sync_handler(payload: dict[str, int]) -> dict[str, Any]:
        return {"thread": threading.current_thread().name, "sum": sum(payload.values())}

    @router.post("/form")
    def form_handler(name: str = dualweb.Form()) -> dict[str, str]:
        return {"name": name}

    @router.get("/async")
    async def async_handler() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    app = starlette.applications.Starlette()
    dualweb.starlette.mount(app, router)

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [
                await client.post("/sync", json={"a": 1, "b": 2}),
                await client.post("/form", data={"name": "ada"}),
                await client.get("/async"),
            ]

    sync, form, async_ = trio.run(main)
    assert sync.status_code == 200 and sync.json()["sum"] == 3
    assert sync.json()["thread"] != "dualweb-worker"
    assert sync.json()["thread"] != threading.current_thread().name
    assert form.json() == {"name": "ada"}
    assert async_.json() == {"thread": threading.current_thread().name}


def test_a_caller_cancelled_by_an_anyio_scope_waits_for_its_call_without_spinning() -> None:
    # anyio redelivers a cancelled scope's cancellation at every turn of the loop; the
    # wait for a call that goes on in its thread is shielded from it, so the loop sleeps
    # instead of turning through CancelledErrors (a spin that starved the threads).
    import time

    import anyio

    from dualweb.starlette import _to_thread

    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.4)
        finished.set()

    async def main() -> tuple[float, float, bool]:
        cpu, wall = time.process_time(), time.perf_counter()
        with anyio.move_on_after(0.05) as scope:
            await _to_thread(slow, (), {})
        return time.process_time() - cpu, time.perf_counter() - wall, scope.cancelled_caught

    cpu, wall, cancelled = asyncio.run(main())
    assert cancelled and finished.is_set()  # cancelled, yet it waited for the call
    assert wall >= 0.35
    assert cpu < wall / 2, f"the wait spun: {cpu:.3f} s of CPU in {wall:.3f} s"


@pytest.mark.parametrize("target", ["starlette", "fastapi"])
def test_an_async_handlers_sync_dependencies_are_solved_in_one_hop(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dualweb.testing import build_app, client_for_app

    hops: list[Any] = []
    original = ThreadHop.__call__

    async def counted(self: ThreadHop, func: Any, args: Any, kwargs: Any) -> Any:
        hops.append(func)
        return await original(self, func, args, kwargs)

    monkeypatch.setattr(ThreadHop, "__call__", counted)
    seen: dict[str, Any] = {}

    def first() -> int:
        seen["first"] = threading.current_thread().name
        VAR.set("set by first")  # in its own copy of the context, as in a hop of its own
        return 1

    def second(a: int = dualweb.Depends(first)) -> Any:
        seen["second"] = (threading.current_thread().name, VAR.get())
        yield a + 1
        seen["teardown"] = threading.current_thread().name

    router = dualweb.Router()

    @router.get("/deps")
    async def deps(a: int = dualweb.Depends(first), b: int = dualweb.Depends(second)) -> Any:
        return {"a": a, "b": b, "var": VAR.get(), "thread": threading.current_thread().name}

    with client_for_app(build_app(router, target)) as client:
        hops.clear()
        answer = client.get("/deps").json()
    assert answer["a"] == 1 and answer["b"] == 2
    assert answer["var"] == "unset" and seen["second"][1] == "unset"
    assert answer["thread"] != "dualweb-worker"
    assert seen["first"] == seen["second"][0] == seen["teardown"] == "dualweb-worker"
    assert len(hops) == 2, hops  # the two dependencies in one hop; the teardown in another

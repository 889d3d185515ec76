"""in_context: a coroutine run in a context of the caller's choosing, on any loop.

A WSGI thread runs one request's async code in two tasks (the handler, then the
teardown after the response): with the request's context in both, what the first
sets the second sees. Results, exceptions, cancellation and closing pass through.
"""

import asyncio
import contextvars

import pytest

from dualweb._core.concurrency import LoopThread, drive, in_context, run_on_thread_loop

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def set_var(value: str) -> contextvars.Token[str]:
    await asyncio.sleep(0)  # a real suspension: the step after it runs in the context too
    return VAR.set(value)


async def reset_var(token: contextvars.Token[str]) -> str:
    seen = VAR.get()
    await asyncio.sleep(0)
    VAR.reset(token)
    return seen


def test_two_tasks_of_a_thread_loop_share_the_context():
    context = contextvars.copy_context()
    token = run_on_thread_loop(in_context(set_var("request"), context))
    assert VAR.get() == "unset"  # the caller's own context is untouched
    assert context[VAR] == "request"
    assert run_on_thread_loop(in_context(reset_var(token), context)) == "request"
    assert VAR not in context or context[VAR] == "unset"


def test_two_tasks_of_a_loop_thread_share_the_context():
    loop = LoopThread("test-in-context")
    try:
        context = contextvars.copy_context()
        token = loop.run(in_context(set_var("request"), context), timeout=10)
        assert loop.run(in_context(reset_var(token), context), timeout=10) == "request"
    finally:
        loop.stop(10)


def test_without_it_the_second_task_sees_a_copy():
    token = run_on_thread_loop(set_var("lost"))
    with pytest.raises(ValueError, match="different Context"):
        run_on_thread_loop(reset_var(token))


def test_a_coroutine_that_never_suspends_is_driven_without_a_loop():
    async def plain() -> str:
        VAR.set("driven")
        return "done"

    context = contextvars.copy_context()
    assert drive(in_context(plain(), context)) == "done"
    assert context[VAR] == "driven"


def test_exceptions_reach_the_coroutine_and_the_caller():
    caught: list[str] = []

    async def failing() -> None:
        try:
            await asyncio.sleep(0)
            raise LookupError("inner")
        finally:
            caught.append(VAR.get())

    context = contextvars.copy_context()
    context.run(VAR.set, "ctx")
    with pytest.raises(LookupError, match="inner"):
        run_on_thread_loop(in_context(failing(), context))
    assert caught == ["ctx"]


def test_a_cancellation_is_thrown_into_the_coroutine_in_the_context():
    seen: list[str] = []

    async def waits() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append(VAR.get())
            raise

    async def main() -> None:
        context = contextvars.copy_context()
        context.run(VAR.set, "ctx")
        task = asyncio.ensure_future(in_context(waits(), context))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert seen == ["ctx"]


def test_closing_closes_the_coroutine_in_the_context():
    seen: list[str] = []

    async def waits() -> None:
        try:
            await asyncio.sleep(0)  # (a bare yield: no loop needed to get here)
        finally:
            seen.append(VAR.get())

    context = contextvars.copy_context()
    context.run(VAR.set, "ctx")
    outer = in_context(waits(), context)
    outer.send(None)  # suspended in asyncio.sleep
    outer.close()
    assert seen == ["ctx"]

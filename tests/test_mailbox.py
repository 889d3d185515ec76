"""Mailbox: items put from any thread, taken in order by one awaiting or blocking consumer."""

import asyncio
import threading
import time

import pytest

from dualweb._core.mailbox import Mailbox


def test_items_come_out_in_order_sync():
    box: Mailbox[int] = Mailbox()
    for k in range(5):
        box.put(k)
    assert len(box) == 5
    assert [box.get_sync(timeout=1) for _ in range(5)] == [0, 1, 2, 3, 4]
    assert len(box) == 0


def test_get_sync_times_out():
    box: Mailbox[int] = Mailbox()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        box.get_sync(timeout=0.05)
    assert time.monotonic() - started >= 0.04  # it waited (no upper bound: shared machines)


def test_get_sync_wakes_on_a_put_from_another_thread():
    box: Mailbox[str] = Mailbox()
    timer = threading.Timer(0.05, box.put, args=("late",))
    timer.start()
    try:
        assert box.get_sync(timeout=2) == "late"
    finally:
        timer.join(2)


def test_get_awaits_items_put_from_threads_in_order_without_blocking_the_loop():
    box: Mailbox[int] = Mailbox()
    ticked = threading.Event()
    seen_ticking: list[bool] = []

    def producer() -> None:
        for k in range(50):
            if k % 10 == 0:
                # Only while the consumer waits: the loop must still give the ticker turns
                # (a get() that blocked the loop would leave it none, and this wait fails).
                ticked.clear()
                seen_ticking.append(ticked.wait(10))
            box.put(k)

    async def main() -> tuple[list[int], int]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                ticked.set()
                await asyncio.sleep(0.001)

        tick_task = asyncio.create_task(ticker())
        await asyncio.sleep(0)  # let the ticker start before anything arrives
        thread = threading.Thread(target=producer)
        thread.start()
        got = [await asyncio.wait_for(box.get(), 2) for _ in range(50)]
        stop.set()
        await tick_task
        thread.join(2)
        return got, ticks

    got, ticks = asyncio.run(main())
    assert got == list(range(50))
    assert seen_ticking == [True] * 5
    assert ticks >= 5


def test_a_waiting_get_lets_other_tasks_run():
    box: Mailbox[str] = Mailbox()

    async def main() -> tuple[str, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            for _ in range(20):
                ticks += 1
                await asyncio.sleep(0.005)
            box.put("done")  # from the loop's own thread: a put there wakes too

        task = asyncio.create_task(ticker())
        item = await asyncio.wait_for(box.get(), 2)
        await task
        return item, ticks

    assert asyncio.run(main()) == ("done", 20)


def test_a_cancelled_get_loses_nothing_and_leaves_the_mailbox_usable():
    box: Mailbox[str] = Mailbox()

    async def main() -> list[str]:
        waiting = asyncio.create_task(box.get())
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        box.put("a")
        # cancelled after its wake-up was scheduled: the item must stay for the next get
        racing = asyncio.create_task(box.get())
        await asyncio.sleep(0.01)
        assert racing.done()
        first = racing.result()
        late = asyncio.create_task(box.get())
        await asyncio.sleep(0)
        box.put("b")
        late.cancel()  # the wake-up is on its way; the cancellation wins
        with pytest.raises(asyncio.CancelledError):
            await late
        threading.Thread(target=box.put, args=("c",)).start()
        rest = [await asyncio.wait_for(box.get(), 2), await asyncio.wait_for(box.get(), 2)]
        return [first, *rest]

    assert asyncio.run(main()) == ["a", "b", "c"]


def test_a_second_concurrent_consumer_is_an_error():
    box: Mailbox[int] = Mailbox()

    async def main() -> None:
        first = asyncio.create_task(box.get())
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="another consumer"):
            await box.get()
        box.put(1)
        assert await asyncio.wait_for(first, 2) == 1

    asyncio.run(main())


def test_the_consumer_may_move_between_loops():
    box: Mailbox[int] = Mailbox()
    threading.Timer(0.02, box.put, args=(1,)).start()
    assert asyncio.run(asyncio.wait_for(box.get(), 2)) == 1
    threading.Timer(0.02, box.put, args=(2,)).start()
    assert asyncio.run(asyncio.wait_for(box.get(), 2)) == 2

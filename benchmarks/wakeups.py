"""What a thread wake-up costs here: ``python -m benchmarks.wakeups [--trials N]``.

A thread-pool hop wakes two threads: the worker, then the event loop's thread.
Two threads hand a token back and forth through a pair of queues, first where
the scheduler places them, then on one CPU; each trial starts fresh threads
and reports the median round trip (two wake-ups). Where a wake-up must rouse
an idle CPU (on a virtual machine, a halted vCPU), it costs far more than a
switch between two threads on one CPU, and which of the two a trial gets is
the scheduler's choice; this is what moves the ``def`` rows of the in-process
harness from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import threading
import time
from typing import Any


def round_trip(exchanges: int) -> float:
    """Median microseconds for one token to go to a fresh thread and back."""
    there: queue.SimpleQueue[int] = queue.SimpleQueue()
    back: queue.SimpleQueue[int] = queue.SimpleQueue()

    def echo() -> None:
        for _ in range(exchanges):
            back.put(there.get())

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    times = []
    for n in range(exchanges):
        start = time.perf_counter()
        there.put(n)
        back.get()
        times.append(time.perf_counter() - start)
    thread.join()
    return statistics.median(times[exchanges // 10 :]) * 1e6


def measure(trials: int, exchanges: int) -> dict[str, Any]:
    result: dict[str, Any] = {"free": [round_trip(exchanges) for _ in range(trials)]}
    if hasattr(os, "sched_setaffinity"):
        allowed = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(allowed)})
        try:
            result["one_cpu"] = [round_trip(exchanges) for _ in range(trials)]
        finally:
            os.sched_setaffinity(0, allowed)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--exchanges", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args(argv)
    result = measure(args.trials, args.exchanges)
    if args.json:
        print(json.dumps(result))
        return 0
    for name, values in result.items():
        cells = ", ".join(f"{value:.1f}" for value in values)
        print(f"{name:8s} round trip, µs per trial: {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

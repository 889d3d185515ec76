"""The app that ``test_load`` serves with real servers and floods with requests.

Every request carries a unique id, ``RUN-N``, in its path, in its ``X-Request-Id``
header and (for a POST) in its JSON body. The id travels through every kind of
dependency dualweb solves: a sync and an async sub-dependency derive a value from
the header, a ``yield`` dependency (sync for ``def`` handlers, async for ``async
def`` ones) takes both, and records its set-up and its teardown under the id; the
async one also sets a context variable that its handler reads and its teardown
checks. Each handler adds a background task that records the id again.

``Records`` counts those events per run and per id, in the server's process;
``GET /stats/{run}`` sums them up (how many ids saw each event how many times,
a digest of the ids, the values a teardown found crossed) and, with
``?forget=true``, drops the run, so that rounds of requests leave nothing behind.
``flask_app``, ``fastapi_app`` and ``starlette_app`` serve the router on each host.
"""

import asyncio
import collections
import contextvars
import gc
import hashlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import fastapi
import flask
import starlette.applications
from pydantic import BaseModel, ConfigDict

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import BackgroundTasks, Depends, Header, Router

#: What ``Records`` counts for each request id.
EVENTS = ("set_up", "torn_down", "task", "crossed")


class Records:
    """Per run and per request id, how often each of ``EVENTS`` happened (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, dict[str, list[int]]] = {}

    def add(self, rid: str, event: str) -> None:
        run = rid.rpartition("-")[0]
        with self._lock:
            counts = self._runs.setdefault(run, {}).setdefault(rid, [0] * len(EVENTS))
            counts[EVENTS.index(event)] += 1

    def summary(self, run: str, forget: bool = False) -> dict[str, Any]:
        """For each event, how many ids saw it how many times; the ids' digest."""
        with self._lock:
            ids = self._runs.pop(run, {}) if forget else dict(self._runs.get(run, {}))
        if forget:
            gc.collect()  # so that "blocks" counts what the run left alive
        histograms: dict[str, collections.Counter[int]] = {e: collections.Counter() for e in EVENTS}
        for counts in ids.values():
            for event, count in zip(EVENTS, counts, strict=True):
                histograms[event][count] += 1
        return {
            "ids": len(ids),
            "digest": digest(ids),
            **{event: {str(k): v for k, v in sorted(h.items())} for event, h in histograms.items()},
            "threads": threading.active_count(),
            "pid": os.getpid(),
            "blocks": sys.getallocatedblocks(),  # Python's own heap, in blocks
        }


def digest(ids: Any) -> str:
    """One hash of a set of request ids, the same on both sides of the socket."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


records = Records()
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("current", default=None)

RequestId = Annotated[str, Header()]


def from_header_sync(x_request_id: RequestId) -> str:
    return f"sync:{x_request_id}"


async def from_header_async(x_request_id: RequestId) -> str:
    await asyncio.sleep(0)  # a real suspension: another request's task runs meanwhile
    return f"async:{x_request_id}"


FromSync = Annotated[str, Depends(from_header_sync)]
FromAsync = Annotated[str, Depends(from_header_async)]


def held_sync(x_request_id: RequestId, sync: FromSync, asynchronous: FromAsync) -> Iterator[dict]:
    records.add(x_request_id, "set_up")
    held = {"rid": x_request_id, "sync": sync, "async": asynchronous}
    try:
        yield held
    finally:
        _tear_down(x_request_id, held)


async def held_async(
    x_request_id: RequestId, sync: FromSync, asynchronous: FromAsync
) -> AsyncIterator[dict]:
    records.add(x_request_id, "set_up")
    token = _current.set(x_request_id)
    held = {"rid": x_request_id, "sync": sync, "async": asynchronous}
    try:
        yield held
    finally:
        context = _current.get()
        _current.reset(token)
        _tear_down(x_request_id, {**held, "context": context}, context=x_request_id)


def _tear_down(rid: str, seen: dict, **more: str) -> None:
    # What a teardown finds must be its own request's values, as they were at set-up.
    mine = {"rid": rid, "sync": f"sync:{rid}", "async": f"async:{rid}", **more}
    records.add(rid, "torn_down" if seen == mine else "crossed")


HeldSync = Annotated[dict, Depends(held_sync)]
HeldAsync = Annotated[dict, Depends(held_async)]


class Item(BaseModel):
    # NOTE: pydantic-core keeps up to 16,384 short strings parsed from JSON, per thread,
    # to reuse them: a bounded cache, but one that unique ids fill for that long, which a
    # memory test would read as a leak. Without it, what grows is dualweb's alone.
    model_config = ConfigDict(cache_strings=False)

    rid: str
    n: int


def record_task(rid: str) -> None:
    records.add(rid, "task")


async def record_task_async(rid: str) -> None:
    await asyncio.sleep(0)
    records.add(rid, "task")


router = Router()


@router.get("/sync/{rid}")
def get_sync(rid: str, x_request_id: RequestId, held: HeldSync, tasks: BackgroundTasks) -> dict:
    tasks.add_task(record_task, rid)
    return {"path": rid, "header": x_request_id, "held": held}


@router.get("/async/{rid}")
async def get_async(
    rid: str, x_request_id: RequestId, held: HeldAsync, tasks: BackgroundTasks
) -> dict:
    tasks.add_task(record_task_async, rid)
    return {"path": rid, "header": x_request_id, "held": held, "context": _current.get()}


@router.post("/sync/{rid}")
def post_sync(
    rid: str, item: Item, x_request_id: RequestId, held: HeldSync, tasks: BackgroundTasks
) -> dict:
    tasks.add_task(record_task_async, rid)  # an async task after a def handler
    return {"path": rid, "header": x_request_id, "held": held, "body": item}


@router.post("/async/{rid}")
async def post_async(
    rid: str, item: Item, x_request_id: RequestId, held: HeldAsync, tasks: BackgroundTasks
) -> dict:
    tasks.add_task(record_task, rid)  # a def task after an async handler
    return {
        "path": rid,
        "header": x_request_id,
        "held": held,
        "body": item,
        "context": _current.get(),
    }


@router.get("/stats/{run}")
def read_stats(run: str, forget: bool = False) -> dict[str, Any]:
    return records.summary(run, forget)


flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, router)

fastapi_app = fastapi.FastAPI()
dualweb.fastapi.mount(fastapi_app, router)

starlette_app = starlette.applications.Starlette()
dualweb.starlette.mount(starlette_app, router)

"""Streams that clients leave mid-way, served by real servers in ``test_disconnects``.

Each stream route has a yield dependency and a generator that yields an item
every ``TICK`` seconds for far longer than any test waits; ``GET /stats`` tells,
per route, how many streams started, how many generators got to their
``finally`` (closed) and how many dependencies were torn down. ``flask_app``,
``fastapi_app`` and ``starlette_app`` serve the router on each host;
``native_app`` is native FastAPI with the same handlers, for comparison.
"""

import asyncio
import collections
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import fastapi
import fastapi.responses
import fastapi.sse
import flask
import starlette.applications

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import Depends, Router
from dualweb.responses import StreamingResponse
from dualweb.sse import EventSourceResponse

#: Seconds between two items of a stream.
TICK = 0.05
#: Items a stream yields before it ends by itself (minutes of streaming).
ITEMS = 4000

_lock = threading.Lock()
_stats: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)


def _count(route: str, event: str) -> None:
    with _lock:
        _stats[route][event] += 1


def stats() -> dict[str, dict[str, int]]:
    with _lock:
        return {route: dict(counts) for route, counts in _stats.items()}


class Session:
    """What a stream's yield dependency gives it: its route, and whether it has ended."""

    def __init__(self, route: str) -> None:
        self.route = route
        self.closed = False


def _session(route: str) -> Any:
    def session() -> Iterator[Session]:
        _count(route, "opened")
        state = Session(route)
        try:
            yield state
        except Exception as exc:  # a stream that failed: the teardown sees its error
            _count(route, f"torn_down_after_{type(exc).__name__}")
            raise
        finally:
            _count(route, "torn_down" if state.closed else "torn_down_while_open")

    return session


def _ticks_sync(session: Session, kind: str) -> Iterator[Any]:
    _count(session.route, "started")
    try:
        for n in range(ITEMS):
            yield _item(kind, n)
            time.sleep(TICK)
            if kind == "fail":
                raise RuntimeError("the stream broke")
    finally:
        _count(session.route, "closed")
        session.closed = True


async def _ticks_async(session: Session, kind: str) -> AsyncIterator[Any]:
    _count(session.route, "started")
    try:
        for n in range(ITEMS):
            yield _item(kind, n)
            await asyncio.sleep(TICK)
            if kind == "fail":
                raise RuntimeError("the stream broke")
    finally:
        _count(session.route, "closed")
        session.closed = True


def _item(kind: str, n: int) -> Any:
    return f"tick {n}\n" if kind == "raw" else {"n": n}


#: The stream routes: path -> (kind, colour). "fail" streams JSON Lines, and raises
#: after the first line.
STREAMS = {
    f"/{kind}/{colour}": (kind, colour)
    for kind in ("jsonl", "sse", "raw", "fail")
    for colour in ("sync", "async")
}


def _handlers(depends: Any) -> dict[str, Any]:
    handlers = {}
    for path, (kind, colour) in STREAMS.items():

        def make(path: str = path, kind: str = kind, colour: str = colour) -> Any:
            dependency = Annotated[Session, depends(_session(path))]
            if colour == "sync":

                def handler(session: dependency) -> Iterator[Any]:  # type: ignore[valid-type]
                    yield from _ticks_sync(session, kind)

            else:

                async def handler(session: dependency) -> AsyncIterator[Any]:  # type: ignore[valid-type]
                    async for item in _ticks_async(session, kind):
                        yield item

            return handler

        handlers[path] = make()
    return handlers


router = Router()
for _path, _handler in _handlers(Depends).items():
    _kind = STREAMS[_path][0]
    _options: dict[str, Any] = {}
    if _kind == "sse":
        _options["response_class"] = EventSourceResponse
    elif _kind == "raw":
        _options["response_class"] = StreamingResponse
    router.get(_path, **_options)(_handler)


@router.get("/stats")
def read_stats() -> dict[str, dict[str, int]]:
    return stats()


flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, router)

fastapi_app = fastapi.FastAPI()
dualweb.fastapi.mount(fastapi_app, router)

starlette_app = starlette.applications.Starlette()
dualweb.starlette.mount(starlette_app, router)

native_app = fastapi.FastAPI()
for _path, _handler in _handlers(fastapi.Depends).items():
    _kind = STREAMS[_path][0]
    _native: dict[str, Any] = {}
    if _kind == "sse":
        _native["response_class"] = fastapi.sse.EventSourceResponse
    elif _kind == "raw":
        _native["response_class"] = fastapi.responses.StreamingResponse
    native_app.get(_path, **_native)(_handler)
native_app.get("/stats")(read_stats)

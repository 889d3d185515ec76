"""The app that ``test_faults`` serves with real servers and treats badly.

Every route takes a request id in its path and a ``yield`` dependency that counts,
under that id, its set-up and its teardown (and the error a teardown sees);
``GET /stats/{rid}`` answers those counts, with the number of threads the server's
process runs (and how many of them are anyio's worker threads) and how many exceptions the
host's own error handling saw.

- ``POST /upload/{colour}/{rid}`` reads the body as it comes (``stream_sync`` or
  ``stream``) and answers its size: for clients that leave mid-upload, or trickle.
- ``GET /big/{colour}/{rid}`` answers ``BIG`` bytes, then runs a background task:
  for clients that leave mid-response.
- ``GET /fail/{colour}/{rid}`` raises ``Boom``, which reaches the host's handler for
  ``Exception`` (Flask's ``errorhandler``, which logs it; the ``exception_handlers`` of
  FastAPI and Starlette, after which Starlette hands it to the server, which logs it):
  they answer 500 ``{"handled": "Boom"}``.
- ``GET /failing-task/{colour}/{rid}`` answers, then runs a task that raises and one
  that counts.
- ``GET /together`` waits until ``TOGETHER`` requests wait with it: they all get an
  answer only if that many threads are free to run ``def`` handlers at once.
"""

import asyncio
import collections
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import fastapi
import flask
import starlette.applications
import werkzeug.exceptions
from starlette.responses import JSONResponse as StarletteJSON

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import BackgroundTasks, Depends, Request, Router
from dualweb.responses import Response

#: The size of a ``/big`` answer: more than any socket buffer takes at once.
BIG = 16 * 1024 * 1024
#: How many ``/together`` requests must wait at once for all of them to be answered.
TOGETHER = 8
#: How long a ``/together`` request waits for the others.
TOGETHER_TIMEOUT = 10.0

_lock = threading.Lock()
_counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
_handled: collections.Counter[str] = collections.Counter()


def count(rid: str, event: str) -> None:
    with _lock:
        _counts[rid][event] += 1


class Boom(Exception):
    """What ``/fail`` raises."""


def held_sync(rid: str) -> Iterator[str]:
    count(rid, "set_up")
    try:
        yield rid
    except Exception as exc:
        count(rid, f"saw_{type(exc).__name__}")
        raise
    finally:
        count(rid, "torn_down")


async def held_async(rid: str) -> AsyncIterator[str]:
    count(rid, "set_up")
    try:
        yield rid
    except Exception as exc:
        count(rid, f"saw_{type(exc).__name__}")
        raise
    finally:
        count(rid, "torn_down")


HeldSync = Annotated[str, Depends(held_sync)]
HeldAsync = Annotated[str, Depends(held_async)]

router = Router()


@router.post("/upload/sync/{rid}")
def upload_sync(rid: HeldSync, request: Request) -> dict:
    return {"size": sum(len(chunk) for chunk in request.stream_sync())}


@router.post("/upload/async/{rid}")
async def upload_async(rid: HeldAsync, request: Request) -> dict:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"size": size}


def task(rid: str) -> None:
    count(rid, "task")


def failing_task(rid: str) -> None:
    raise Boom(f"task of {rid}")


@router.get("/big/sync/{rid}")
def big_sync(rid: HeldSync, tasks: BackgroundTasks) -> Response:
    tasks.add_task(task, rid)
    return Response(b"x" * BIG, media_type="application/octet-stream")


@router.get("/big/async/{rid}")
async def big_async(rid: HeldAsync, tasks: BackgroundTasks) -> Response:
    tasks.add_task(task, rid)
    return Response(b"x" * BIG, media_type="application/octet-stream")


@router.get("/fail/sync/{rid}")
def fail_sync(rid: HeldSync) -> dict:
    raise Boom(f"handler of {rid}")


@router.get("/fail/async/{rid}")
async def fail_async(rid: HeldAsync) -> dict:
    await asyncio.sleep(0)
    raise Boom(f"handler of {rid}")


@router.get("/failing-task/sync/{rid}")
def failing_task_sync(rid: HeldSync, tasks: BackgroundTasks) -> dict:
    tasks.add_task(failing_task, rid)
    tasks.add_task(task, rid)
    return {"rid": rid}


@router.get("/failing-task/async/{rid}")
async def failing_task_async(rid: HeldAsync, tasks: BackgroundTasks) -> dict:
    tasks.add_task(failing_task, rid)
    tasks.add_task(task, rid)
    return {"rid": rid}


_together = threading.Barrier(TOGETHER)


@router.get("/together")
def together() -> dict:
    try:
        _together.wait(TOGETHER_TIMEOUT)
    except threading.BrokenBarrierError:
        _together.reset()
        return {"together": False}
    return {"together": True}


@router.get("/stats/{rid}")
def read_stats(rid: str) -> dict[str, Any]:
    with _lock:
        return {
            "counts": dict(_counts.get(rid, {})),
            "handled": dict(_handled),
            "threads": threading.active_count(),
            # anyio's pool (an ASGI host's ``def`` handlers) grows as they need and lets a
            # thread idle for 10 s go: its size says nothing of threads left blocked.
            "anyio_threads": sum(t.name == "AnyIO worker thread" for t in threading.enumerate()),
        }


def _handled_by_host(exc: BaseException) -> dict:
    with _lock:
        _handled[type(exc).__name__] += 1
    return {"handled": type(exc).__name__}


flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, router)


@flask_app.errorhandler(Exception)
def on_flask_exception(exc: Exception) -> Any:
    if isinstance(exc, werkzeug.exceptions.HTTPException):
        return exc  # Flask's own answer to its HTTP errors, as without this handler
    flask_app.logger.exception("on %s", flask.request.path)
    return flask.jsonify(_handled_by_host(exc)), 500


async def _on_asgi_exception(request: Any, exc: Exception) -> StarletteJSON:
    return StarletteJSON(_handled_by_host(exc), status_code=500)


fastapi_app = fastapi.FastAPI(exception_handlers={Exception: _on_asgi_exception})
dualweb.fastapi.mount(fastapi_app, router)

starlette_app = starlette.applications.Starlette(exception_handlers={Exception: _on_asgi_exception})
dualweb.starlette.mount(starlette_app, router)

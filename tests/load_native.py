"""``load_app``'s routes written without dualweb: plain Flask views, and FastAPI's own
``Depends``, ``Header`` and ``BackgroundTasks``, over the same dependencies' logic,
the same pydantic model and the same ``records``.

They answer ``test_load``'s requests exactly as ``load_app`` does, so that the memory
of a real server serving them is a baseline for the same server serving dualweb
(``python -m benchmarks.rss``; benchmarks/LOG.md, "Load and memory").
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

import fastapi
import flask

from tests.load_app import (
    Item,
    _current,
    held_async,
    held_sync,
    record_task,
    record_task_async,
    records,
)

# --- Flask: views call the dependencies themselves ------------------------------------


def _flask_held_sync(rid: str) -> Iterator[dict[str, Any]]:
    return held_sync(rid, f"sync:{rid}", asyncio.run(_async_part(rid)))


async def _async_part(rid: str) -> str:
    await asyncio.sleep(0)
    return f"async:{rid}"


def _after(response: flask.Response, *calls: Callable[[], Any]) -> flask.Response:
    # Teardown and task after the body is sent, as dualweb does on Flask.
    def run() -> None:
        for call in calls:
            call()

    response.call_on_close(run)
    return response


def _flask_sync(rid: str, with_body: bool) -> flask.Response:
    header = flask.request.headers["X-Request-Id"]
    dependency = _flask_held_sync(header)
    held = next(dependency)
    answer: dict[str, Any] = {"path": rid, "header": header, "held": held}
    if with_body:
        answer["body"] = Item.model_validate_json(flask.request.get_data()).model_dump()
        task: Callable[[], Any] = lambda: asyncio.run(record_task_async(rid))  # noqa: E731
    else:
        task = lambda: record_task(rid)  # noqa: E731
    return _after(flask.jsonify(answer), lambda: next(dependency, None), task)


async def _flask_async(rid: str, with_body: bool) -> flask.Response:
    header = flask.request.headers["X-Request-Id"]
    dependency = held_async(header, f"sync:{header}", await _async_part(header))
    held = await anext(dependency)
    answer: dict[str, Any] = {"path": rid, "header": header, "held": held}
    if with_body:
        answer["body"] = Item.model_validate_json(flask.request.get_data()).model_dump()
    answer["context"] = _current.get()
    # The async teardown must run in the loop of this view (asgiref's, gone after it):
    # run it now, after the answer is built, as the closest a Flask view gets.
    with contextlib.suppress(StopAsyncIteration):
        await anext(dependency)
    if with_body:
        task: Callable[[], Any] = lambda: record_task(rid)  # noqa: E731
    else:
        task = lambda: asyncio.run(record_task_async(rid))  # noqa: E731
    return _after(flask.jsonify(answer), task)


flask_app = flask.Flask(__name__)


@flask_app.get("/sync/<rid>")
def flask_get_sync(rid: str) -> flask.Response:
    return _flask_sync(rid, with_body=False)


@flask_app.post("/sync/<rid>")
def flask_post_sync(rid: str) -> flask.Response:
    return _flask_sync(rid, with_body=True)


@flask_app.get("/async/<rid>")
async def flask_get_async(rid: str) -> flask.Response:
    return await _flask_async(rid, with_body=False)


@flask_app.post("/async/<rid>")
async def flask_post_async(rid: str) -> flask.Response:
    return await _flask_async(rid, with_body=True)


@flask_app.get("/stats/<run>")
def flask_stats(run: str) -> flask.Response:
    return flask.jsonify(records.summary(run, flask.request.args.get("forget") == "true"))


# --- FastAPI: its own dependency injection --------------------------------------------

RequestId = Annotated[str, fastapi.Header()]


def from_header_sync(x_request_id: RequestId) -> str:
    return f"sync:{x_request_id}"


async def from_header_async(x_request_id: RequestId) -> str:
    await asyncio.sleep(0)
    return f"async:{x_request_id}"


FromSync = Annotated[str, fastapi.Depends(from_header_sync)]
FromAsync = Annotated[str, fastapi.Depends(from_header_async)]


def fastapi_held_sync(
    x_request_id: RequestId, sync: FromSync, asynchronous: FromAsync
) -> Iterator[dict[str, Any]]:
    yield from held_sync(x_request_id, sync, asynchronous)


async def fastapi_held_async(
    x_request_id: RequestId, sync: FromSync, asynchronous: FromAsync
) -> AsyncIterator[dict[str, Any]]:
    async for held in held_async(x_request_id, sync, asynchronous):
        yield held


HeldSync = Annotated[dict[str, Any], fastapi.Depends(fastapi_held_sync)]
HeldAsync = Annotated[dict[str, Any], fastapi.Depends(fastapi_held_async)]
Tasks = fastapi.BackgroundTasks

fastapi_app = fastapi.FastAPI()


@fastapi_app.get("/sync/{rid}")
def get_sync(rid: str, x_request_id: RequestId, held: HeldSync, tasks: Tasks) -> dict[str, Any]:
    tasks.add_task(record_task, rid)
    return {"path": rid, "header": x_request_id, "held": held}


@fastapi_app.get("/async/{rid}")
async def get_async(
    rid: str, x_request_id: RequestId, held: HeldAsync, tasks: Tasks
) -> dict[str, Any]:
    tasks.add_task(record_task_async, rid)
    return {"path": rid, "header": x_request_id, "held": held, "context": _current.get()}


@fastapi_app.post("/sync/{rid}")
def post_sync(
    rid: str, item: Item, x_request_id: RequestId, held: HeldSync, tasks: Tasks
) -> dict[str, Any]:
    tasks.add_task(record_task_async, rid)
    return {"path": rid, "header": x_request_id, "held": held, "body": item}


@fastapi_app.post("/async/{rid}")
async def post_async(
    rid: str, item: Item, x_request_id: RequestId, held: HeldAsync, tasks: Tasks
) -> dict[str, Any]:
    tasks.add_task(record_task, rid)
    return {
        "path": rid,
        "header": x_request_id,
        "held": held,
        "body": item,
        "context": _current.get(),
    }


@fastapi_app.get("/stats/{run}")
def read_stats(run: str, forget: bool = False) -> dict[str, Any]:
    return records.summary(run, forget)

"""Background tasks: queued by handlers and dependencies, run after the response is sent,
in order, before the teardown of ``yield`` dependencies (FastAPI's order), on every host."""

import asyncio
import functools
import json
import logging
import threading

import pytest

from dualweb.testing import build_app
from tests._helpers import WAIT, recorded, wait_until, wait_until_async
from tests._servers import fetch, serving
from tests.conftest import DUALWEB

# --- tasks from handlers and dependencies -------------------------------------------------


def make_tasks(api, log):
    router = api.Router()

    def write(message, *, suffix=""):
        log.append(f"{message}{suffix}")

    async def write_async(message, times=1):
        await asyncio.sleep(0)
        log.extend([f"async {message}"] * times)

    class Callable:
        def __call__(self, message):
            log.append(f"callable {message}")

    def queue_in_dependency(tasks: api.BackgroundTasks):
        tasks.add_task(write, "from dependency")
        return tasks

    @router.post("/sync")
    def sync_handler(tasks: api.BackgroundTasks, name: str = "x"):
        tasks.add_task(write, "first", suffix=f" {name}")
        tasks.add_task(write_async, "second", times=2)
        tasks.add_task(Callable(), "third")
        tasks.add_task(functools.partial(write_async, "partial"))
        log.append("handler")
        return {"queued": 4}

    @router.post("/async")
    async def async_handler(tasks: api.BackgroundTasks):
        tasks.add_task(write_async, "only")
        tasks.add_task(write, "then sync")
        log.append("handler")
        return {"queued": 2}

    @router.post("/dependency")
    def with_dependency(
        tasks: api.BackgroundTasks, same: api.BackgroundTasks = api.Depends(queue_in_dependency)
    ):
        tasks.add_task(write, "from handler")
        log.append(f"same object: {same is tasks}")
        return {}

    @router.post("/dependency-only", dependencies=[api.Depends(queue_in_dependency)])
    async def dependency_only():
        log.append("handler")
        return {}

    @router.post("/returned", status_code=202)
    def returned():
        tasks = api.BackgroundTasks()
        tasks.add_task(write, "on returned response")
        tasks.add_task(write_async, "also on returned response")
        return api.JSONResponse({"returned": True}, status_code=201, background=tasks)

    @router.post("/returned-keeps-its-own")
    def returned_keeps_its_own(param: api.BackgroundTasks):
        # FastAPI: the returned response's own tasks run; the parameter's are dropped.
        param.add_task(write, "dropped")
        own = api.BackgroundTasks()
        own.add_task(write, "own")
        return api.PlainTextResponse("ok", background=own)

    @router.post("/returned-without-tasks")
    def returned_without_tasks(tasks: api.BackgroundTasks):
        # FastAPI: a returned response with no tasks of its own takes the parameter's.
        tasks.add_task(write, "parameter's task")
        return api.PlainTextResponse("ok")

    @router.post("/error")
    def error(tasks: api.BackgroundTasks):
        tasks.add_task(write, "never")
        raise api.HTTPException(status_code=400, detail="no")

    @router.post("/invalid")
    def invalid(tasks: api.BackgroundTasks, n: int):
        tasks.add_task(write, "never")
        return {}

    @router.post("/nothing")
    def nothing(tasks: api.BackgroundTasks):
        return {"queued": len(tasks.tasks)}

    return router


def test_tasks_run_in_order(parity):
    build, logs = recorded(make_tasks)
    cases = {
        "/sync?name=n": [
            "handler",
            "first n",
            "async second",
            "async second",
            "callable third",
            "async partial",
        ],
        "/async": ["handler", "async only", "then sync"],
        "/dependency": ["same object: True", "from dependency", "from handler"],
        "/dependency-only": ["handler", "from dependency"],
        "/returned": ["on returned response", "async also on returned response"],
        "/returned-keeps-its-own": ["own"],
        "/returned-without-tasks": ["parameter's task"],
        "/error": [],
        "/invalid": [],
        "/nothing": [],
    }
    for path, expected in cases.items():
        # Each call builds both sides afresh, compares the responses, and the logs.
        (response,) = parity(build, [("POST", path)])
        assert logs["dualweb"] == expected, path
        assert logs["native"] == expected, path
        if path == "/returned":
            assert (response.status_code, response.json()) == (201, {"returned": True})
        if path == "/nothing":
            assert response.json() == {"queued": 0}


def test_tasks_on_an_exception_handlers_response(parity):
    def make(api, log):
        router = api.Router()

        class Boom(Exception):
            pass

        async def record(text):
            log.append(text)

        def handler(request, exc):
            tasks = api.BackgroundTasks()
            tasks.add_task(log.append, f"sync after {request.url.path}")
            tasks.add_task(record, "async after")
            return api.JSONResponse({"handled": True}, status_code=418, background=tasks)

        @router.get("/boom")
        def boom():
            raise Boom()

        if api.native:
            router._test_exception_handlers = {Boom: handler}
        else:
            router.exception_handler(Boom)(handler)
        return router

    build, logs = recorded(make)
    (response,) = parity(build, [("GET", "/boom")])
    assert (response.status_code, response.json()) == (418, {"handled": True})
    assert logs["dualweb"] == logs["native"] == ["sync after /boom", "async after"]


# --- order with the teardown of yield dependencies ------------------------------------------


def make_with_teardown(api, log):
    router = api.Router()

    def resource(tasks: api.BackgroundTasks):
        log.append("setup")
        tasks.add_task(log.append, "task from dependency")
        yield "r"
        log.append("teardown")

    async def async_resource():
        log.append("async setup")
        yield "a"
        log.append("async teardown")

    @router.get("/sync")
    def sync_handler(tasks: api.BackgroundTasks, r: str = api.Depends(resource)):
        tasks.add_task(log.append, "task from handler")
        log.append("handler")
        return {"r": r}

    @router.get("/mixed")
    async def mixed(
        tasks: api.BackgroundTasks,
        r: str = api.Depends(resource),
        a: str = api.Depends(async_resource),
    ):
        async def task():
            log.append("async task")

        tasks.add_task(task)
        log.append("handler")
        return {"r": r, "a": a}

    return router


def test_tasks_run_before_yield_teardown(parity):
    build, logs = recorded(make_with_teardown)
    parity(build, [("GET", "/sync")])
    expected = ["setup", "handler", "task from dependency", "task from handler", "teardown"]
    assert logs["dualweb"] == logs["native"] == expected
    build, logs = recorded(make_with_teardown)
    parity(build, [("GET", "/mixed")])
    expected = [
        "setup",
        "async setup",
        "handler",
        "task from dependency",
        "async task",
        "async teardown",
        "teardown",
    ]
    assert logs["dualweb"] == logs["native"] == expected


# --- failures ---------------------------------------------------------------------------------


def make_failing(api, log):
    router = api.Router()

    def fail(message):
        raise RuntimeError(message)

    async def fail_async():
        raise ValueError("async failure")

    def cleanup():
        log.append("teardown")
        yield
        log.append("teardown done")

    @router.post("/failing", dependencies=[api.Depends(cleanup)])
    def failing(tasks: api.BackgroundTasks):
        tasks.add_task(log.append, "before")
        tasks.add_task(fail, "sync failure")
        tasks.add_task(log.append, "between")
        tasks.add_task(fail_async)
        tasks.add_task(log.append, "after")
        return {"ok": True}

    return router


def test_a_failing_task_is_logged_and_the_others_still_run(parity, caplog):
    # FastAPI lets a failing task's exception escape and drops the later tasks;
    # dualweb logs it (logger "dualweb") and goes on, on every host.
    build, logs = recorded(make_failing)
    client = parity.client(build)
    with caplog.at_level(logging.ERROR, logger="dualweb"):
        response = client.post("/failing")
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert logs["dualweb"] == ["teardown", "before", "between", "after", "teardown done"]
    failures = [r for r in caplog.records if r.name == "dualweb"]
    assert len(failures) == 2
    assert all(r.levelno == logging.ERROR and "background task" in r.getMessage() for r in failures)
    assert [type(r.exc_info[1]) for r in failures] == [RuntimeError, ValueError]
    assert str(failures[0].exc_info[1]) == "sync failure"
    # The next request is served as usual.
    assert client.post("/failing").json() == {"ok": True}


# --- after the response is sent, on real servers --------------------------------------------


def make_blocking(api, log, gate):
    router = api.Router()

    def sync_task(n):
        log.append(f"sync task {n} started")
        released = gate["release"].wait(WAIT)
        log.append(f"sync task {n} {'released' if released else 'timed out'}")
        gate["done"].set()

    async def async_task(n):
        log.append(f"async task {n} started")
        released = await wait_until_async(gate["release"].is_set, WAIT)
        log.append(f"async task {n} {'released' if released else 'timed out'}")
        gate["done"].set()

    def resource():
        yield
        log.append("teardown")

    @router.get("/sync", dependencies=[api.Depends(resource)])
    def sync_handler(tasks: api.BackgroundTasks):
        tasks.add_task(sync_task, 1)
        return {"body": "x" * 5000}

    @router.get("/async", dependencies=[api.Depends(resource)])
    async def async_handler(tasks: api.BackgroundTasks):
        tasks.add_task(async_task, 2)
        return {"body": "y" * 5000}

    return router


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_tasks_run_after_the_response_is_sent(host, path):
    log = []
    gate = {"release": threading.Event(), "done": threading.Event()}
    app = build_app(make_blocking(DUALWEB, log, gate), host)
    with serving(app) as port:
        try:
            # The whole response arrives while the task is still blocked on the gate.
            status, headers, body = fetch(port, "GET", path)
            assert status == 200
            assert len(json.loads(body)["body"]) == 5000
            assert int(headers["content-length"]) == len(body)
            n = 1 if path == "/sync" else 2
            kind = "sync" if path == "/sync" else "async"
            assert not gate["done"].is_set()
            assert "teardown" not in log
            # The server still answers other requests meanwhile.
            assert fetch(port, "GET", "/missing")[0] == 404
        finally:
            gate["release"].set()
        assert gate["done"].wait(WAIT)
        wait_until(lambda: "teardown" in log, WAIT)
    assert log == [f"{kind} task {n} started", f"{kind} task {n} released", "teardown"]

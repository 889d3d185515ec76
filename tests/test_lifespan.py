"""Lifespans, startup and shutdown handlers, and the state they give requests: on every host
in-process, compared with native FastAPI (real servers: test_lifespan_servers.py)."""

import asyncio
import contextlib
import threading
from typing import Annotated

import flask
import pytest

import dualweb
import dualweb.flask
import dualweb.starlette
from dualweb import Depends, Request, Router
from dualweb.exceptions import DualwebError
from dualweb.testing import TestClient, build_app, client_for_app
from tests.conftest import DUALWEB


def _logged(log, name, state):
    @contextlib.asynccontextmanager
    async def run(app):
        log.append(f"enter {name}")
        yield state
        log.append(f"exit {name}")

    return run


def build_tree(api, log):
    """A router including two: one with event handlers, one with a lifespan that
    includes a third; each lifespan yields state, one key of it clashing."""

    root = api.Router(lifespan=_logged(log, "root", {"a": 1, "clash": "root"}))
    events = api.Router(
        on_startup=[lambda: log.append("startup handler")],
        on_shutdown=[lambda: log.append("shutdown handler")],
    )

    @events.on_event("startup")
    async def async_startup():
        await asyncio.sleep(0)
        log.append("on_event startup")

    outer = api.Router(lifespan=_logged(log, "outer", {"b": 2, "clash": "outer"}))
    inner = api.Router(lifespan=_logged(log, "inner", {"c": 3}))

    def pool(request: api.Request):
        return request.state.a

    @inner.get("/state")
    async def state(request: api.Request, a: Annotated[int, api.Depends(pool)]):
        return {"a": a, "b": request.state.b, "c": request.state.c, "clash": request.state.clash}

    @inner.get("/state-sync")
    def state_sync(request: api.Request):
        return {"a": request.state.a, "clash": request.state.clash}

    outer.include_router(inner)
    root.include_router(events)
    root.include_router(outer)
    return root


def _noop_lifespan():
    # FastAPI runs an included router's event handlers twice under an app without a
    # lifespan of its own (its default lifespan runs them, and so does the router's):
    # the native side gets a lifespan that does nothing, which avoids that.
    @contextlib.asynccontextmanager
    async def noop(app):
        yield

    return noop


def run_native(build, fastapi_ns, paths):
    import fastapi
    from fastapi.testclient import TestClient as FastAPIClient

    app = fastapi.FastAPI(lifespan=_noop_lifespan())
    app.include_router(build(fastapi_ns))
    with FastAPIClient(app) as client:
        return [client.get(path).json() for path in paths]


@pytest.mark.filterwarnings("ignore:\\s*on_event is deprecated:DeprecationWarning")
def test_order_and_state_as_fastapi(host, fastapi_ns):
    logs = {"native": [], "dualweb": []}
    native = run_native(lambda api: build_tree(api, logs["native"]), fastapi_ns, ["/state"])
    client = TestClient(build_tree(DUALWEB, logs["dualweb"]), host)
    with client:
        assert logs["dualweb"][-1] == "enter inner"  # all started on entering
        answers = [client.get(path).json() for path in ["/state"]]
        client.get("/state-sync")
    assert answers == native == [{"a": 1, "b": 2, "c": 3, "clash": "root"}]
    assert (
        logs["dualweb"]
        == logs["native"]
        == [
            "enter root",
            "startup handler",
            "on_event startup",
            "enter outer",
            "enter inner",
            "exit inner",
            "exit outer",
            "shutdown handler",
            "exit root",
        ]
    )


def test_a_dependency_with_teardown_sees_the_state(host):
    router = Router(lifespan=lambda app: _yielding({"pool": ["connection"]}))

    def connection(request: Request):
        taken = request.state.pool.pop()
        yield taken
        request.state.pool.append(taken)

    @router.get("/use")
    def use(conn: Annotated[str, Depends(connection)], request: Request):
        return {"conn": conn, "left": list(request.state.pool)}

    with TestClient(router, host) as client:
        assert client.get("/use").json() == {"conn": "connection", "left": []}
        # The teardown put it back into the lifespan's own pool (state is a shallow copy).
        assert client.get("/use").json() == {"conn": "connection", "left": []}


@contextlib.asynccontextmanager
async def _yielding(state):
    yield state


def build_failing(api, log):
    @contextlib.asynccontextmanager
    async def opens(app):
        log.append("opened")
        try:
            yield
        except LookupError as exc:
            log.append(f"saw {exc}")
            raise
        finally:
            log.append("closed")

    @contextlib.asynccontextmanager
    async def fails(app):
        raise LookupError("no database")
        yield

    root = api.Router(lifespan=opens)
    root.include_router(api.Router(lifespan=fails))
    return root


def test_a_failed_startup_closes_what_it_opened_and_raises(host, fastapi_ns):
    import fastapi
    from fastapi.testclient import TestClient as FastAPIClient

    native_log, log = [], []
    app = fastapi.FastAPI(lifespan=_noop_lifespan())
    app.include_router(build_failing(fastapi_ns, native_log))
    with pytest.raises(LookupError, match="no database"), FastAPIClient(app):
        pass
    client = TestClient(build_failing(DUALWEB, log), host)
    with pytest.raises(LookupError, match="no database"), client:
        pass
    assert log == native_log == ["opened", "saw no database", "closed"]


def test_sync_generator_lifespan_and_async_shutdown_handler(host, fastapi_ns):
    def make(api, log):
        def lifespan(app):
            log.append("sync enter")
            yield {"kind": "sync"}
            log.append("sync exit")

        router = api.Router(lifespan=lifespan)

        async def closing():
            await asyncio.sleep(0)
            log.append("async shutdown")

        inner = api.Router(on_shutdown=[closing])

        @inner.get("/kind")
        def kind(request: api.Request):
            return request.state.kind

        router.include_router(inner)
        return router

    native_log, log = [], []
    assert run_native(lambda api: make(api, native_log), fastapi_ns, ["/kind"]) == ["sync"]
    with TestClient(make(DUALWEB, log), host) as client:
        assert client.get("/kind").json() == "sync"
    assert log == native_log == ["sync enter", "async shutdown", "sync exit"]


@pytest.mark.parametrize("target", ["fastapi", "starlette"])
def test_the_apps_own_lifespan_runs_around_the_routers(target):
    """On ASGI hosts a router's lifespan runs inside the app's own; the app's state wins."""
    import fastapi
    import starlette.applications

    log = []
    router = Router(lifespan=_logged(log, "router", {"who": "router", "r": 1}))

    @router.get("/state")
    def state(request: Request):
        return {"who": request.state.who, "r": request.state.r, "app": type(request.app).__name__}

    own = _logged(log, "app", {"who": "app"})
    if target == "fastapi":
        app = fastapi.FastAPI(lifespan=own)
        dualweb.fastapi.mount(app, router)
    else:
        app = starlette.applications.Starlette(lifespan=own)
        dualweb.starlette.mount(app, router)
    with client_for_app(app) as client:
        assert client.get("/state").json() == {"who": "app", "r": 1, "app": type(app).__name__}
    assert log == ["enter app", "enter router", "exit router", "exit app"]


def test_routers_mounted_on_one_app_start_in_mount_order_each_once(host):
    log = []
    shared = Router(lifespan=_logged(log, "shared", {"shared": True}))
    first = Router(lifespan=_logged(log, "first", None))
    first.include_router(shared, prefix="/a")
    first.include_router(shared, prefix="/b")
    second = Router(on_startup=[lambda: log.append("second startup")])

    @second.get("/s")
    def read(request: Request):
        return request.state.shared

    app = build_app(first, host)
    names = ({"name": "second"}, {"name": "again"}) if host == "flask" else ({}, {})
    getattr(dualweb, host).mount(app, second, prefix="/second", **names[0])
    getattr(dualweb, host).mount(app, shared, prefix="/again", **names[1])
    with client_for_app(app) as client:
        assert client.get("/second/s").json() is True
    assert log == ["enter first", "enter shared", "second startup", "exit shared", "exit first"]


def test_declaring_a_handler_after_mount_is_refused(host):
    router = Router()
    TestClient(router, host)
    with pytest.raises(DualwebError, match="already mounted"):
        router.add_event_handler("startup", lambda: None)
    with pytest.raises(ValueError, match="startup"):
        Router().add_event_handler("start", lambda: None)


def test_lifespan_context_of_a_router_runs_its_tree():
    log = []
    root = Router(lifespan=_logged(log, "root", {"x": 1}))
    root.include_router(Router(lifespan=_logged(log, "child", {"x": 2, "y": 3})))

    async def use():
        async with root.lifespan_context(None) as state:
            return state

    assert asyncio.run(use()) == {"x": 1, "y": 3}
    assert log == ["enter root", "enter child", "exit child", "exit root"]


# --- Flask: once per process, before the first request; the state in `g` -----------------


def flask_app_with_lifespan(log, *, fail_first=False):
    attempts = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        attempts.append(1)
        if fail_first and len(attempts) == 1:
            raise ConnectionError("database not up yet")
        log.append("startup")
        yield {"pool": "the pool", "loop": asyncio.get_running_loop()}
        log.append("shutdown")

    router = Router(lifespan=lifespan)

    @router.get("/pool")
    def pool(request: Request):
        return {"pool": request.state.pool, "hook": request.state.hook}

    app = flask.Flask("lifespan")

    @app.before_request
    def earlier_hook():  # registered before mount: still sees the lifespan's state
        flask.g.hook = f"hook saw {flask.g.get('pool')}"

    dualweb.flask.mount(app, router)

    @app.get("/native")
    def native():
        return {"pool": flask.g.pool}

    return app


def test_flask_starts_at_the_first_request_once_and_fills_g():
    log = []
    app = flask_app_with_lifespan(log)
    client = app.test_client()
    assert log == []  # not at mount (nor at import)
    assert client.get("/pool").json == {"pool": "the pool", "hook": "hook saw the pool"}
    assert client.get("/native").json == {"pool": "the pool"}
    assert log == ["startup"]
    dualweb.flask.shutdown(app)
    assert log == ["startup", "shutdown"]
    dualweb.flask.shutdown(app)  # once
    dualweb.flask.startup(app)  # explicitly, before any request
    assert log == ["startup", "shutdown", "startup"]
    client.get("/pool")
    dualweb.flask.shutdown(app)
    assert log == ["startup", "shutdown", "startup", "shutdown"]


def test_flask_startup_failure_is_a_500_and_the_next_request_tries_again():
    log = []
    app = flask_app_with_lifespan(log, fail_first=True)
    client = app.test_client()
    response = client.get("/pool")
    assert response.status_code == 500
    assert b"database not up yet" not in response.data  # nothing of it reaches the client
    assert client.get("/pool").status_code == 200
    assert log == ["startup"]
    dualweb.flask.shutdown(app)


def test_flask_runs_async_code_on_the_lifespans_loop_from_every_thread():
    """What the lifespan opens on its loop serves every async handler, dependency,
    teardown, background task and streamed body, whichever thread serves the request."""
    seen = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield {"loop": asyncio.get_running_loop(), "lock": asyncio.Lock()}

    router = Router(lifespan=lifespan)

    async def locked(request: Request):
        async with request.state.lock:  # bound to the lifespan's loop
            seen.append(("dependency", asyncio.get_running_loop() is request.state.loop))
            yield
        seen.append(("teardown", asyncio.get_running_loop() is request.state.loop))

    @router.get("/async")
    async def on_loop(request: Request, background: dualweb.BackgroundTasks, _=Depends(locked)):
        async def task():
            seen.append(("task", asyncio.get_running_loop() is request.state.loop))

        background.add_task(task)
        return {
            "same": asyncio.get_running_loop() is request.state.loop,
            "path": flask.request.path,
        }

    @router.get("/stream")
    async def stream(request: Request):
        loop = request.state.loop

        async def chunks():
            for _ in range(3):
                yield str(asyncio.get_running_loop() is loop)

        return dualweb.responses.StreamingResponse(chunks())

    @router.get("/sync")
    def sync():
        return threading.current_thread().name

    app = build_app(router, "flask")
    with client_for_app(app) as client:
        results = []

        def call():
            results.append(client.get("/async").json())

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [{"same": True, "path": "/async"}] * 4
        assert client.get("/stream").text == "TrueTrueTrue"
        assert client.get("/sync").json() != "dualweb-lifespan"  # sync code stays put
    assert sorted(set(seen)) == [("dependency", True), ("task", True), ("teardown", True)]
    assert len(seen) == 12


def test_flask_without_a_lifespan_keeps_async_handlers_on_their_threads_loops():
    router = Router()

    @router.get("/loop")
    async def loop():
        return threading.current_thread().name

    with TestClient(router, "flask") as client:
        assert client.get("/loop").json() == threading.current_thread().name
    assert "dualweb_lifespan" not in repr(build_app(router, "flask").before_request_funcs)


def test_the_test_client_runs_the_lifespan_only_inside_with(host):
    """As Starlette's client: without `with`, no startup (nor, on Flask, a lazy one)."""
    log = []
    router = Router(on_startup=[lambda: log.append("startup")])

    @router.get("/")
    def index():
        return "ok"

    assert TestClient(router, host).get("/").json() == "ok"
    assert log == []
    with TestClient(router, host):
        assert log == ["startup"]


def test_flask_runs_sync_code_of_a_mixed_graph_on_the_servers_threads():
    """With a lifespan's loop shared by every thread, a `def` handler or dependency in a
    graph with async parts still runs on the thread serving its request: two such
    requests meet at a barrier, which they could not if they ran one after the other on
    the loop's thread."""
    router = Router(lifespan=lambda app: _yielding({"ready": True}))
    barrier = threading.Barrier(2, timeout=10)

    async def ready(request: Request) -> bool:
        return request.state.ready

    def blocking(ok: Annotated[bool, Depends(ready)]) -> str:
        barrier.wait()  # both requests at once, each on its own thread
        yield threading.current_thread().name
        assert threading.current_thread().name != "dualweb-lifespan"  # its teardown too

    @router.get("/both")
    def both(thread: Annotated[str, Depends(blocking)], background: dualweb.BackgroundTasks):
        background.add_task(lambda: seen.append(threading.current_thread().name))
        return [thread, threading.current_thread().name]

    seen = []
    app = build_app(router, "flask")
    with client_for_app(app) as client:
        answers = []

        def call():
            answers.append(client.get("/both").json())

        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(answers) == 2
    for dependency_thread, handler_thread in answers:
        assert dependency_thread == handler_thread != "dualweb-lifespan"
    assert len(seen) == 2 and "dualweb-lifespan" not in seen


def test_on_event_is_deprecated_as_in_fastapi(fastapi_ns):
    with pytest.warns(DeprecationWarning, match="on_event is deprecated") as native:
        fastapi_ns.Router().on_event("startup")
    with pytest.warns(DeprecationWarning, match="on_event is deprecated") as ours:
        Router().on_event("startup")
    assert type(ours[0].message) is type(native[0].message)

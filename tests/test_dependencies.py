"""Depends: function, class and callable dependencies, sub-dependencies, caching,
``yield`` teardown and its timing, operation/router dependencies, aliases and
overrides, on every host, compared with native FastAPI."""

import asyncio
import contextlib
import contextvars
import threading
from typing import Annotated, Optional

import httpx
import pytest
from pydantic import BaseModel, field_serializer

import dualweb
import dualweb._core.analysis
import dualweb.flask
from dualweb.exceptions import DualwebError
from dualweb.testing import TestClient, build_app, client_for_app
from tests._servers import wsgi_server
from tests.conftest import DUALWEB, native_client

# --- function, class and callable-instance dependencies ---------------------------


class Checker:
    """A configurable dependency: an instance whose ``__call__`` is the dependency."""

    def __init__(self, fixed: str) -> None:
        self.fixed = fixed

    def __call__(self, q: str = "") -> bool:
        return self.fixed in q


class AsyncChecker:
    def __init__(self, fixed: str) -> None:
        self.fixed = fixed

    async def __call__(self, q: str = "") -> bool:
        await asyncio.sleep(0)
        return q.startswith(self.fixed)


def build_kinds(api):
    router = api.Router()

    def common(q: Optional[str] = None, skip: int = 0, limit: int = 100):
        return {"q": q, "skip": skip, "limit": limit}

    async def async_common(q: Optional[str] = None, skip: int = 0):
        await asyncio.sleep(0)
        return {"q": q, "skip": skip, "async": True}

    class CommonQueryParams:
        def __init__(self, q: Optional[str] = None, skip: int = 0, limit: int = 100):
            self.q = q
            self.skip = skip
            self.limit = limit

    @router.get("/function")
    def function(commons: dict = api.Depends(common)):
        return commons

    @router.get("/async-function")
    def async_function(commons: Annotated[dict, api.Depends(async_common)]):
        return commons

    @router.get("/class")
    async def klass(commons: CommonQueryParams = api.Depends(CommonQueryParams)):
        return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}

    @router.get("/class-shortcut")
    def shortcut(commons: CommonQueryParams = api.Depends()):
        return {"type": type(commons).__name__, "q": commons.q}

    @router.get("/class-annotated")
    def class_annotated(commons: Annotated[CommonQueryParams, api.Depends()]):
        return {"skip": commons.skip, "limit": commons.limit}

    @router.get("/callable")
    def callable_instance(found: bool = api.Depends(Checker("bar"))):
        return {"found": found}

    @router.get("/async-callable")
    async def async_callable_instance(found: Annotated[bool, api.Depends(AsyncChecker("fo"))]):
        return {"found": found}

    return router


def test_function_class_and_callable_dependencies(parity):
    results = parity(
        build_kinds,
        [
            ("GET", "/function"),
            ("GET", "/function?q=x&skip=2&limit=3"),
            ("GET", "/function?skip=no"),
            ("GET", "/async-function?q=a&skip=5"),
            ("GET", "/async-function?skip=x"),
            ("GET", "/class?q=c&limit=1"),
            ("GET", "/class?limit=z"),
            ("GET", "/class-shortcut?q=s"),
            ("GET", "/class-annotated?skip=4"),
            ("GET", "/callable?q=foobarbaz"),
            ("GET", "/callable?q=foo"),
            ("GET", "/callable"),
            ("GET", "/async-callable?q=foo"),
            ("GET", "/async-callable?q=bar"),
        ],
    )
    bodies = [r.json() for r in results]
    assert bodies[0] == {"q": None, "skip": 0, "limit": 100}
    assert bodies[1] == {"q": "x", "skip": 2, "limit": 3}
    assert results[2].status_code == 422
    assert bodies[2]["detail"][0]["loc"] == ["query", "skip"]
    assert bodies[3] == {"q": "a", "skip": 5, "async": True}
    assert bodies[5] == {"q": "c", "skip": 0, "limit": 1}
    assert bodies[7] == {"type": "CommonQueryParams", "q": "s"}
    assert bodies[8] == {"skip": 4, "limit": 100}
    assert [bodies[9], bodies[10], bodies[11]] == [
        {"found": True},
        {"found": False},
        {"found": False},
    ]
    assert [bodies[12], bodies[13]] == [{"found": True}, {"found": False}]


# --- sub-dependencies and where their parameters come from ------------------------


class Item(BaseModel):
    name: str
    price: float


def build_deep(api):
    router = api.Router()

    def level3(x_token: str = api.Header()):
        return {"token": x_token}

    async def level2(session: str = api.Cookie(), level3: dict = api.Depends(level3)):
        return {"session": session, **level3}

    def level1(item_id: int, level2: Annotated[dict, api.Depends(level2)], page: int = 1):
        return {"item_id": item_id, "page": page, **level2}

    def body_dep(item: Item):
        return item.name.upper()

    @router.get("/items/{item_id}")
    def read(item_id: int, info: dict = api.Depends(level1), verbose: bool = False):
        return {"info": info, "verbose": verbose, "item_id": item_id}

    @router.post("/items/{item_id}")
    async def create(
        item_id: int,
        shout: Annotated[str, api.Depends(body_dep)],
        info: Annotated[dict, api.Depends(level1)],
        limit: int = api.Query(gt=0),
    ):
        return {"shout": shout, "info": info, "limit": limit}

    return router


def test_sub_dependencies_several_levels_deep(parity):
    good = {"headers": {"x-token": "t", "cookie": "session=s"}}
    results = parity(
        build_deep,
        [
            ("GET", "/items/3?page=2&verbose=1", good),
            ("GET", "/items/3", {"headers": {"x-token": "t"}}),
            ("GET", "/items/3"),
            # every location fails at once: FastAPI reports the deepest dependency's
            # errors first, then each dependant's path, query, header, cookie, body.
            ("GET", "/items/x?page=y&verbose=maybe"),
            ("POST", "/items/4?limit=1", {**good, "json": {"name": "a", "price": 1}}),
            ("POST", "/items/x?limit=0", {"json": {"name": "a"}}),
            (
                "POST",
                "/items/4?limit=5",
                {
                    "content": b"{",
                    "headers": {**good["headers"], "content-type": "application/json"},
                },
            ),
        ],
    )
    assert results[0].json() == {
        "info": {"item_id": 3, "page": 2, "session": "s", "token": "t"},
        "verbose": True,
        "item_id": 3,
    }
    assert [e["loc"] for e in results[2].json()["detail"]] == [
        ["header", "x-token"],
        ["cookie", "session"],
    ]
    assert [e["loc"] for e in results[3].json()["detail"]] == [
        ["header", "x-token"],
        ["cookie", "session"],
        ["path", "item_id"],
        ["query", "page"],
        ["path", "item_id"],
        ["query", "verbose"],
    ]
    assert results[4].json() == {
        "shout": "A",
        "info": {"item_id": 4, "page": 1, "session": "s", "token": "t"},
        "limit": 1,
    }
    assert [e["loc"] for e in results[5].json()["detail"]] == [
        ["body", "price"],
        ["header", "x-token"],
        ["cookie", "session"],
        ["path", "item_id"],
        ["path", "item_id"],
        ["query", "limit"],
    ]
    assert results[6].json()["detail"][0]["type"] == "json_invalid"


def build_special_params(api):
    router = api.Router()

    def tracing(request: api.Request, response: api.Response, tasks: api.BackgroundTasks):
        response.headers["x-dependency"] = request.url.path
        response.set_cookie("seen", "yes")
        response.status_code = 201
        tasks.add_task(lambda: None)
        return request.method

    @router.get("/special")
    def special(method: str = api.Depends(tracing)):
        return {"method": method}

    return router


def test_dependencies_receive_request_response_and_background_tasks(parity):
    (result,) = parity(build_special_params, [("GET", "/special")])
    assert result.status_code == 201
    assert result.headers["x-dependency"] == "/special"
    assert result.json() == {"method": "GET"}


# --- per-request cache -------------------------------------------------------------


def build_cache(api):
    router = api.Router()
    calls = {"count": 0}

    def counter():
        calls["count"] += 1
        return calls["count"]

    async def twice(a: int = api.Depends(counter), b: int = api.Depends(counter)):
        return [a, b]

    def fresh(a: int = api.Depends(counter), b: int = api.Depends(counter, use_cache=False)):
        return [a, b]

    @router.get("/cached")
    def cached(pair: list = api.Depends(twice), again: int = api.Depends(counter)):
        return {"pair": pair, "again": again}

    @router.get("/uncached")
    def uncached(pair: list = api.Depends(fresh), last: int = api.Depends(counter)):
        return {"pair": pair, "last": last}

    @router.get("/never")
    async def never(
        a: Annotated[int, api.Depends(counter, use_cache=False)],
        b: Annotated[int, api.Depends(counter, use_cache=False)],
    ):
        return [a, b]

    return router


def test_a_dependency_is_called_once_per_request(parity):
    results = parity(
        build_cache,
        [("GET", "/cached"), ("GET", "/cached"), ("GET", "/uncached"), ("GET", "/never")],
    )
    # Once per request, and a second request calls it again (nothing leaks across).
    assert results[0].json() == {"pair": [1, 1], "again": 1}
    assert results[1].json() == {"pair": [2, 2], "again": 2}
    # use_cache=False calls again; the first result stays the cached one.
    assert results[2].json() == {"pair": [3, 4], "last": 3}
    assert results[3].json() == [5, 6]


# --- sync and async mixed in one graph ---------------------------------------------


def build_mixed(api):
    router = api.Router()

    async def base(n: int = 1):
        await asyncio.sleep(0)
        return [f"async base {n}"]

    def middle(found: list = api.Depends(base)):
        return [*found, "sync middle"]

    async def top(found: list = api.Depends(middle), base_again: list = api.Depends(base)):
        await asyncio.sleep(0)
        return [*found, "async top", len(base_again)]

    def gen(found: list = api.Depends(top)):
        yield [*found, "sync gen"]

    async def agen(found: list = api.Depends(gen)):
        await asyncio.sleep(0)
        yield [*found, "async gen"]

    @router.get("/sync")
    def sync_handler(found: list = api.Depends(agen)):
        return {"found": found, "thread": threading.current_thread() is not None}

    @router.get("/async")
    async def async_handler(found: list = api.Depends(agen), plain: list = api.Depends(middle)):
        return {"found": found, "plain": plain}

    return router


def test_sync_and_async_dependencies_mixed(parity):
    results = parity(build_mixed, [("GET", "/sync?n=2"), ("GET", "/async"), ("GET", "/sync?n=x")])
    chain = ["async base 2", "sync middle", "async top", 1, "sync gen", "async gen"]
    assert results[0].json() == {"found": chain, "thread": True}
    assert results[1].json()["plain"] == ["async base 1", "sync middle"]
    assert results[2].status_code == 422


# --- yield: set-up, teardown order and timing --------------------------------------


def build_teardown(api):
    router = api.Router()
    events: list = []

    class Out(BaseModel):
        value: str

        @field_serializer("value")
        def record(self, value: str) -> str:
            # Serialization is where the response body is produced.
            events.append("body")
            return value

    def outer():
        events.append("outer setup")
        yield "outer"
        events.append("outer teardown")

    async def middle(outer: str = api.Depends(outer)):
        events.append("middle setup")
        yield outer + "+middle"
        events.append("middle teardown")

    def inner(middle: str = api.Depends(middle)):
        events.append("inner setup")
        try:
            yield middle + "+inner"
        finally:
            events.append("inner teardown")

    async def in_function(outer: str = api.Depends(outer)):
        events.append("function setup")
        yield "function"
        events.append("function teardown")

    @router.get("/order", response_model=Out)
    def order(value: str = api.Depends(inner), tasks: api.BackgroundTasks = None):
        events.append("handler")
        tasks.add_task(events.append, "background")
        return Out(value=value)

    @router.get("/async-order", response_model=Out)
    async def async_order(
        tasks: api.BackgroundTasks,
        value: Annotated[str, api.Depends(inner)],
        function: Annotated[str, api.Depends(in_function, scope="function")],
    ):
        events.append("handler")

        async def task():
            events.append("background")

        tasks.add_task(task)
        return Out(value=value + "|" + function)

    @router.get("/events")
    def read_events():
        seen = list(events)
        events.clear()
        return seen

    return router


def test_teardown_order_and_timing(parity):
    results = parity(
        build_teardown,
        [("GET", "/order"), ("GET", "/events"), ("GET", "/async-order"), ("GET", "/events")],
    )
    assert results[0].json() == {"value": "outer+middle+inner"}
    # Teardown in reverse order of set-up, after the body and after background tasks.
    assert results[1].json() == [
        "outer setup",
        "middle setup",
        "inner setup",
        "handler",
        "body",
        "background",
        "inner teardown",
        "middle teardown",
        "outer teardown",
    ]
    assert results[2].json() == {"value": "outer+middle+inner|function"}
    # scope="function": torn down once the handler is done, before the response is sent.
    assert results[3].json() == [
        "outer setup",
        "middle setup",
        "inner setup",
        "function setup",
        "handler",
        "body",
        "function teardown",
        "background",
        "inner teardown",
        "middle teardown",
        "outer teardown",
    ]


REQUEST_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("REQUEST_VAR", default="unset")


def build_context_variables(api):
    """An async yield dependency sets a context variable and resets it at teardown."""
    router = api.Router()
    events: list = []

    async def tenant(x_tenant: str = api.Header("none")):
        token = REQUEST_VAR.set(x_tenant)
        try:
            yield x_tenant
        finally:
            events.append(f"teardown sees {REQUEST_VAR.get()}")
            REQUEST_VAR.reset(token)  # a token made in another context would not reset

    def sync_reader():
        return REQUEST_VAR.get()

    async def async_reader():
        return REQUEST_VAR.get()

    def background():
        events.append(f"background sees {REQUEST_VAR.get()}")

    deps = [api.Depends(tenant)]

    @router.get("/sync", dependencies=deps)
    def sync_handler(
        tasks: api.BackgroundTasks,
        by_sync: str = api.Depends(sync_reader),
        by_async: str = api.Depends(async_reader),
    ):
        tasks.add_task(background)
        return [REQUEST_VAR.get(), by_sync, by_async]

    @router.get("/async", dependencies=deps)
    async def async_handler(
        tasks: api.BackgroundTasks,
        by_sync: str = api.Depends(sync_reader),
        by_async: str = api.Depends(async_reader),
    ):
        tasks.add_task(background)
        return [REQUEST_VAR.get(), by_sync, by_async]

    @router.get("/events")
    def read_events():
        seen = list(events)
        events.clear()
        return seen

    return router


def test_an_async_yield_dependency_sets_context_variables_for_the_request(parity):
    # Seen by sync and async dependencies and handlers, by background tasks and by its
    # own teardown, which resets it: on Flask too, where the teardown runs in another
    # task of the thread's loop, after the response is sent.
    results = parity(
        build_context_variables,
        [
            ("GET", "/sync", {"headers": {"x-tenant": "acme"}}),
            ("GET", "/events"),
            ("GET", "/async", {"headers": {"x-tenant": "initech"}}),
            ("GET", "/events"),
        ],
    )
    assert results[0].json() == ["acme", "acme", "acme"]
    assert results[1].json() == ["background sees acme", "teardown sees acme"]
    assert results[2].json() == ["initech", "initech", "initech"]
    assert results[3].json() == ["background sees initech", "teardown sees initech"]
    assert REQUEST_VAR.get() == "unset"


def test_context_variables_on_flask_with_a_lifespan():
    # The request's async code runs on the lifespan's loop thread: the same holds there.
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield {}

    router = dualweb.Router(lifespan=lifespan)
    router.include_router(build_context_variables(DUALWEB))
    with TestClient(router, "flask") as client:
        for path in ("/sync", "/async"):
            assert client.get(path, headers={"x-tenant": "acme"}).json() == ["acme"] * 3
            assert client.get("/events").json() == [
                "background sees acme",
                "teardown sees acme",
            ]


def _teardown_spy_app(api, events):
    router = api.Router()

    def resource():
        events.append("setup")
        yield "resource"
        events.append("teardown")

    def function_resource():
        yield "function"
        events.append("function teardown")

    @router.get("/spied")
    def spied(
        tasks: api.BackgroundTasks,
        value: str = api.Depends(resource),
        other: str = api.Depends(function_resource, scope="function"),
    ):
        events.append("handler")
        tasks.add_task(events.append, "background")
        return {"value": value, "other": other}

    return router


def _spy_asgi(app, events):
    async def spied(scope, receive, send):
        async def spy_send(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("body sent")

        await app(scope, receive, spy_send)

    return spied


def _spy_wsgi(app, events):
    inner = app.wsgi_app

    class Body:
        def __init__(self, iterable):
            self.iterable = iterable

        def __iter__(self):
            yield from self.iterable
            events.append("body sent")

        def close(self):
            # The WSGI server closes the body once it is sent: teardown runs then.
            if hasattr(self.iterable, "close"):
                self.iterable.close()

    app.wsgi_app = lambda environ, start_response: Body(inner(environ, start_response))
    return app


WHEN_SENT = ["setup", "handler", "function teardown", "body sent", "background", "teardown"]


def test_teardown_runs_after_the_response_is_sent(host, fastapi_ns):
    events: list = []
    app = build_app(_teardown_spy_app(dualweb, events), host)
    app = _spy_wsgi(app, events) if host == "flask" else _spy_asgi(app, events)
    response = client_for_app(app).get("/spied")
    assert response.json() == {"value": "resource", "other": "function"}
    assert events == WHEN_SENT

    import fastapi

    native_events: list = []
    native = fastapi.FastAPI()
    native.include_router(_teardown_spy_app(fastapi_ns, native_events))
    client_for_app(_spy_asgi(native, native_events)).get("/spied")
    assert native_events == WHEN_SENT


def test_flask_teardown_waits_for_the_client_under_a_real_server():
    """Under a real WSGI server the client has the whole response before teardown runs."""
    router = dualweb.Router()
    client_has_response = threading.Event()
    torn_down = threading.Event()
    seen: dict = {}

    def resource():
        yield "resource"
        # Blocks teardown until the test says the client got the response: were
        # teardown to run before sending, the client's request would time out.
        seen["client had response"] = client_has_response.wait(5)
        torn_down.set()

    @router.get("/slow-teardown")
    def slow_teardown(value: str = dualweb.Depends(resource)):
        return {"value": value}

    import flask

    app = flask.Flask("teardown")
    dualweb.flask.mount(app, router)
    with wsgi_server(app) as port:
        try:
            url = f"http://127.0.0.1:{port}/slow-teardown"
            response = httpx.get(url, timeout=3)
            assert response.json() == {"value": "resource"}
            assert not torn_down.is_set()
            client_has_response.set()
            assert torn_down.wait(5)
            assert seen == {"client had response": True}
        finally:
            client_has_response.set()


# --- yield and exceptions ------------------------------------------------------------


class OwnError(Exception):
    pass


def build_yield_errors(api):
    router = api.Router()
    events: list = []

    def watcher():
        try:
            yield "watched"
        except OwnError as exc:
            events.append(f"saw OwnError {exc}")
            raise api.HTTPException(status_code=400, detail=f"converted: {exc}") from exc
        except api.HTTPException as exc:
            events.append(f"saw HTTPException {exc.status_code}")
            raise
        else:
            events.append("clean exit")
        finally:
            events.append("watcher finally")

    async def async_watcher(inner: str = api.Depends(watcher)):
        try:
            yield inner
        except Exception as exc:
            events.append(f"async saw {type(exc).__name__}")
            raise

    def guard(allow: bool = False):
        if not allow:
            raise api.HTTPException(status_code=403, detail="not allowed", headers={"x-why": "no"})
        events.append("guard setup")
        yield
        events.append("guard teardown")

    def swallower():
        try:
            yield "swallowing"
        except Exception:
            events.append("swallowed")

    @router.get("/fail/{how}")
    def fail(how: str, value: str = api.Depends(async_watcher)):
        events.append("handler")
        if how == "own":
            raise OwnError("boom")
        if how == "http":
            raise api.HTTPException(status_code=404, detail="gone")
        return {"value": value}

    @router.get("/guarded")
    async def guarded(value: str = api.Depends(watcher), _: None = api.Depends(guard)):
        events.append("handler")
        return {"value": value}

    @router.get("/swallow")
    def swallow(value: str = api.Depends(swallower)):
        raise OwnError("lost")

    @router.get("/swallow-http")
    async def swallow_http(value: str = api.Depends(swallower)):
        raise api.HTTPException(status_code=418)

    @router.get("/swallow-ok")
    def swallow_ok(value: str = api.Depends(swallower)):
        return {"value": value}

    @router.get("/events")
    def read_events():
        seen = list(events)
        events.clear()
        return seen

    return router


def test_teardown_sees_the_handlers_exception(parity):
    results = parity(
        build_yield_errors,
        [
            ("GET", "/fail/none"),
            ("GET", "/events"),
            ("GET", "/fail/own"),
            ("GET", "/events"),
            ("GET", "/fail/http"),
            ("GET", "/events"),
        ],
    )
    assert results[0].json() == {"value": "watched"}
    assert results[1].json() == ["handler", "clean exit", "watcher finally"]
    assert results[2].status_code == 400
    assert results[2].json() == {"detail": "converted: boom"}
    assert results[3].json() == [
        "handler",
        "async saw OwnError",
        "saw OwnError boom",
        "watcher finally",
    ]
    assert results[4].status_code == 404
    assert results[5].json() == [
        "handler",
        "async saw HTTPException",
        "saw HTTPException 404",
        "watcher finally",
    ]


def test_http_exception_before_yield(parity):
    results = parity(
        build_yield_errors,
        [("GET", "/guarded"), ("GET", "/events"), ("GET", "/guarded?allow=1"), ("GET", "/events")],
    )
    # The guard never yielded: it has no teardown; the dependency set up before it
    # sees the HTTPException and is torn down.
    assert results[0].status_code == 403
    assert results[0].headers["x-why"] == "no"
    assert results[0].json() == {"detail": "not allowed"}
    assert results[1].json() == ["saw HTTPException 403", "watcher finally"]
    assert results[2].json() == {"value": "watched"}
    assert results[3].json() == [
        "guard setup",
        "handler",
        "guard teardown",
        "clean exit",
        "watcher finally",
    ]


def test_a_yield_dependency_that_swallows_the_exception_is_a_server_error(host, fastapi_ns):
    urls = ["/swallow", "/swallow-http", "/swallow-ok"]
    theirs = native_client(build_yield_errors, fastapi_ns, raise_server_exceptions=False)
    ours = client_for_app(
        build_app(build_yield_errors(dualweb), host), raise_server_exceptions=False
    )
    # The bodies are each host's own 500 page; the statuses are FastAPI's.
    assert [theirs.get(url).status_code for url in urls] == [500, 500, 200]
    assert [ours.get(url).status_code for url in urls] == [500, 500, 200]
    client = client_for_app(build_app(build_yield_errors(dualweb), host))
    with pytest.raises(DualwebError, match="re-raise"):
        client.get("/swallow")
    with pytest.raises(DualwebError, match="re-raise"):
        client.get("/swallow-http")
    assert client.get("/events").json() == ["swallowed", "swallowed"]


def build_function_scope_errors(api):
    router = api.Router()
    events: list = []

    def session():
        try:
            yield "session"
        except OwnError:
            events.append("function scope saw OwnError")
            raise api.HTTPException(status_code=409, detail="rolled back") from None

    @router.get("/commit")
    def commit(fail: bool = False, s: str = api.Depends(session, scope="function")):
        if fail:
            raise OwnError()
        return {"s": s}

    @router.get("/events")
    def read_events():
        seen = list(events)
        events.clear()
        return seen

    return router


def test_function_scope_teardown_sees_the_handlers_exception(parity):
    results = parity(
        build_function_scope_errors,
        [("GET", "/commit"), ("GET", "/commit?fail=1"), ("GET", "/events")],
    )
    assert results[0].json() == {"s": "session"}
    assert results[1].status_code == 409
    assert results[2].json() == ["function scope saw OwnError"]


def test_a_request_scoped_dependency_cannot_depend_on_a_function_scoped_one(fastapi_ns):
    import fastapi.exceptions

    for api, error in ((dualweb, DualwebError), (fastapi_ns, fastapi.exceptions.FastAPIError)):
        router = api.Router()

        def short():
            yield 1

        def long(value: int = api.Depends(short, scope="function")):
            yield value

        with pytest.raises(error, match="cannot depend on dependencies with scope"):

            @router.get("/bad")
            def bad(value: int = api.Depends(long)):
                return value


# --- router- and operation-level dependencies ------------------------------------------


def build_declared(api):
    events: list = []

    def verify_token(x_token: str = api.Header()):
        events.append("token")
        if x_token != "secret":
            raise api.HTTPException(status_code=400, detail="X-Token header invalid")
        return "ignored"

    async def verify_key(key: int = api.Query()):
        events.append("key")
        return key

    def include_level():
        events.append("include")

    def operation_level():
        events.append("operation")
        yield "ignored"
        events.append("operation teardown")

    def param_level():
        events.append("param")
        return "param"

    inner = api.Router(prefix="/inner", dependencies=[api.Depends(verify_token)])

    @inner.get("/declared", dependencies=[api.Depends(operation_level)])
    def declared(value: str = api.Depends(param_level)):
        return {"value": value}

    @inner.get("/plain")
    async def plain():
        return "plain"

    outer = api.Router(dependencies=[api.Depends(verify_key)])
    outer.include_router(inner, dependencies=[api.Depends(include_level)])

    @outer.get("/events")
    def read_events(key: int):
        seen = list(events)
        events.clear()
        return seen

    return outer


def test_router_and_operation_dependencies_run_first(parity):
    token = {"headers": {"x-token": "secret"}}
    results = parity(
        build_declared,
        [
            ("GET", "/inner/declared?key=1", token),
            ("GET", "/events?key=0"),
            ("GET", "/inner/plain?key=1", {"headers": {"x-token": "wrong"}}),
            ("GET", "/events?key=0"),
            ("GET", "/inner/declared"),
            ("GET", "/inner/plain?key=x", token),
        ],
    )
    # The values are discarded; the order is: the including router's, include_router's,
    # the included router's, the operation's, then the handler's parameters.
    assert results[0].json() == {"value": "param"}
    assert results[1].json() == [
        "key",
        "include",
        "token",
        "operation",
        "param",
        "operation teardown",
        "key",
    ]
    assert results[2].status_code == 400
    assert results[3].json() == ["key", "include", "token", "key"]
    assert [e["loc"] for e in results[4].json()["detail"]] == [
        ["query", "key"],
        ["header", "x-token"],
    ]
    assert results[5].status_code == 422


# --- Annotated aliases ---------------------------------------------------------------------


def build_aliases(api):
    router = api.Router()

    def get_user(user: str = api.Header(default="anonymous")):
        return {"name": user}

    CurrentUser = Annotated[dict, api.Depends(get_user)]

    def greeting(user: CurrentUser, polite: bool = False):
        return ("Dear " if polite else "Hi ") + user["name"]

    Greeting = Annotated[str, api.Depends(greeting)]

    @router.get("/me")
    def me(user: CurrentUser):
        return user

    @router.get("/greet")
    async def greet(text: Greeting, user: CurrentUser):
        return {"text": text, "user": user}

    return router


def test_annotated_aliases_are_reused(parity):
    results = parity(
        build_aliases,
        [
            ("GET", "/me", {"headers": {"user": "ann"}}),
            ("GET", "/me"),
            ("GET", "/greet?polite=true", {"headers": {"user": "bob"}}),
            ("GET", "/greet?polite=perhaps"),
        ],
    )
    assert results[0].json() == {"name": "ann"}
    assert results[1].json() == {"name": "anonymous"}
    assert results[2].json() == {"text": "Dear bob", "user": {"name": "bob"}}
    assert results[3].status_code == 422


# --- dependency_overrides --------------------------------------------------------------------


def build_overridable(api):
    router = api.Router()
    deps = {}

    def settings():
        return "real settings"

    async def database(settings: str = api.Depends(settings)):
        return f"db({settings})"

    def user(db: str = api.Depends(database)):
        return f"user from {db}"

    def scoped():
        yield "scoped"

    deps.update(settings=settings, database=database, user=user, scoped=scoped)

    @router.get("/user")
    def read_user(user: str = api.Depends(user)):
        return {"user": user}

    @router.get("/scoped")
    def read_scoped(value: str = api.Depends(scoped, scope="function")):
        return {"value": value}

    router.deps = deps
    return router


def _override_clients(host, fastapi_ns):
    import fastapi

    router = build_overridable(dualweb)
    ours = client_for_app(build_app(router, host))
    native_router = build_overridable(fastapi_ns)
    app = fastapi.FastAPI()
    app.include_router(native_router)
    theirs = client_for_app(app)
    # FastAPI reads overrides from the app; dualweb from the mounted router.
    return (
        (ours, router.dependency_overrides, router.deps, dualweb),
        (theirs, app.dependency_overrides, native_router.deps, fastapi_ns),
    )


def make_overrides(api):
    def fake_settings():
        return "fake settings"

    async def async_fake_settings(source: str = "async"):
        await asyncio.sleep(0)
        return f"{source} settings"

    def sync_database():
        return "sync db"

    class Db:
        async def __call__(self, name: str = "callable"):
            await asyncio.sleep(0)
            return name

    def sync_over_async(value: str = api.Depends(async_fake_settings)):
        return f"sync over {value}"

    def fake_scoped():
        yield "fake scoped"

    def gen_override():
        yield "generated"

    return locals()


def test_dependency_overrides(host, fastapi_ns):
    got_all = []
    for client, overrides, deps, api in _override_clients(host, fastapi_ns):
        fakes = make_overrides(api)
        got = []

        def get(url):
            return client.get(url).json()

        got.append(get("/user"))
        # Set after mounting (and after a first request): a sub-dependency.
        overrides[deps["settings"]] = fakes["fake_settings"]
        got.append(get("/user"))
        # An async override of a sync dependency, with its own query parameter.
        overrides[deps["settings"]] = fakes["async_fake_settings"]
        got.append(get("/user?source=q"))
        # A sync override of an async dependency: its own sub-dependency is gone.
        overrides[deps["database"]] = fakes["sync_database"]
        got.append(get("/user"))
        overrides[deps["database"]] = fakes["Db"]()
        got.append(get("/user?name=instance"))
        # A sync override whose own sub-dependency really suspends.
        overrides[deps["database"]] = fakes["sync_over_async"]
        got.append(get("/user?source=deep"))
        overrides[deps["user"]] = fakes["gen_override"]
        got.append(get("/user"))
        overrides[deps["scoped"]] = fakes["fake_scoped"]
        got.append(get("/scoped"))
        overrides.clear()
        got.append(get("/user"))
        got.append(get("/scoped"))
        got_all.append(got)
    ours, theirs = got_all
    assert ours == theirs
    assert ours == [
        {"user": "user from db(real settings)"},
        {"user": "user from db(fake settings)"},
        {"user": "user from db(q settings)"},
        {"user": "user from sync db"},
        {"user": "user from instance"},
        {"user": "user from sync over deep settings"},
        {"user": "generated"},
        {"value": "fake scoped"},
        {"user": "user from db(real settings)"},
        {"value": "scoped"},
    ]


def test_an_overridden_function_scoped_dependency_keeps_its_scope(host):
    events: list = []
    router = dualweb.Router()

    def real():
        yield "real"

    def fake():
        yield "fake"
        events.append("fake teardown")

    @router.get("/scoped")
    def scoped(
        tasks: dualweb.BackgroundTasks, value: str = dualweb.Depends(real, scope="function")
    ):
        tasks.add_task(events.append, "background")
        return value

    router.dependency_overrides[real] = fake
    client = client_for_app(build_app(router, host))
    assert client.get("/scoped").json() == "fake"
    assert events == ["fake teardown", "background"]


# --- the graph is built once ----------------------------------------------------------------


def test_the_graph_is_analysed_at_declaration_not_per_request(host, monkeypatch):
    router = build_deep(dualweb)
    router.include_router(build_overridable(dualweb), prefix="/o")
    client = client_for_app(build_app(router, host))
    calls = []
    real = dualweb._core.analysis.typed_signature

    def counting(call):
        calls.append(call)
        return real(call)

    monkeypatch.setattr(dualweb._core.analysis, "typed_signature", counting)
    for _ in range(3):
        response = client.get("/items/1", headers={"x-token": "t", "cookie": "session=s"})
        assert response.status_code == 200
        assert client.get("/o/user").status_code == 200
    assert calls == []

    # An override is analysed once, on its first use, not on every request.
    def fake():
        return "fake"

    def settings_of(router):
        return next(
            d.call
            for route in router.routes
            for d in route.dependant.walk()
            if getattr(d.call, "__name__", "") == "settings"
        )

    router.dependency_overrides[settings_of(router)] = fake
    for _ in range(3):
        assert client.get("/o/user").json() == {"user": "user from db(fake)"}
    assert calls == [fake]


def test_overrides_that_suspend_in_an_all_sync_graph(host):
    router = dualweb.Router()

    def settings():
        return "real"

    def user(value: str = dualweb.Depends(settings)):
        return f"user({value})"

    @router.get("/user")
    def read_user(value: str = dualweb.Depends(user)):
        return value

    async def suspending(n: int = 1):
        await asyncio.sleep(0)
        return f"async {n}"

    def sync_over_async(value: str = dualweb.Depends(suspending)):
        return f"sync over {value}"

    class Instance:
        async def __call__(self):
            await asyncio.sleep(0)
            return "instance"

    async def async_gen():
        await asyncio.sleep(0)
        yield "async gen"

    client = client_for_app(build_app(router, host))
    assert client.get("/user").json() == "user(real)"
    overrides = router.dependency_overrides
    for replacement, want in [
        (suspending, "user(async 2)"),
        (sync_over_async, "user(sync over async 2)"),
        (Instance(), "user(instance)"),
        (async_gen, "user(async gen)"),
    ]:
        overrides[settings] = replacement
        assert client.get("/user?n=2").json() == want
    overrides.clear()
    overrides[user] = sync_over_async
    assert client.get("/user?n=3").json() == "sync over async 3"


def build_scoped_cache(api):
    router = api.Router()
    calls = []

    def resource():
        calls.append("resource")
        yield len(calls)

    @router.get("/both")
    def both(
        a: Annotated[int, api.Depends(resource)],
        b: Annotated[int, api.Depends(resource, scope="function")],
        c: Annotated[int, api.Depends(resource, scope="request")],
    ):
        return [a, b, c]

    @router.get("/calls")
    def read_calls():
        seen = list(calls)
        calls.clear()
        return seen

    return router


def test_the_teardown_scope_is_part_of_the_cache_key(parity):
    results = parity(build_scoped_cache, [("GET", "/both"), ("GET", "/calls")])
    # A request-scoped and a function-scoped use are two dependencies.
    assert results[0].json() == [1, 2, 1]
    assert results[1].json() == ["resource", "resource"]


def test_replacing_the_overrides_takes_effect_at_the_next_request(host):
    # FastAPI's testing tutorial assigns a new mapping, or None, to dependency_overrides.
    router = dualweb.Router()

    def settings():
        return "production"

    async def tenant():
        return "acme"

    @router.get("/env")
    def env(value: Annotated[str, dualweb.Depends(settings)]):
        return {"env": value}

    @router.get("/tenant")
    async def which(value: Annotated[str, dualweb.Depends(tenant)]):
        return {"tenant": value}

    client = TestClient(router, host)
    assert client.get("/env").json() == {"env": "production"}
    router.dependency_overrides = {settings: lambda: "test", tenant: lambda: "other"}
    assert client.get("/env").json() == {"env": "test"}
    assert client.get("/tenant").json() == {"tenant": "other"}
    router.dependency_overrides = None  # type: ignore[assignment]
    assert client.get("/env").json() == {"env": "production"}
    assert client.get("/tenant").json() == {"tenant": "acme"}
    router.dependency_overrides = {settings: lambda: "again"}
    assert client.get("/env").json() == {"env": "again"}

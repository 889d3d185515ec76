"""A Flask app's context for handlers another host serves: ``dualweb.flask.app_context``
and ``AppContextMiddleware``, with Flask-SQLAlchemy for real.

Handlers moved from a Flask app into a dualweb Router keep using ``db.session``,
``Model.query`` and ``current_app.config``. Served by FastAPI or Starlette, directly or
through ``combine`` (either way round), they run inside the Flask app's context with the
dependency, and raise without it; served by the Flask app itself, its own context is used;
by another Flask app, the legacy app's is pushed over it. Every colour of dependency and
handler sees the same session, and Flask-SQLAlchemy removes it when the request ends.
"""

import contextlib
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import fastapi
import flask
import pytest
import starlette.applications
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import BackgroundTasks, Depends, Router
from dualweb.bridge import combine
from dualweb.flask import AppContextMiddleware, app_context
from dualweb.responses import JSONResponse
from dualweb.testing import TestClient, client_for_app

db = SQLAlchemy()


class Item(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


Events = list[Any]


@pytest.fixture
def events() -> Events:
    return []


@pytest.fixture
def legacy(tmp_path: Any, events: Events) -> Iterator[flask.Flask]:
    """The Flask app the handlers come from: Flask-SQLAlchemy on a SQLite file, a setting,
    a view not moved yet, and a record of its app-context teardowns."""
    app = flask.Flask("legacy")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'legacy.db'}",
        GREETING="hello from Flask",
    )
    db.init_app(app)

    @app.teardown_appcontext
    def record(exc: BaseException | None) -> None:
        events.append(("app teardown", None if exc is None else repr(exc)))

    @app.get("/legacy/items")
    def legacy_items() -> list[str]:
        return [item.name for item in Item.query.order_by(Item.id)]

    with app.app_context():
        db.create_all()
    events.clear()
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def items_router(dependencies: list[Any]) -> Router:
    """Handlers as they were moved from the Flask app's views: sync and async."""
    router = Router(dependencies=dependencies)

    def add(name: str) -> dict[str, Any]:
        item = Item(name=name)
        db.session.add(item)
        db.session.commit()
        return {"id": item.id, "name": item.name}

    def names() -> list[str]:
        return [item.name for item in Item.query.order_by(Item.id)]

    def settings() -> dict[str, str]:
        return {"greeting": flask.current_app.config["GREETING"], "app": flask.current_app.name}

    @router.post("/items", status_code=201)
    def add_item(name: str):
        return add(name)

    @router.post("/async/items", status_code=201)
    async def add_item_async(name: str):
        return add(name)

    @router.get("/items")
    def list_items():
        return names()

    @router.get("/async/items")
    async def list_items_async():
        return names()

    @router.get("/config")
    def config():
        return settings()

    @router.get("/async/config")
    async def config_async():
        return settings()

    @router.post("/drafts")
    def add_draft(name: str):
        db.session.add(Item(name=name))
        db.session.flush()  # in the request's transaction, never committed
        return {"pending": Item.query.count(), "session": id(db.session())}

    @router.post("/fail")
    def fail():
        db.session.add(Item(name="doomed"))
        raise RuntimeError("boom")

    return router


# --- where the router is served ----------------------------------------------------------

Serve = Callable[..., TestClient]


def _fastapi(router: Router) -> fastapi.FastAPI:
    app = fastapi.FastAPI()
    dualweb.fastapi.mount(app, router)
    return app


def _on_fastapi(router: Router, legacy: flask.Flask, **kw: Any) -> TestClient:
    return client_for_app(_fastapi(router), **kw)


def _on_starlette(router: Router, legacy: flask.Flask, **kw: Any) -> TestClient:
    app = starlette.applications.Starlette()
    dualweb.starlette.mount(app, router)
    return client_for_app(app, **kw)


def _fastapi_in_front(router: Router, legacy: flask.Flask, **kw: Any) -> TestClient:
    return client_for_app(combine(_fastapi(router), legacy), **kw)


@contextlib.contextmanager
def _flask_in_front(router: Router, legacy: flask.Flask, **kw: Any) -> Iterator[TestClient]:
    bridge = combine(legacy, _fastapi(router))
    try:
        yield client_for_app(bridge, **kw)
    finally:
        bridge.close()


def _on_the_flask_app(router: Router, legacy: flask.Flask, **kw: Any) -> TestClient:
    dualweb.flask.mount(legacy, router)
    return client_for_app(legacy, **kw)


def _on_another_flask_app(router: Router, legacy: flask.Flask, **kw: Any) -> TestClient:
    return TestClient(router, "flask", **kw)


ASGI_SIDES = {
    "fastapi": _on_fastapi,
    "starlette": _on_starlette,
    "fastapi-in-front": _fastapi_in_front,
    "flask-in-front": _flask_in_front,
}
EVERYWHERE = {**ASGI_SIDES, "the-flask-app": _on_the_flask_app, "flask": _on_another_flask_app}


@pytest.fixture
def serve(request: pytest.FixtureRequest, legacy: flask.Flask) -> Iterator[Serve]:
    """``serve(router, **client_kwargs)``: a client of ``router`` served where the test's
    parameter ``where`` says."""
    make = EVERYWHERE[request.param]
    with contextlib.ExitStack() as stack:

        def serve(router: Router, **kw: Any) -> TestClient:
            made = make(router, legacy, **kw)
            if isinstance(made, contextlib.AbstractContextManager) and not isinstance(
                made, TestClient
            ):
                return stack.enter_context(made)
            return made

        yield serve


def where(*names: str) -> Any:
    return pytest.mark.parametrize("serve", names, indirect=True)


# --- the recipe ---------------------------------------------------------------------------


@where(*EVERYWHERE)
def test_moved_handlers_use_the_flask_apps_extensions(serve, legacy):
    client = serve(items_router([Depends(app_context(legacy))]))
    assert client.post("/items", params={"name": "pen"}).json() == {"id": 1, "name": "pen"}
    assert client.post("/async/items", params={"name": "ink"}).json() == {"id": 2, "name": "ink"}
    assert client.get("/items").json() == ["pen", "ink"]
    assert client.get("/async/items").json() == ["pen", "ink"]
    settings = {"greeting": "hello from Flask", "app": "legacy"}
    assert client.get("/config").json() == settings
    assert client.get("/async/config").json() == settings
    # Committed to the Flask app's database: its own views read them.
    assert client_for_app(legacy).get("/legacy/items").json() == ["pen", "ink"]


@where(*ASGI_SIDES)
def test_without_it_moved_handlers_raise(serve, legacy):
    router = items_router([])

    @router.exception_handler(RuntimeError)
    def show(request, exc):
        # (Behind a Flask front, the bridge answers an ASGI app's error with a bare 500.)
        return JSONResponse({"error": str(exc).splitlines()[0]}, status_code=500)

    client = serve(router)
    for path in ("/items", "/async/items", "/config", "/async/config"):
        response = client.get(path)
        assert response.status_code == 500
        assert response.json() == {"error": "Working outside of application context."}


@where("the-flask-app")
def test_the_flask_app_serving_them_needs_nothing(serve, legacy):
    client = serve(items_router([]))
    assert client.post("/items", params={"name": "pen"}).status_code == 201
    assert client.get("/async/config").json()["app"] == "legacy"


@where(*EVERYWHERE)
def test_the_session_is_removed_when_the_request_ends(serve, legacy, events):
    client = serve(items_router([Depends(app_context(legacy))]))
    first = client.post("/drafts", params={"name": "draft"}).json()
    assert first["pending"] == 1
    assert events == [("app teardown", None)]  # Flask-SQLAlchemy removes its session there
    # Removed, so rolled back: the draft was never committed.
    assert client.get("/items").json() == []
    second = client.post("/drafts", params={"name": "draft"}).json()
    assert second["pending"] == 1
    assert events == [("app teardown", None)] * 3


@where(*EVERYWHERE)
def test_the_teardown_sees_the_handlers_exception(serve, legacy, events):
    client = serve(items_router([Depends(app_context(legacy))]), raise_server_exceptions=False)
    assert client.post("/fail").status_code == 500
    assert events == [("app teardown", "RuntimeError('boom')")]
    assert client.get("/items").json() == []


# --- every colour of dependency and handler ------------------------------------------------


def _seen() -> tuple[str, int]:
    return flask.current_app.name, id(db.session())


def _plain():
    return _seen()


async def _async_plain():
    return _seen()


def colour_router(legacy: flask.Flask, kind: str, events: Events) -> Router:
    def with_yield():
        seen = _seen()
        yield seen
        events.append(("dependency teardown", _seen() == seen))

    async def async_with_yield():
        seen = _seen()
        yield seen
        events.append(("dependency teardown", _seen() == seen))

    dependency = {
        "def": _plain,
        "async def": _async_plain,
        "def yield": with_yield,
        "async def yield": async_with_yield,
    }[kind]
    router = Router(dependencies=[Depends(app_context(legacy))])

    def answer(seen: tuple[str, int], tasks: BackgroundTasks) -> dict[str, Any]:
        def background() -> None:
            events.append(("background", _seen() == seen))

        tasks.add_task(background)
        return {"app": seen[0], "same session": id(db.session()) == seen[1]}

    @router.get("/sync")
    def sync_handler(seen: Annotated[tuple, Depends(dependency)], tasks: BackgroundTasks):
        return answer(seen, tasks)

    @router.get("/async")
    async def async_handler(seen: Annotated[tuple, Depends(dependency)], tasks: BackgroundTasks):
        return answer(seen, tasks)

    return router


@where(*EVERYWHERE)
@pytest.mark.parametrize("handler", ["sync", "async"])
@pytest.mark.parametrize("dependency", ["def", "async def", "def yield", "async def yield"])
def test_every_colour_of_dependency_and_handler(serve, legacy, events, dependency, handler):
    # On an event loop, async code runs on the loop's thread and sync code in a worker
    # thread: the app's context is pushed in the request's task, and each worker thread
    # starts from a copy of it. One session serves the request throughout; the app's
    # context is popped last, after the background tasks and every other teardown.
    client = serve(colour_router(legacy, dependency, events))
    assert client.get(f"/{handler}").json() == {"app": "legacy", "same session": True}
    torn = [("dependency teardown", True)] if "yield" in dependency else []
    assert events == [("background", True), *torn, ("app teardown", None)]


# --- the dependency itself ---------------------------------------------------------------


def test_one_dependency_per_app(legacy):
    assert app_context(legacy) is app_context(legacy)
    assert app_context(flask.Flask("other")) is not app_context(legacy)
    assert app_context(legacy).__qualname__ == "app_context('legacy')"


@where("fastapi", "the-flask-app")
def test_it_can_be_overridden(serve, legacy):
    router = items_router([Depends(app_context(legacy))])
    pushed: list[str] = []

    @contextlib.asynccontextmanager
    async def lifecycle():
        with legacy.app_context():
            pushed.append("override")
            yield

    async def override():
        async with lifecycle():
            yield

    router.dependency_overrides[app_context(legacy)] = override
    client = serve(router)
    assert client.get("/config").json()["app"] == "legacy"
    assert pushed == ["override"]


@where("the-flask-app")
def test_on_the_flask_app_its_own_request_context_is_used(serve, legacy, events):
    # Nothing is pushed: `g` set by the app's hooks, and the session they used, are the
    # handler's; the app's context is torn down once per request, by Flask.
    sessions: list[int] = []

    @legacy.before_request
    def load_user() -> None:
        flask.g.user = "ann"
        sessions.append(id(db.session()))

    router = Router(dependencies=[Depends(app_context(legacy))])

    @router.get("/me")
    async def me():
        return {"user": flask.g.user, "same session": sessions[-1] == id(db.session())}

    client = serve(router)
    assert client.get("/me").json() == {"user": "ann", "same session": True}
    assert events == [("app teardown", None)]


# --- the middleware ------------------------------------------------------------------------


def _middleware_app(kind: str, router: Router, legacy: flask.Flask) -> Any:
    if kind == "starlette":
        app: Any = starlette.applications.Starlette(
            middleware=[Middleware(AppContextMiddleware, flask_app=legacy)]
        )
        dualweb.starlette.mount(app, router)
        return app
    api = fastapi.FastAPI()
    api.add_middleware(AppContextMiddleware, flask_app=legacy)

    @api.get("/native")
    def native():
        return {"count": Item.query.count(), "app": flask.current_app.name}

    dualweb.fastapi.mount(api, router)
    return combine(api, legacy) if kind == "fastapi-in-front" else api


@pytest.mark.parametrize("kind", ["fastapi", "starlette", "fastapi-in-front"])
def test_the_middleware_covers_a_whole_asgi_app(kind, legacy, events):
    router = items_router([])

    @router.exception_handler(LookupError)
    def not_found(request, exc):
        # The router's exception handlers run inside the context too.
        return JSONResponse({"detail": flask.current_app.config["GREETING"]}, status_code=404)

    @router.get("/missing")
    def missing():
        raise LookupError

    client = client_for_app(_middleware_app(kind, router, legacy))
    assert client.post("/async/items", params={"name": "pen"}).status_code == 201
    assert client.get("/items").json() == ["pen"]
    assert client.get("/missing").json() == {"detail": "hello from Flask"}
    assert events == [("app teardown", None)] * 3
    if kind != "starlette":
        assert client.get("/native").json() == {"count": 1, "app": "legacy"}
    if kind == "fastapi-in-front":
        # The Flask app behind the bridge pushes its own context, as it always does.
        events.clear()
        assert client.get("/legacy/items").json() == ["pen"]
        assert events == [("app teardown", None)]


def test_the_middleware_leaves_the_lifespan_alone(legacy):
    seen: list[bool] = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        seen.append(flask.has_app_context())
        yield

    api = fastapi.FastAPI(lifespan=lifespan)
    api.add_middleware(AppContextMiddleware, flask_app=legacy)
    with client_for_app(api):
        pass
    assert seen == [False]


def test_the_middleware_covers_websockets(legacy):
    async def greet(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_text(flask.current_app.config["GREETING"])
        await websocket.close()

    app = starlette.applications.Starlette(
        routes=[WebSocketRoute("/ws", greet)],
        middleware=[Middleware(AppContextMiddleware, flask_app=legacy)],
    )
    with client_for_app(app).websocket_connect("/ws") as session:
        assert session.receive_text() == "hello from Flask"


def _linking_apps(request_context):
    """A Flask app whose code builds a link with url_for (no SERVER_NAME), and a FastAPI
    app serving a moved handler that calls that code."""
    import fastapi

    import dualweb.fastapi
    import dualweb.flask
    from dualweb import Depends, Router

    legacy = flask.Flask("linking")

    @legacy.get("/things/<int:thing_id>")
    def thing(thing_id):
        return {"thing": thing_id}

    def link_to(thing_id: int) -> str:  # e.g. a model's `url` property
        return flask.url_for("thing", thing_id=thing_id)

    router = Router(
        dependencies=[Depends(dualweb.flask.app_context(legacy, request=request_context))]
    )

    @router.get("/moved/{thing_id}")
    def moved(thing_id: int) -> dict:
        return {
            "url": link_to(thing_id),
            "agent": flask.request.headers.get("user-agent"),
            "q": flask.request.args.get("q"),
        }

    api = fastapi.FastAPI()
    dualweb.fastapi.mount(api, router)
    return api, legacy


def test_a_request_context_for_code_that_builds_links():
    from dualweb.testing import client_for_app

    api, _ = _linking_apps(request_context=True)
    answer = client_for_app(api).get("/moved/3?q=a%20b")
    assert answer.json() == {"url": "/things/3", "agent": "testclient", "q": "a b"}
    # With the application context only, url_for has no request to build from: as under
    # a server, the test sees it fail.
    api, _ = _linking_apps(request_context=False)
    failing = client_for_app(api, raise_server_exceptions=False).get("/moved/3")
    assert failing.status_code == 500


def test_the_middleware_pushes_a_request_context_too():
    import fastapi

    from dualweb.testing import client_for_app

    legacy = flask.Flask("linking_middleware")

    @legacy.get("/things/<int:thing_id>")
    def thing(thing_id):
        return {"thing": thing_id}

    api = fastapi.FastAPI(root_path="")

    @api.get("/native")
    def native() -> dict:
        return {"url": flask.url_for("thing", thing_id=1), "path": flask.request.path}

    api.add_middleware(dualweb.flask.AppContextMiddleware, flask_app=legacy, request=True)
    assert client_for_app(api).get("/native").json() == {"url": "/things/1", "path": "/native"}

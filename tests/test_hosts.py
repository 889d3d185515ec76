"""Mounting on each host: prefixes, several routers, native routes beside, clear errors."""

import threading

import flask
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse as StarletteJSON
from starlette.routing import Route as StarletteRoute

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import Depends, Router
from dualweb.exceptions import DualwebError
from dualweb.testing import build_app, client_for_app


def make_router(tag: str) -> Router:
    router = Router()

    @router.get("/hello/{name}")
    def hello(name: str):
        return {"hello": name, "from": tag}

    return router


def new_app(host: str):
    if host == "flask":
        return flask.Flask("t")
    if host == "fastapi":
        import fastapi

        return fastapi.FastAPI()
    return Starlette()


def do_mount(host: str, app, router, **kwargs):
    return {"flask": dualweb.flask, "fastapi": dualweb.fastapi, "starlette": dualweb.starlette}[
        host
    ].mount(app, router, **kwargs)


def named(host: str, name: str) -> dict:
    """On Flask, each mount is a Blueprint of its own name (Flask refuses two of one name)."""
    return {"name": name} if host == "flask" else {}


def test_prefix_and_several_routers(host):
    app = new_app(host)
    do_mount(host, app, make_router("a"), prefix="/a", **named(host, "a"))
    do_mount(host, app, make_router("b"), prefix="/b", **named(host, "b"))
    client = client_for_app(app)
    assert client.get("/a/hello/x").json() == {"hello": "x", "from": "a"}
    assert client.get("/b/hello/y").json() == {"hello": "y", "from": "b"}
    assert client.get("/hello/x").status_code == 404


def test_native_routes_live_beside(host):
    app = new_app(host)
    if host == "flask":

        @app.get("/native")
        def native():
            return {"native": True}

        blueprint = flask.Blueprint("bp", __name__, url_prefix="/bp")

        @blueprint.get("/thing")
        def thing():
            return {"blueprint": True}

        app.register_blueprint(blueprint)
    elif host == "fastapi":

        @app.get("/native")
        def native():
            return {"native": True}

    else:

        async def native(request):
            return StarletteJSON({"native": True})

        app.router.routes.append(StarletteRoute("/native", native))
    do_mount(host, app, make_router("d"))
    client = client_for_app(app)
    assert client.get("/native").json() == {"native": True}
    assert client.get("/hello/z").json() == {"hello": "z", "from": "d"}
    if host == "flask":
        assert client.get("/bp/thing").json() == {"blueprint": True}


def test_mounting_twice_is_an_error(host):
    app = new_app(host)
    router = make_router("x")
    do_mount(host, app, router)
    with pytest.raises(DualwebError, match="already mounted"):
        do_mount(host, app, router)
    do_mount(host, app, router, prefix="/again", **named(host, "again"))  # another mount
    assert client_for_app(app).get("/again/hello/q").json()["hello"] == "q"


def test_clash_with_existing_route_is_an_error(host):
    app = new_app(host)
    do_mount(host, app, make_router("one"))
    with pytest.raises(DualwebError, match="already routed"):
        do_mount(host, app, make_router("two"), **named(host, "two"))


def test_clash_with_native_route_is_an_error(host):
    app = new_app(host)
    if host == "flask":
        app.add_url_rule("/hello/<who>", "native", lambda who: who)
    elif host == "fastapi":
        app.get("/hello/{who}")(lambda who: who)
    else:
        app.router.routes.append(StarletteRoute("/hello/{who}", lambda r: None))
    if host == "fastapi":
        # FastAPI's own routes are APIRoutes inside its router; they clash too.
        with pytest.raises(DualwebError, match="already routed"):
            do_mount(host, app, make_router("three"))
    else:
        with pytest.raises(DualwebError, match="already routed"):
            do_mount(host, app, make_router("three"))


def test_unknown_docs_keyword_is_refused():
    with pytest.raises(TypeError, match="unexpected keyword"):
        dualweb.flask.mount(flask.Flask("t"), make_router("k"), titel="typo")


def test_flask_hooks_apply_to_dualweb_routes():
    app = flask.Flask("t")
    seen = []

    @app.before_request
    def before():
        seen.append(flask.request.path)

    @app.after_request
    def after(response):
        response.headers["x-hooked"] = "yes"
        return response

    dualweb.flask.mount(app, make_router("h"))
    response = client_for_app(app).get("/hello/w")
    assert response.headers["x-hooked"] == "yes"
    assert seen == ["/hello/w"]


def test_starlette_middleware_applies_to_dualweb_routes():
    class Tag(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            response = await call_next(request)
            response.headers["x-middleware"] = "yes"
            return response

    app = Starlette(middleware=[Middleware(Tag)])
    dualweb.starlette.mount(app, make_router("m"))
    assert client_for_app(app).get("/hello/v").headers["x-middleware"] == "yes"


def build_threads():
    router = Router()

    async def loop_thread():
        return threading.get_ident()

    @router.get("/sync")
    def sync_handler(loop_ident: int = Depends(loop_thread)):
        return {"loop": loop_ident, "handler": threading.get_ident()}

    @router.get("/async")
    async def async_handler(loop_ident: int = Depends(loop_thread)):
        return {"loop": loop_ident, "handler": threading.get_ident()}

    return router


@pytest.mark.parametrize("target", ["fastapi", "starlette"])
def test_sync_handlers_leave_the_event_loop_on_asgi(target):
    # Both idents are taken within one request, while the loop's thread is alive.
    client = client_for_app(build_app(build_threads(), target))
    sync = client.get("/sync").json()
    assert sync["handler"] != sync["loop"]
    same = client.get("/async").json()
    assert same["handler"] == same["loop"]


def test_dependency_overrides_are_honoured(host):
    router = Router()

    def real():
        return "real"

    @router.get("/who")
    def who(name: str = Depends(real)):
        return {"name": name}

    app = build_app(router, host)
    client = client_for_app(app)
    assert client.get("/who").json() == {"name": "real"}
    router.dependency_overrides[real] = lambda: "fake"
    assert client.get("/who").json() == {"name": "fake"}

    async def async_fake():
        return "async fake"

    router.dependency_overrides[real] = async_fake
    assert client.get("/who").json() == {"name": "async fake"}
    router.dependency_overrides.clear()
    assert client.get("/who").json() == {"name": "real"}

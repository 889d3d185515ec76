"""The request inside its application: the host's state, app, scope, links, body stream and
disconnects, on every host and compared with native FastAPI where FastAPI has the same."""

from typing import Annotated

import flask
import pytest

import dualweb
from dualweb.testing import build_app, client_for_app


def build_context(api):
    router = api.Router()

    def current_user(request: api.Request) -> str:
        return request.state.user

    @router.get("/items/{item_id}", name="item")
    async def item(item_id: int, request: api.Request):
        return {
            "self": str(request.url_for("item", item_id=item_id)),
            "other": str(request.url_for("plain")),
            "type": request.scope["type"],
            "method": request.scope["method"],
            "path": request.scope["path"],
            "root_path": request.scope["root_path"],
            "query": request.scope["query_string"].decode(),
            "disconnected": await request.is_disconnected(),
        }

    @router.get("/plain", name="plain")
    def plain():
        return {}

    @router.post("/stream")
    async def stream(request: api.Request):
        chunks = [chunk async for chunk in request.stream()]
        return {"body": b"".join(chunks).decode()}

    @router.get("/whoami")
    def whoami(user: Annotated[str, api.Depends(current_user)], request: api.Request):
        request.state.seen = True
        return {"user": user}

    return router


def test_scope_links_stream_and_disconnects(parity):
    results = parity(
        build_context,
        [
            ("GET", "/items/7?q=1"),
            ("POST", "/stream", {"content": b"x" * 100_000}),
            ("POST", "/stream", {"content": b""}),
        ],
    )
    assert results[0].json() == {
        "self": "http://testserver/items/7",
        "other": "http://testserver/plain",
        "type": "http",
        "method": "GET",
        "path": "/items/7",
        "root_path": "",
        "query": "q=1",
        "disconnected": False,
    }
    assert results[1].json() == {"body": "x" * 100_000}


def _with_user_hook(host: str, app, seen: dict):
    """The host's own way to put a user in the request's state before dualweb runs."""
    if host == "flask":

        @app.before_request
        def login():
            flask.g.user = "from-before-request"

        @app.after_request
        def after(response):
            seen["seen"] = getattr(flask.g, "seen", None)
            return response

        return "from-before-request"

    from starlette.middleware.base import BaseHTTPMiddleware

    async def login(request, call_next):
        request.state.user = "from-middleware"
        response = await call_next(request)
        seen["seen"] = getattr(request.state, "seen", None)
        return response

    app.add_middleware(BaseHTTPMiddleware, dispatch=login)
    return "from-middleware"


def test_state_is_the_hosts_own(host):
    app = build_app(build_context(dualweb), host)
    seen: dict = {}
    expected = _with_user_hook(host, app, seen)
    response = client_for_app(app).get("/whoami")
    assert response.json() == {"user": expected}
    assert seen == {"seen": True}  # what the handler set, the host's code after it sees


def test_state_set_by_fastapi_middleware_matches_native(fastapi_ns):
    import fastapi

    app = fastapi.FastAPI()
    app.include_router(build_context(fastapi_ns))
    seen: dict = {}
    _with_user_hook("fastapi", app, seen)
    assert client_for_app(app).get("/whoami").json() == {"user": "from-middleware"}
    assert seen == {"seen": True}


def test_app_is_the_host_app(host):
    router = dualweb.Router()
    holder: dict = {}

    @router.get("/app")
    def which(request: dualweb.Request):
        return {"same": request.app is holder["app"]}

    holder["app"] = app = build_app(router, host)
    assert client_for_app(app).get("/app").json() == {"same": True}


def test_links_to_the_apps_own_routes_and_below_a_root_path(host):
    router = dualweb.Router()

    @router.get("/link")
    def link(request: dualweb.Request):
        return {
            "native": str(request.url_for("native", name="n")),
            "root": request.scope["root_path"],
        }

    app = build_app(router, host)
    if host == "flask":
        app.add_url_rule("/native/<name>", "native", lambda name: name)
    else:
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        app.router.routes.append(Route("/native/{name}", PlainTextResponse, name="native"))
    assert client_for_app(app).get("/link").json() == {
        "native": "http://testserver/native/n",
        "root": "",
    }
    client = client_for_app(_below(app, host, "/api"))
    assert client.get("/link").json() == {
        "native": "http://testserver/api/native/n",
        "root": "/api",
    }


@pytest.mark.parametrize("size", [0, 10, 200_000])
def test_a_def_handler_streams_the_body_too(host, size):
    router = dualweb.Router()

    @router.post("/count")
    def count(request: dualweb.Request):
        return {"bytes": sum(len(chunk) for chunk in request.stream_sync())}

    client = client_for_app(build_app(router, host))
    assert client.post("/count", content=b"z" * size).json() == {"bytes": size}


def _below(app, host: str, root: str):
    """``app`` as a server mounted under ``root`` (a proxy's prefix) calls it."""
    if host == "flask":

        def wsgi(environ, start_response):
            return app({**environ, "SCRIPT_NAME": root}, start_response)

        return wsgi

    async def asgi(scope, receive, send):
        if scope["type"] == "http":
            scope = {**scope, "root_path": root, "path": root + scope["path"]}
        await app(scope, receive, send)

    return asgi

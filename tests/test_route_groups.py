"""On Starlette and FastAPI, a mounted router's routes stand in the app's route list as one
group that finds a request's route by the path's shape. These tests hold it to answering as
the routes, tried one by one in order, would have."""

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Match, WebSocketRoute
from starlette.routing import Route as StarletteRoute
from starlette.testclient import TestClient as StarletteClient

import dualweb.fastapi
import dualweb.starlette
from dualweb import Router

ASGI_HOSTS = ["starlette", "fastapi"]


def new_app(host: str) -> Any:
    if host == "fastapi":
        import fastapi

        return fastapi.FastAPI()
    return Starlette()


def mount(host: str, app: Any, router: Router, **kwargs: Any) -> None:
    module: Any = dualweb.fastapi if host == "fastapi" else dualweb.starlette
    module.mount(app, router, **kwargs)


def build_big() -> Router:
    router = Router()
    for number in range(150):
        router.add_api_route(
            f"/r{number}/{{item_id}}",
            lambda item_id, n=number: {"route": n, "item": item_id},
            methods=["GET"],
            name=f"r{number}",
        )
    for number in range(150):
        router.add_api_route(f"/static/s{number}", lambda n=number: {"static": n}, methods=["POST"])

    @router.get("/items/{item_id}")
    def by_id(item_id: str):
        return {"by_id": item_id}

    @router.get("/items/special")
    def special():  # declared after /items/{item_id}: that one answers, as in FastAPI
        return {"special": True}

    @router.put("/items/special")
    def put_special():
        return {"put": True}

    @router.get("/files/{rest:path}")
    def files(rest: str):
        return {"rest": rest}

    @router.get("/{anything}/tail")
    def tail(anything: str):
        return {"tail": anything}

    return router


@pytest.mark.parametrize("host", ASGI_HOSTS)
def test_a_large_router_answers_as_its_routes_in_order(host):
    app = new_app(host)
    mount(host, app, build_big())
    client = StarletteClient(app)
    assert client.get("/r0/a").json() == {"route": 0, "item": "a"}
    assert client.get("/r149/b").json() == {"route": 149, "item": "b"}
    assert client.post("/static/s77").json() == {"static": 77}
    # The first declared match wins, a later method match included.
    assert client.get("/items/special").json() == {"by_id": "special"}
    assert client.put("/items/special").json() == {"put": True}
    assert client.get("/files/a/b/c.txt").json() == {"rest": "a/b/c.txt"}
    assert client.get("/zz/tail").json() == {"tail": "zz"}
    assert client.get("/r3/tail").json() == {"route": 3, "item": "tail"}  # declared first
    # The first route whose path matches answers 405, with its methods.
    wrong = client.delete("/items/x")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    assert client.get("/static/s1").status_code == 405
    assert client.get("/r1/x/y").status_code == 404
    assert client.get("/nowhere").status_code == 404


@pytest.mark.parametrize("host", ASGI_HOSTS)
def test_the_scope_names_the_route_that_answered(host):
    app = new_app(host)
    mount(host, app, build_big(), prefix="/api")
    seen: dict[str, Any] = {}

    async def recording(scope, receive, send):
        await app(scope, receive, send)
        if scope["type"] == "http":
            seen["route"] = scope.get("route")
            seen["endpoint"] = scope.get("endpoint")
            seen["path_params"] = scope.get("path_params")

    client = StarletteClient(recording)
    assert client.get("/api/r5/q").status_code == 200
    assert isinstance(seen["route"], StarletteRoute)
    assert seen["route"].path == "/api/r5/{item_id}"
    assert seen["path_params"] == {"item_id": "q"}
    assert seen["endpoint"] is seen["route"].endpoint


@pytest.mark.parametrize("host", ASGI_HOSTS)
def test_url_paths_by_route_name(host):
    app = new_app(host)
    mount(host, app, build_big(), prefix="/api")
    assert app.url_path_for("r12", item_id="7") == "/api/r12/7"
    assert app.url_path_for("special") == "/api/items/special"


@pytest.mark.parametrize("host", ASGI_HOSTS)
def test_earlier_routes_keep_their_precedence_where_paths_overlap(host):
    app = new_app(host)

    async def native(request):
        return PlainTextResponse("native " + request.path_params.get("name", "-"))

    app.router.routes.append(StarletteRoute("/docs-like", native))
    app.router.routes.append(StarletteRoute("/people/{name}", native, methods=["GET"]))
    app.router.routes.append(WebSocketRoute("/ws", native))
    router = Router()

    @router.get("/only-ours")
    def only_ours():
        return {"ours": True}

    @router.get("/{page}")
    def page(page: str):
        return {"page": page}

    @router.post("/people/{name}")
    def add_person(name: str):
        return {"added": name}

    mount(host, app, router)
    client = StarletteClient(app)
    # Declared first, the native routes still answer the paths they share with ours.
    assert client.get("/docs-like").text == "native -"
    assert client.get("/people/ann").text == "native ann"
    assert client.post("/people/ann").json() == {"added": "ann"}
    # The first route whose path matches answers 405: the native one (Starlette adds HEAD).
    wrong = client.delete("/people/ann")
    assert wrong.status_code == 405
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert client.get("/anything").json() == {"page": "anything"}
    assert client.get("/only-ours").json() == {"ours": True}


def test_the_group_stands_before_routes_it_cannot_share_a_request_with():
    import fastapi

    app = fastapi.FastAPI()  # its docs routes come first
    router = Router()

    @router.get("/items/{item_id}")
    def item(item_id: int):
        return {"item": item_id}

    dualweb.fastapi.mount(app, router)
    first = app.router.routes[0]
    assert [route.path for route in first.routes] == ["/items/{item_id}"]
    client = StarletteClient(app)
    assert client.get("/items/3").json() == {"item": 3}
    assert client.get("/docs").status_code == 200  # FastAPI's own page still answers
    assert "/items/{item_id}" in client.get("/openapi.json").json()["paths"]

    overlapping = fastapi.FastAPI()
    router = Router()

    @router.get("/{name}")
    def by_name(name: str):
        return {"name": name}

    dualweb.fastapi.mount(overlapping, router)
    # "/{name}" could match "/docs": the group stays after FastAPI's routes (the docs pages,
    # served offline by dualweb, stand where FastAPI's stood: in a group before it).
    routes = overlapping.router.routes
    assert [getattr(route, "path", None) for route in routes] == [
        "/openapi.json",
        None,
        "/docs/oauth2-redirect",
        None,
    ]
    assert [route.path for route in routes[1].routes] == ["/docs", "/redoc", "/docs-assets/{name}"]
    assert [route.path for route in routes[3].routes] == ["/{name}"]
    client = StarletteClient(overlapping)
    assert "swagger" in client.get("/docs").text.lower()
    assert "<redoc" in client.get("/redoc").text
    assert client.get("/other").json() == {"name": "other"}
    # With FastAPI's own pages (offline_docs=False), those routes themselves.
    native_pages = fastapi.FastAPI()
    dualweb.fastapi.mount(native_pages, router, offline_docs=False)
    assert [getattr(route, "path", None) for route in native_pages.router.routes][:4] == [
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
    ]


@pytest.mark.parametrize("host", ASGI_HOSTS)
def test_routes_match_below_a_root_path(host):
    # Behind a proxy the scope's path keeps the root path; routes match what follows it.
    app = new_app(host)
    mount(host, app, build_big())
    seen: dict[str, Any] = {}

    async def proxied(scope, receive, send):
        if scope["type"] == "http":
            scope = {**scope, "root_path": "/proxy", "path": "/proxy" + scope["path"]}
        await app(scope, receive, send)
        seen["route"] = scope.get("route")

    client = StarletteClient(proxied)
    assert client.get("/r7/z").json() == {"route": 7, "item": "z"}
    assert seen["route"].path == "/r7/{item_id}"
    assert client.get("/files/a/b").json() == {"rest": "a/b"}


def _one_by_one(routes, scope):
    # What Starlette's router decides when it tries the routes in order.
    partial = None
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            return match, {**child_scope, "route": route}
        if match is Match.PARTIAL and partial is None:
            partial = {**child_scope, "route": route}
    if partial is not None:
        return Match.PARTIAL, partial
    return Match.NONE, {}


def test_the_group_decides_as_starlettes_router_would():
    app = Starlette()
    dualweb.starlette.mount(app, build_big(), openapi_url=None)
    (group,) = app.router.routes
    paths = [
        "/items",
        "/items/",
        "/items/special",
        "/items/special\n",
        "/items/3",
        "/items/3\n",
        "/static/s5",
        "/static/s5\n",
        "/static/s5/",
        "/static/s5\n\n",
        "/files/a/b\n",
        "/zz/tail",
        "/r12/x",
        "/r12/",
        "/nowhere",
        "",
        "/",
    ]
    for method in ("GET", "POST", "PUT", "DELETE"):
        for path in paths:
            for outer in ({}, {"tenant": "t1"}):
                scope = {"type": "http", "method": method, "path": path, "root_path": ""}
                if outer:
                    scope["path_params"] = outer
                expected = _one_by_one(group.routes, dict(scope))
                assert group.matches(dict(scope)) == expected, (method, repr(path), outer)


def test_fastapi_telemetry_names_dualweb_routes_as_its_own():
    # FastAPI reports the matched route's template to OpenTelemetry (the span's name and
    # `http.route`); it reads it from the route its router matched, here the group.
    import fastapi
    from opentelemetry import trace

    spans: list[dict[str, Any]] = []

    class Span(trace.NonRecordingSpan):
        def __init__(self, name):
            super().__init__(trace.INVALID_SPAN_CONTEXT)
            spans.append({"name": name})

        def set_attribute(self, key, value):
            spans[-1][key] = value

        def update_name(self, name):
            spans[-1]["name"] = name

    class Tracer(trace.Tracer):
        def start_span(self, name, context=None, kind=None, attributes=None, **kwargs):
            span = Span(name)
            for key, value in (attributes or {}).items():
                span.set_attribute(key, value)
            return span

        def start_as_current_span(self, *args, **kwargs):
            raise AssertionError("operation spans are off in this test")

    class Provider(trace.TracerProvider):
        def get_tracer(self, *args, **kwargs):
            return Tracer()

    telemetry = {"tracer_provider": Provider(), "metrics": False, "logs": False}
    app = fastapi.FastAPI(telemetry={**telemetry, "operation_spans": False})

    @app.get("/native/{x}")
    def native(x: str):
        return {"x": x}

    router = Router()

    @router.get("/ours/{y}")
    def ours(y: str):
        return {"y": y}

    @router.post("/plain")
    def plain():
        return {}

    dualweb.fastapi.mount(app, router)
    client = StarletteClient(app)
    assert client.get("/native/1").status_code == 200
    assert client.get("/ours/2").status_code == 200
    assert client.post("/plain").status_code == 200
    assert [(span["name"], span.get("http.route")) for span in spans] == [
        ("GET /native/{x}", "/native/{x}"),
        ("GET /ours/{y}", "/ours/{y}"),
        ("POST /plain", "/plain"),
    ]


def test_a_group_called_without_a_matched_scope_finds_its_route():
    import asyncio

    app = Starlette()
    dualweb.starlette.mount(app, build_big(), openapi_url=None)
    (group,) = app.router.routes

    async def call(handle, path):
        sent: list[dict[str, Any]] = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        scope.update(query_string=b"", scheme="http", server=("t", 80), client=("c", 1))
        await handle(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    assert asyncio.run(call(group.handle, "/r4/q")) == (200, b'{"route":4,"item":"q"}')
    assert asyncio.run(call(group, "/r4/q")) == (200, b'{"route":4,"item":"q"}')
    assert asyncio.run(call(group.handle, "/nowhere"))[0] == 404

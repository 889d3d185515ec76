"""Router declarations: methods, api_route, add_api_route, include_router merging."""

from typing import Annotated

import pytest
from pydantic import BaseModel

from dualweb import Path, Router
from dualweb.exceptions import DualwebError
from dualweb.responses import HTMLResponse, PlainTextResponse
from tests.conftest import DUALWEB, native_client


def build_methods(api):
    router = api.Router()

    @router.get("/m")
    def get_():
        return {"method": "GET"}

    @router.post("/m")
    def post_():
        return {"method": "POST"}

    @router.put("/m")
    def put_():
        return {"method": "PUT"}

    @router.patch("/m")
    def patch_():
        return {"method": "PATCH"}

    @router.delete("/m")
    def delete_():
        return {"method": "DELETE"}

    @router.options("/m")
    def options_():
        return {"method": "OPTIONS"}

    @router.head("/h")
    def head_():
        return {"method": "HEAD"}

    @router.trace("/m")
    def trace_():
        return {"method": "TRACE"}

    @router.api_route("/multi", methods=["GET", "POST"])
    async def multi():
        return {"multi": True}

    def plain(x: int = 1):
        return {"x": x}

    router.add_api_route("/added", plain, methods=["PUT"], status_code=202)
    return router


def test_every_method(parity):
    results = parity(
        build_methods,
        [
            ("GET", "/m"),
            ("POST", "/m"),
            ("PUT", "/m"),
            ("PATCH", "/m"),
            ("DELETE", "/m"),
            ("OPTIONS", "/m"),
            ("TRACE", "/m"),
            ("HEAD", "/h"),
            ("GET", "/multi"),
            ("POST", "/multi"),
            ("PUT", "/added?x=5"),
        ],
    )
    assert [r.json()["method"] for r in results[:7]] == [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "TRACE",
    ]
    assert results[-1].status_code == 202
    assert results[-1].json() == {"x": 5}


def test_head_and_options_as_the_host_answers_them(parity, fastapi_ns, host):
    # FastAPI's routes answer only their declared methods: HEAD on a GET route is 405.
    # Flask answers HEAD (the GET without its body) and OPTIONS for every route of its
    # own, and so for dualweb's (Flask-CORS answers preflights there); a path where an
    # operation declares HEAD or OPTIONS gets that operation's answer everywhere.
    native = native_client(build_methods, fastapi_ns)
    assert native.head("/multi").status_code == 405
    assert native.options("/multi").status_code == 405
    client = parity.client(build_methods)
    head, options = client.head("/multi"), client.options("/multi")
    if host == "flask":
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == client.get("/multi").headers["content-length"]
        assert options.status_code == 200
        assert set(options.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    else:
        assert (head.status_code, options.status_code) == (405, 405)
    assert client.head("/h").status_code == 200
    assert client.options("/m").json() == {"method": "OPTIONS"}  # declared: its handler
    assert client.get("/m").json() == {"method": "GET"}


def test_undeclared_method_is_refused(serve, host):
    client = serve(build_methods)
    assert client.request("PATCH", "/multi").status_code == 405


def build_included(api):
    calls = []

    def outer_dep():
        calls.append("outer")

    def include_dep():
        calls.append("include")

    def inner_dep():
        calls.append("inner")

    def op_dep():
        calls.append("op")

    inner = api.Router(prefix="/inner", tags=["inner"], dependencies=[api.Depends(inner_dep)])

    @inner.get(
        "/{item_id}",
        tags=["op"],
        dependencies=[api.Depends(op_dep)],
        responses={418: {"description": "teapot"}},
    )
    def read(item_id: int):
        result = {"item_id": item_id, "calls": list(calls)}
        calls.clear()
        return result

    outer = api.Router(
        prefix="/outer",
        tags=["outer"],
        dependencies=[api.Depends(outer_dep)],
        responses={404: {"description": "missing"}},
    )
    outer.include_router(
        inner,
        prefix="/v1",
        tags=["include"],
        dependencies=[api.Depends(include_dep)],
        responses={500: {"description": "oops"}},
    )
    return outer


def test_include_router_merges_prefix_and_dependencies(parity):
    (response,) = parity(build_included, [("GET", "/outer/v1/inner/3")])
    assert response.json() == {"item_id": 3, "calls": ["outer", "include", "inner", "op"]}


def _native_routes(app):
    # FastAPI 0.16x includes routers lazily; its route contexts show the merged view.
    # iter_route_contexts is FastAPI 0.137.2's; before, include_router copies the routes,
    # merged, into app.routes.
    import fastapi.routing

    if not hasattr(fastapi.routing, "iter_route_contexts"):
        return [route for route in app.routes if isinstance(route, fastapi.routing.APIRoute)]
    return [
        context
        for context in fastapi.routing.iter_route_contexts(app.routes)
        if isinstance(context.original_route, fastapi.routing.APIRoute)
    ]


def test_include_router_merges_like_fastapi(fastapi_ns):
    import fastapi

    ours = build_included(DUALWEB).routes
    app = fastapi.FastAPI()
    app.include_router(build_included(fastapi_ns))
    theirs = _native_routes(app)
    assert len(ours) == len(theirs) == 1
    for attribute in ("path", "methods", "tags", "responses", "name", "unique_id", "status_code"):
        assert getattr(ours[0], attribute) == getattr(theirs[0], attribute), attribute
    assert [d.dependency.__name__ for d in ours[0].dependencies] == [
        d.dependency.__name__ for d in theirs[0].dependencies
    ]


def test_routes_declared_after_include_are_served(serve):
    child = Router()
    parent = Router()
    parent.include_router(child, prefix="/child")

    @child.get("/late")
    def late():
        return {"late": True}

    assert serve(parent).get("/child/late").json() == {"late": True}


def test_operation_metadata_like_fastapi(fastapi_ns):
    import fastapi

    class Out(BaseModel):
        value: int

    def build(api):
        router = api.Router()

        @router.get(
            "/meta/{x}",
            summary="Sum",
            response_description="Done",
            deprecated=True,
            operation_id="custom_id",
            include_in_schema=False,
            name="named",
            openapi_extra={"x-extra": 1},
            response_model=Out,
            status_code=201,
        )
        def meta(x: int):
            """Docstring line.

            More.
            \f
            Hidden part.
            """
            return {"value": x}

        @router.post("/doc")
        def doc():
            """Only this."""

        return router

    ours = build(DUALWEB).routes
    app = fastapi.FastAPI()
    app.include_router(build(fastapi_ns))
    theirs = _native_routes(app)
    attributes = (
        "path",
        "methods",
        "summary",
        "description",
        "response_description",
        "deprecated",
        "operation_id",
        "include_in_schema",
        "name",
        "openapi_extra",
        "unique_id",
        "status_code",
        "response_model",
    )
    for mine, native in zip(ours, theirs):
        for attribute in attributes:
            assert getattr(mine, attribute) == getattr(native, attribute), attribute


def test_response_class_defaults_cascade(serve):
    child = Router(default_response_class=PlainTextResponse)

    @child.get("/text")
    def text():
        return "plain"

    @child.get("/html", response_class=HTMLResponse)
    def html():
        return "<b>x</b>"

    parent = Router()
    parent.include_router(child)
    client = serve(parent)
    assert client.get("/text").headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get("/text").text == "plain"
    assert client.get("/html").headers["content-type"] == "text/html; charset=utf-8"


def test_declaration_errors_are_clear():
    router = Router()
    with pytest.raises(DualwebError, match="must start with '/'"):
        Router(prefix="api")
    with pytest.raises(DualwebError, match="must not end with '/'"):
        Router(prefix="/api/")
    with pytest.raises(DualwebError, match="include itself"):
        router.include_router(router)
    with pytest.raises(TypeError, match="unknown operation keyword"):
        router.get("/x", not_a_keyword=True)(lambda: None)
    with pytest.raises(DualwebError, match="default value"):

        @router.get("/p/{x}")
        def bad_path(x: Annotated[int, Path()] = 3):
            return x

    with pytest.raises(DualwebError, match="must not have a response body"):

        @router.get("/nobody", status_code=204, response_model=dict)
        def no_body():
            return {}


def test_cycles_are_refused():
    a, b = Router(), Router()
    a.include_router(b)
    with pytest.raises(DualwebError, match="cycle"):
        b.include_router(a)


def test_a_served_path_must_start_with_a_slash(serve):
    # Callback and webhook paths need not ("{$callback_url}/events", "new-subscription"):
    # a served one is refused when it is mounted.
    router = Router()
    router.get("items")(lambda: None)
    with pytest.raises(DualwebError, match="Routed paths must start with '/': 'items'"):
        serve(router)


def test_a_refused_declaration_is_not_recorded():
    # What mount() refuses leaves the router as it was mounted (routes, includes, handlers).
    router = Router()
    router.get("/a")(lambda: None)
    router.freeze()
    with pytest.raises(DualwebError, match="already mounted"):
        router.get("/late")(lambda: None)
    with pytest.raises(DualwebError, match="already mounted"):
        router.include_router(Router())
    with pytest.raises(DualwebError, match="already mounted"):
        router.add_exception_handler(404, lambda request, exc: None)
    assert [route.path for route in router.routes] == ["/a"]
    assert router.exception_handlers == {}

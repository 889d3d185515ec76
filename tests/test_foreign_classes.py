"""FastAPI's and Starlette's response and exception classes left over in a module moved
to dualweb: returned responses and raised exceptions answer as on FastAPI, on every host;
exception handlers registered for their classes take dualweb's; a response class of
theirs named in ``response_class=`` is refused at declaration, naming the import to use."""

import asyncio
import tempfile
from pathlib import Path

import fastapi
import fastapi.exceptions
import fastapi.responses
import fastapi.security
import fastapi.sse
import pytest
import starlette.background
import starlette.exceptions
import starlette.responses
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

import dualweb
from dualweb.exceptions import DualwebError
from dualweb.testing import build_app, client_for_app
from tests.conftest import DUALWEB

FOLDER = Path(tempfile.mkdtemp())
(FOLDER / "report.csv").write_text("id,total\n1,10\n")


class Item(BaseModel):
    name: str


class XMLResponse(starlette.responses.Response):
    """A user's own response class, derived from Starlette's (FastAPI's tutorials do so)."""

    media_type = "application/xml"

    def render(self, content):
        return f"<value>{content}</value>".encode()


def _chunks():
    yield "id,name\n"
    yield b"1,one\n"


async def _async_chunks():
    for n in range(2):
        await asyncio.sleep(0)
        yield f"tick {n}\n"


# --- returned responses ---------------------------------------------------------------------


def build_returned(api):
    router = api.Router()

    @router.get("/json")
    def json_202():
        return fastapi.responses.JSONResponse({"a": 1, "é": [None]}, status_code=202)

    @router.get("/redirect")
    def redirect():
        return starlette.responses.RedirectResponse("/somewhere else", status_code=303)

    @router.get("/html")
    async def html():
        return fastapi.responses.HTMLResponse("<b>hi</b>", headers={"Cache-Control": "no-store"})

    @router.get("/cookies")
    def cookies():
        response = starlette.responses.PlainTextResponse("two cookies")
        response.set_cookie("a", "1", httponly=True)
        response.set_cookie("b", "2", max_age=60)
        response.headers.append("x-twice", "1")
        response.headers.append("x-twice", "2")
        return response

    @router.get("/xml")
    def xml():
        return starlette.responses.Response("<a/>", media_type="application/xml")

    @router.get("/own-class")
    def own_class():
        return XMLResponse(42, status_code=201)

    @router.get("/empty", status_code=204)
    def empty():
        return fastapi.Response(status_code=204)

    @router.get("/stream")
    def stream():
        return starlette.responses.StreamingResponse(_chunks(), media_type="text/csv")

    @router.get("/async-stream")
    async def async_stream():
        return fastapi.responses.StreamingResponse(_async_chunks(), media_type="text/plain")

    @router.api_route("/file", methods=["GET", "HEAD"])
    def file():
        return fastapi.responses.FileResponse(FOLDER / "report.csv", filename="résumé.csv")

    @router.get("/model/{name}", response_model=Item)
    def model(name: str):
        if name == "missing":
            return fastapi.responses.JSONResponse({"message": "not found"}, status_code=404)
        return {"name": name, "dropped": True}

    @router.get("/annotated")
    def annotated() -> starlette.responses.PlainTextResponse:
        return starlette.responses.PlainTextResponse("annotated")

    @router.get("/with-response-param")
    def with_response_param(response: api.Response):
        response.headers["x-lost"] = "1"  # a returned response is sent as it is
        return fastapi.responses.JSONResponse({"returned": True})

    return router


def test_returned_responses_answer_as_on_fastapi(parity):
    results = parity(
        build_returned,
        [
            ("GET", "/json"),
            ("GET", "/redirect", {"follow_redirects": False}),
            ("GET", "/html"),
            ("GET", "/cookies"),
            ("GET", "/xml"),
            ("GET", "/own-class"),
            ("GET", "/empty"),
            ("GET", "/stream"),
            ("GET", "/async-stream"),
            ("GET", "/file"),
            ("HEAD", "/file"),
            ("GET", "/file", {"headers": {"Range": "bytes=0-1"}}),
            ("GET", "/file", {"headers": {"Range": "bytes=100-"}}),
            ("GET", "/model/missing"),
            ("GET", "/model/x"),
            ("GET", "/annotated"),
            ("GET", "/with-response-param"),
        ],
    )
    json_202, redirect, html, cookies, xml, own, empty, stream, async_stream, *rest = results
    file, head, part, past_end, missing, found, annotated, with_param = rest
    assert (json_202.status_code, json_202.json()) == (202, {"a": 1, "é": [None]})
    assert (redirect.status_code, redirect.headers["location"]) == (303, "/somewhere%20else")
    assert html.headers["cache-control"] == "no-store"
    assert cookies.headers.get_list("set-cookie") == [
        "a=1; HttpOnly; Path=/; SameSite=lax",
        "b=2; Max-Age=60; Path=/; SameSite=lax",
    ]
    assert cookies.headers.get_list("x-twice") == ["1", "2"]
    assert (xml.headers["content-type"], xml.text) == ("application/xml", "<a/>")
    assert (own.status_code, own.text) == (201, "<value>42</value>")
    assert (empty.status_code, empty.content) == (204, b"")
    assert stream.text == "id,name\n1,one\n"
    assert async_stream.text == "tick 0\ntick 1\n"
    assert file.text == "id,total\n1,10\n"
    assert (
        file.headers["content-disposition"] == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.csv"
    )
    assert (head.content, head.headers["content-length"]) == (b"", "14")
    assert (part.status_code, part.content) == (206, b"id")
    assert past_end.status_code == 416
    assert (missing.status_code, missing.json()) == (404, {"message": "not found"})
    assert found.json() == {"name": "x"}
    assert annotated.text == "annotated"
    assert "x-lost" not in with_param.headers


def test_background_tasks_of_a_returned_response_run(serve):
    done = []
    router = dualweb.Router()

    @router.get("/theirs")
    def theirs():
        tasks = starlette.background.BackgroundTasks()
        tasks.add_task(done.append, "starlette tasks")
        return fastapi.responses.JSONResponse({}, background=tasks)

    @router.get("/one")
    async def one():
        task = starlette.background.BackgroundTask(done.append, "one task")
        return starlette.responses.StreamingResponse(iter(["a"]), background=task)

    @router.get("/ours")
    def ours(tasks: dualweb.BackgroundTasks):
        tasks.add_task(done.append, "the handler's tasks")
        return starlette.responses.PlainTextResponse("the request's tasks are taken")

    @router.get("/mixed")
    def mixed(tasks: dualweb.BackgroundTasks):
        tasks.add_task(done.append, "dualweb tasks given to theirs")
        return fastapi.responses.JSONResponse({}, background=tasks)

    client = serve(router)
    for path in ["/theirs", "/one", "/ours", "/mixed"]:
        assert client.get(path).status_code == 200
    assert done == [
        "starlette tasks",
        "one task",
        "the handler's tasks",
        "dualweb tasks given to theirs",
    ]


# --- raised exceptions ----------------------------------------------------------------------


def build_raised(api):
    router = api.Router()

    @router.get("/fastapi")
    def fastapi_http():
        raise fastapi.HTTPException(409, "conflict", headers={"X-E": "1"})

    @router.get("/starlette")
    async def starlette_http():
        raise StarletteHTTPException(409, "conflict", headers={"X-E": "1"})

    @router.get("/default-detail")
    def default_detail():
        raise fastapi.HTTPException(418)

    @router.get("/not-modified")
    def not_modified():
        raise fastapi.HTTPException(304, headers={"ETag": '"abc"'})

    def deny():
        raise fastapi.HTTPException(403, {"reason": "denied in a dependency"})

    @router.get("/dependency")
    def dependency(user: str = api.Depends(deny)):
        return {"never": user}

    @router.get("/validation")
    def validation():
        errors = [{"type": "missing", "loc": ("query", "q"), "msg": "Field required"}]
        raise fastapi.exceptions.RequestValidationError(errors)

    return router


def test_raised_exceptions_answer_as_dualwebs(parity):
    results = parity(
        build_raised,
        [
            ("GET", "/fastapi"),
            ("GET", "/starlette"),
            ("GET", "/default-detail"),
            ("GET", "/not-modified"),
            ("GET", "/dependency"),
            ("GET", "/validation"),
        ],
    )
    raised, starlettes, teapot, not_modified, denied, invalid = results
    assert (raised.status_code, raised.json(), raised.headers["x-e"]) == (
        409,
        {"detail": "conflict"},
        "1",
    )
    assert starlettes.json() == {"detail": "conflict"}
    assert teapot.json() == {"detail": "I'm a Teapot"}
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    assert denied.json() == {"detail": {"reason": "denied in a dependency"}}
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["query", "q"]


def _raising_router(exc_factory):
    router = dualweb.Router()

    @router.get("/fail")
    def fail():
        raise exc_factory()

    return router


def test_raised_exceptions_reach_the_apps_handlers_as_dualwebs(host):
    # With errors="app", theirs reach the host app's error handling exactly as dualweb's.
    def answer(factory):
        app = build_app(_raising_router(factory), host, errors="app")
        response = client_for_app(app).get("/fail")
        return response.status_code, response.headers.get("x-e"), response.content

    ours = answer(lambda: dualweb.HTTPException(409, "conflict", headers={"X-E": "1"}))
    assert ours[:2] == (409, "1")
    assert answer(lambda: fastapi.HTTPException(409, "conflict", headers={"X-E": "1"})) == ours
    assert answer(lambda: StarletteHTTPException(409, "conflict", headers={"X-E": "1"})) == ours


# --- exception handlers registered for their classes ----------------------------------------


def _register(api, router, handlers):
    if api.native:
        router._test_exception_handlers = handlers
    else:
        for key, handler in handlers.items():
            router.exception_handler(key)(handler)


def build_starlette_handler(api):
    # FastAPI's "Handling errors" tutorial 004: the override is registered on Starlette's class.
    router = api.Router()

    async def http_exception_handler(request, exc):
        return api.PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    _register(api, router, {StarletteHTTPException: http_exception_handler})

    @router.get("/items/{item_id}")
    async def read_item(item_id: int):
        if item_id == 3:
            raise api.HTTPException(status_code=418, detail="Nope! I don't like 3.")
        if item_id == 4:
            raise StarletteHTTPException(409, "starlette's own")
        return {"item_id": item_id}

    return router


def test_a_handler_for_starlettes_http_exception_takes_dualwebs(parity):
    nope, own, invalid, ok = parity(
        build_starlette_handler,
        [
            ("GET", "/items/3"),
            ("GET", "/items/4"),
            ("GET", "/items/x"),
            ("GET", "/items/1"),
        ],
    )
    assert (nope.status_code, nope.text) == (418, "Nope! I don't like 3.")
    assert nope.headers["content-type"] == "text/plain; charset=utf-8"
    assert (own.status_code, own.text) == (409, "starlette's own")
    assert invalid.status_code == 422  # validation errors keep their own handler
    assert ok.json() == {"item_id": 1}


def build_delegating_starlette_handler(api):
    # Tutorial 006: the override logs, then delegates to the default handler.
    router = api.Router()
    seen = []

    async def custom_http_exception_handler(request, exc):
        seen.append(exc.status_code)
        return await api.http_exception_handler(request, exc)

    _register(api, router, {StarletteHTTPException: custom_http_exception_handler})

    @router.get("/items/{item_id}")
    async def read_item(item_id: int):
        if item_id == 3:
            raise api.HTTPException(status_code=418, detail="Nope! I don't like 3.")
        return {"item_id": item_id}

    router.seen = seen
    return router


def test_a_delegating_handler_for_starlettes_http_exception(parity, serve):
    (nope,) = parity(build_delegating_starlette_handler, [("GET", "/items/3")])
    assert nope.json() == {"detail": "Nope! I don't like 3."}
    router = build_delegating_starlette_handler(DUALWEB)
    serve(router).get("/items/3")
    assert router.seen == [418]


def build_precedence(api):
    # FastAPI looks a handler up by status code first, then along the exception's MRO,
    # where fastapi.HTTPException (dualweb's) comes before Starlette's.
    router = api.Router()

    def handler(name):
        def answer(request, exc):
            return starlette.responses.JSONResponse({"handler": name}, status_code=exc.status_code)

        return answer

    _register(
        api,
        router,
        {
            StarletteHTTPException: handler("starlette"),
            api.HTTPException: handler("http"),
            401: handler("401"),
        },
    )

    @router.get("/ours/{code}")
    def ours(code: int):
        raise api.HTTPException(code)

    @router.get("/fastapis/{code}")
    def fastapis(code: int):
        raise fastapi.HTTPException(code)

    @router.get("/starlettes/{code}")
    def starlettes(code: int):
        raise StarletteHTTPException(code)

    return router


def test_handler_precedence_as_fastapi(parity):
    results = parity(
        build_precedence,
        [
            ("GET", f"/{kind}/{code}")
            for kind in ("ours", "fastapis", "starlettes")
            for code in (400, 401)
        ],
    )
    assert [r.json()["handler"] for r in results] == ["http", "401"] * 2 + ["starlette", "401"]


def build_fastapi_keys(api):
    # Handlers registered for FastAPI's own classes (an import left over) take dualweb's.
    router = api.Router()

    def http_handler(request, exc):
        return api.JSONResponse({"http": exc.detail}, status_code=exc.status_code)

    def validation_handler(request, exc):
        return api.JSONResponse({"invalid": len(exc.errors())}, status_code=400)

    _register(
        api,
        router,
        {
            fastapi.HTTPException: http_handler,
            fastapi.exceptions.RequestValidationError: validation_handler,
        },
    )

    @router.get("/items/{item_id}")
    def read_item(item_id: int):
        raise api.HTTPException(404, f"no item {item_id}")

    return router


def test_handlers_registered_for_fastapis_classes_take_dualwebs(parity):
    missing, invalid = parity(build_fastapi_keys, [("GET", "/items/1"), ("GET", "/items/x")])
    assert missing.json() == {"http": "no item 1"}
    assert (invalid.status_code, invalid.json()) == (400, {"invalid": 1})


# --- response classes named at declaration -------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "fix"),
    [
        (starlette.responses.HTMLResponse, "`from dualweb.responses import HTMLResponse`"),
        (fastapi.responses.JSONResponse, "`from dualweb.responses import JSONResponse`"),
        (fastapi.responses.StreamingResponse, "`from dualweb.responses import StreamingResponse`"),
        (fastapi.sse.EventSourceResponse, "`from dualweb.sse import EventSourceResponse`"),
        (XMLResponse, "derive XMLResponse from `dualweb.responses.Response`"),
    ],
    ids=["html", "json", "streaming", "sse", "own-class"],
)
def test_their_response_classes_are_refused_at_declaration(cls, fix):
    router = dualweb.Router()
    with pytest.raises(DualwebError, match="response_class=") as raised:

        @router.get("/", response_class=cls)
        def page():
            return "x"

    assert fix in str(raised.value)
    with pytest.raises(DualwebError, match="default_response_class=") as raised:
        dualweb.Router(default_response_class=cls)
    assert fix in str(raised.value)
    with pytest.raises(DualwebError, match="default_response_class="):
        router.include_router(dualweb.Router(), default_response_class=cls)


@pytest.mark.parametrize(
    ("annotation", "fix"),
    [
        (fastapi.Request, "from dualweb import Request"),
        (fastapi.Response, "from dualweb import Response"),
        (fastapi.BackgroundTasks, "from dualweb import BackgroundTasks"),
        (starlette.background.BackgroundTasks, "from dualweb import BackgroundTasks"),
        (fastapi.UploadFile, "from dualweb import UploadFile"),
        (fastapi.security.SecurityScopes, "from dualweb.security import SecurityScopes"),
    ],
)
def test_their_request_bound_parameter_types_are_refused_naming_dualwebs(annotation, fix):
    router = dualweb.Router()

    def uses(value: annotation) -> dict:  # type: ignore[valid-type]
        return {}

    with pytest.raises(DualwebError, match=f"parameter 'value' .*`{fix}` instead"):
        router.get("/")(uses)
    with pytest.raises(DualwebError, match=f"`{fix}` instead"):  # in a dependency too
        router.get("/dep")(lambda held=dualweb.Depends(uses): held)

"""HTTPException, exception handlers, sync and async handlers, and unhandled
exceptions, on every host, compared with native FastAPI where it applies."""

import asyncio
import threading

import flask
import pytest
from pydantic import BaseModel
from starlette.responses import PlainTextResponse as StarlettePlainText

import dualweb
import dualweb.exception_handlers
import dualweb.fastapi
import dualweb.starlette
from dualweb.testing import build_app, client_for_app
from tests.conftest import DUALWEB

# --- HTTPException -------------------------------------------------------------------


def build_http_exceptions(api):
    router = api.Router()

    @router.get("/str")
    def as_str():
        raise api.HTTPException(status_code=404, detail="Item not found")

    @router.get("/dict")
    async def as_dict():
        raise api.HTTPException(400, detail={"code": "bad", "fields": ["a", "b"]})

    @router.get("/list")
    def as_list():
        raise api.HTTPException(409, [{"msg": "conflict"}, 1, None])

    @router.get("/default-detail")
    def default_detail():
        raise api.HTTPException(status_code=418)

    @router.get("/headers")
    async def with_headers():
        raise api.HTTPException(
            401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer", "X-Why": "no"}
        )

    @router.get("/not-modified")
    def not_modified():
        raise api.HTTPException(304, headers={"ETag": '"abc"', "Expires": "0"})

    @router.get("/no-content")
    def no_content():
        raise api.HTTPException(204)

    def deny():
        raise api.HTTPException(403, "denied in dependency")

    @router.get("/in-dependency")
    def in_dependency(user: str = api.Depends(deny)):
        return {"never": user}

    @router.get("/with-response-param")
    def with_response_param(response: api.Response):
        # Headers set on the injected response do not reach the error.
        response.headers["X-Lost"] = "1"
        raise api.HTTPException(403, "forbidden")

    return router


def test_http_exceptions(parity):
    results = parity(
        build_http_exceptions,
        [
            ("GET", "/str"),
            ("GET", "/dict"),
            ("GET", "/list"),
            ("GET", "/default-detail"),
            ("GET", "/headers"),
            ("GET", "/not-modified"),
            ("GET", "/no-content"),
            ("GET", "/with-response-param"),
            ("GET", "/in-dependency"),
        ],
    )
    as_str, as_dict, as_list, default, headers, not_modified, no_content, lost, dep = results
    assert (as_str.status_code, as_str.json()) == (404, {"detail": "Item not found"})
    assert as_dict.json() == {"detail": {"code": "bad", "fields": ["a", "b"]}}
    assert (as_list.status_code, as_list.json()) == (
        409,
        {"detail": [{"msg": "conflict"}, 1, None]},
    )
    assert (default.status_code, default.json()) == (418, {"detail": "I'm a Teapot"})
    assert headers.headers["www-authenticate"] == "Bearer"
    assert headers.headers["x-why"] == "no"
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == '"abc"' and not_modified.headers["expires"] == "0"
    assert "content-type" not in not_modified.headers
    assert no_content.status_code == 204 and no_content.content == b""
    assert lost.status_code == 403 and "x-lost" not in lost.headers
    assert (dep.status_code, dep.json()) == (403, {"detail": "denied in dependency"})


# --- exception handlers declared on a Router ------------------------------------------------


class UnicornError(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


class RainbowError(UnicornError):
    pass


class QuotaError(Exception):
    pass


class Payload(BaseModel):
    size: int


def build_handlers(api):
    router = api.Router()

    def unicorn_handler(request, exc):  # sync
        return api.JSONResponse(
            status_code=418,
            content={"message": f"Oops! {exc.name} did something.", "path": request.url.path},
            headers={"X-Unicorn": exc.name},
        )

    async def quota_handler(request, exc):  # async
        await asyncio.sleep(0)
        return api.PlainTextResponse(f"quota: {exc}", status_code=429)

    async def not_found_handler(request, exc):
        return api.JSONResponse({"missing": exc.detail, "method": request.method}, status_code=404)

    def validation_handler(request, exc):
        return api.JSONResponse(
            {
                "errors": len(exc.errors()),
                "first_loc": list(exc.errors()[0]["loc"]),
                "body": exc.body,
            },
            status_code=400,
        )

    handlers = {
        UnicornError: unicorn_handler,
        QuotaError: quota_handler,
        404: not_found_handler,
        api.RequestValidationError: validation_handler,
    }
    if api.native:
        router._test_exception_handlers = handlers
    else:
        for key, handler in handlers.items():
            router.exception_handler(key)(handler)

    @router.get("/unicorn/{name}")
    def unicorn(name: str):
        raise UnicornError(name)

    @router.get("/rainbow")
    async def rainbow():
        raise RainbowError("rainbow")  # handled by the base class's handler

    @router.get("/quota")
    def quota():
        raise QuotaError("exceeded")

    @router.get("/items/{item_id}")
    async def item(item_id: int):
        raise api.HTTPException(404, detail=f"item {item_id}")

    @router.get("/teapot")
    def teapot():
        raise api.HTTPException(418, detail="other statuses keep the default handler")

    @router.post("/payload")
    def payload(body: Payload):
        return body

    @router.get("/dependency-raises")
    def dependency_raises(value: str = api.Depends(_unicorn_dependency)):
        return {"value": value}

    return router


def _unicorn_dependency():
    raise UnicornError("dependency")


def test_exception_handlers(parity):
    results = parity(
        build_handlers,
        [
            ("GET", "/unicorn/yolo"),
            ("GET", "/rainbow"),
            ("GET", "/quota"),
            ("GET", "/items/3"),
            ("GET", "/items/x"),
            ("GET", "/teapot"),
            ("POST", "/payload", {"json": {"size": "big"}}),
            (
                "POST",
                "/payload",
                {"content": b"{not json", "headers": {"content-type": "application/json"}},
            ),
            ("POST", "/payload", {"json": {"size": 3}}),
            ("GET", "/dependency-raises"),
        ],
    )
    unicorn, rainbow, quota, item, bad_item, teapot, bad_body, bad_json, ok, dep = results
    assert unicorn.status_code == 418
    assert unicorn.json() == {"message": "Oops! yolo did something.", "path": "/unicorn/yolo"}
    assert unicorn.headers["x-unicorn"] == "yolo"
    assert rainbow.json()["message"] == "Oops! rainbow did something."
    assert (quota.status_code, quota.text) == (429, "quota: exceeded")
    assert item.json() == {"missing": "item 3", "method": "GET"}
    assert bad_item.status_code == 400
    assert bad_item.json() == {"errors": 1, "first_loc": ["path", "item_id"], "body": None}
    assert teapot.json() == {"detail": "other statuses keep the default handler"}
    assert bad_body.json() == {"errors": 1, "first_loc": ["body", "size"], "body": {"size": "big"}}
    assert bad_json.status_code == 400 and bad_json.json()["first_loc"] == ["body", 1]
    assert ok.json() == {"size": 3}
    assert dep.json()["message"] == "Oops! dependency did something."


def build_overriding_defaults(api):
    router = api.Router()
    seen = []

    async def http_handler(request, exc):
        seen.append(("http", exc.status_code))
        return api.JSONResponse(
            {"error": exc.detail, "status": exc.status_code},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def delegating_validation_handler(request, exc):
        seen.append(("validation", len(exc.errors())))
        return await api.request_validation_exception_handler(request, exc)

    def delegating_http_for_401(request, exc):
        seen.append(("401", exc.status_code))
        return api.JSONResponse(
            {"detail": exc.detail, "delegated": True}, status_code=401, headers=exc.headers
        )

    handlers = {
        api.HTTPException: http_handler,
        api.RequestValidationError: delegating_validation_handler,
        401: delegating_http_for_401,
    }
    if api.native:
        router._test_exception_handlers = handlers
    else:
        for key, handler in handlers.items():
            router.add_exception_handler(key, handler)

    @router.get("/http/{code}")
    def http(code: int):
        raise api.HTTPException(code, detail=f"code {code}", headers={"X-Code": str(code)})

    @router.get("/validate")
    async def validate(n: int, m: int = 0):
        return {"n": n, "m": m}

    router.seen = seen
    return router


def test_handlers_replace_the_defaults(parity):
    results = parity(
        build_overriding_defaults,
        [
            ("GET", "/http/400"),
            ("GET", "/http/401"),
            ("GET", "/http/503"),
            ("GET", "/validate?n=x&m=y"),
            ("GET", "/validate?n=1"),
        ],
    )
    bad, unauth, unavailable, invalid, ok = results
    assert bad.json() == {"error": "code 400", "status": 400}
    assert bad.headers["x-code"] == "400"
    assert unauth.json() == {"detail": "code 401", "delegated": True}
    assert unavailable.status_code == 503
    assert invalid.status_code == 422
    assert [e["loc"] for e in invalid.json()["detail"]] == [["query", "n"], ["query", "m"]]
    assert ok.json() == {"n": 1, "m": 0}


def test_delegating_handlers_run_on_every_host(serve):
    router = build_overriding_defaults(DUALWEB)
    client = serve(router)
    client.get("/http/400")
    client.get("/http/401")
    client.get("/validate")
    assert router.seen == [("http", 400), ("401", 401), ("validation", 1)]


def build_delegating_http(api):
    router = api.Router()

    async def http_handler(request, exc):
        response = await api.http_exception_handler(request, exc)
        response.headers["X-Delegated"] = "yes"
        return response

    if api.native:
        router._test_exception_handlers = {api.HTTPException: http_handler}
    else:
        router.exception_handler(api.HTTPException)(http_handler)

    @router.get("/fail/{code}")
    def fail(code: int):
        raise api.HTTPException(code, headers={"X-Fail": "1"})

    return router


def test_handler_delegating_to_the_default_http_handler(parity):
    gone, not_modified = parity(build_delegating_http, [("GET", "/fail/410"), ("GET", "/fail/304")])
    assert gone.json() == {"detail": "Gone"}
    assert gone.headers["x-delegated"] == "yes" and gone.headers["x-fail"] == "1"
    assert not_modified.status_code == 304 and not_modified.content == b""


# --- handlers on included routers ------------------------------------------------------------


def build_included(api):
    outer = api.Router()
    inner = api.Router(prefix="/inner")

    def quota_handler(request, exc):
        return api.JSONResponse({"handled_by": "inner"}, status_code=429)

    async def unicorn_handler(request, exc):
        return api.JSONResponse({"handled_by": "outer", "name": exc.name}, status_code=418)

    if api.native:
        outer._test_exception_handlers = {QuotaError: quota_handler, UnicornError: unicorn_handler}
    else:
        inner.exception_handler(QuotaError)(quota_handler)
        outer.exception_handler(UnicornError)(unicorn_handler)

    @inner.get("/quota")
    def inner_quota():
        raise QuotaError()

    @inner.get("/unicorn")
    async def inner_unicorn():
        raise UnicornError("inner")

    @outer.get("/unicorn")
    def outer_unicorn():
        raise UnicornError("outer")

    outer.include_router(inner, prefix="/v1")
    return outer


def test_handlers_on_included_routers(parity):
    quota, inner_unicorn, outer_unicorn = parity(
        build_included,
        [("GET", "/v1/inner/quota"), ("GET", "/v1/inner/unicorn"), ("GET", "/unicorn")],
    )
    assert (quota.status_code, quota.json()) == (429, {"handled_by": "inner"})
    assert inner_unicorn.json() == {"handled_by": "outer", "name": "inner"}
    assert outer_unicorn.json() == {"handled_by": "outer", "name": "outer"}


def test_inner_handlers_win_over_outer_ones(serve):
    outer = dualweb.Router()
    inner = dualweb.Router()

    @inner.exception_handler(UnicornError)
    def inner_handler(request, exc):
        return dualweb.responses.JSONResponse({"by": "inner"}, status_code=418)

    @outer.exception_handler(UnicornError)
    def outer_handler(request, exc):
        return dualweb.responses.JSONResponse({"by": "outer"}, status_code=418)

    @inner.get("/in")
    def raise_in():
        raise UnicornError("x")

    @outer.get("/out")
    def raise_out():
        raise UnicornError("x")

    outer.include_router(inner)
    client = serve(outer)
    assert client.get("/in").json() == {"by": "inner"}
    assert client.get("/out").json() == {"by": "outer"}


def test_a_handler_must_return_a_response(serve):
    router = dualweb.Router()

    @router.exception_handler(QuotaError)
    def bad_handler(request, exc):
        return {"not": "a response"}

    @router.get("/q")
    def q():
        raise QuotaError()

    client = serve(router)
    with pytest.raises(dualweb.exceptions.DualwebError, match="bad_handler"):
        client.get("/q")


# --- sync and async handlers ------------------------------------------------------------------


def build_sync_async(api):
    router = api.Router()

    async def async_dep(x: int = 1):
        await asyncio.sleep(0)
        return x * 10

    def sync_dep(y: int = 2):
        return y + 1

    @router.get("/sync")
    def sync_handler(a: int = api.Depends(async_dep), b: int = api.Depends(sync_dep)):
        return {"kind": "sync", "a": a, "b": b}

    @router.get("/async")
    async def async_handler(a: int = api.Depends(async_dep), b: int = api.Depends(sync_dep)):
        await asyncio.sleep(0.001)
        return {"kind": "async", "a": a, "b": b}

    @router.get("/async-error")
    async def async_error():
        await asyncio.sleep(0)
        raise api.HTTPException(400, "async failure")

    @router.post("/async-body")
    async def async_body(payload: Payload):
        await asyncio.sleep(0)
        return {"size": payload.size * 2}

    return router


def test_sync_and_async_handlers(parity):
    results = parity(
        build_sync_async,
        [
            ("GET", "/sync?x=2&y=5"),
            ("GET", "/async?x=3"),
            ("GET", "/async?x=nope"),
            ("GET", "/async-error"),
            ("POST", "/async-body", {"json": {"size": 4}}),
        ],
    )
    assert results[0].json() == {"kind": "sync", "a": 20, "b": 6}
    assert results[1].json() == {"kind": "async", "a": 30, "b": 3}
    assert results[2].status_code == 422
    assert results[3].json() == {"detail": "async failure"}
    assert results[4].json() == {"size": 8}


def test_async_on_flask_reuses_one_loop_per_thread():
    router = dualweb.Router()
    seen = []

    @router.get("/loop")
    async def loop():
        await asyncio.sleep(0)
        seen.append((threading.get_ident(), id(asyncio.get_running_loop())))
        return {"n": len(seen)}

    @router.get("/handler-loop")
    def raising():
        raise QuotaError()

    @router.exception_handler(QuotaError)
    async def on_quota(request, exc):
        await asyncio.sleep(0)
        seen.append((threading.get_ident(), id(asyncio.get_running_loop())))
        return dualweb.responses.PlainTextResponse("quota", status_code=429)

    client = client_for_app(build_app(router, "flask"))
    assert client.get("/loop").json() == {"n": 1}
    assert client.get("/loop").json() == {"n": 2}
    assert client.get("/handler-loop").status_code == 429
    assert len(seen) == 3
    # The WSGI transport serves in the test's thread: one loop, kept across requests.
    assert {thread for thread, _ in seen} == {threading.get_ident()}
    assert len({loop for _, loop in seen}) == 1

    # Another thread gets its own loop, also kept.
    other: list[tuple[int, int]] = []

    def in_thread():
        client.get("/loop")
        client.get("/loop")
        other.extend(seen[-2:])

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    assert len({loop for _, loop in other}) == 1
    assert other[0][1] != seen[0][1]


@pytest.mark.parametrize("host", ["fastapi", "starlette"])
def test_sync_handler_on_asgi_runs_off_the_event_loop(host):
    router = dualweb.Router()

    @router.get("/where")
    def where():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return {"on_loop": False}
        return {"on_loop": True}

    client = client_for_app(build_app(router, host))
    assert client.get("/where").json() == {"on_loop": False}


# --- unhandled exceptions reach the host framework unchanged -------------------------------------


class MyError(Exception):
    pass


SECRET = "do-not-leak-this"


def _failing_router():
    router = dualweb.Router()

    @router.get("/sync")
    def sync_fail():
        raise MyError(SECRET)

    @router.get("/async")
    async def async_fail():
        await asyncio.sleep(0)
        raise MyError(SECRET)

    @router.get("/dependency")
    def dependency_fail(v: str = dualweb.Depends(_failing_dependency)):
        return {"v": v}

    @router.get("/other")
    def other_fail():
        raise ZeroDivisionError(SECRET)

    return router


def _failing_dependency():
    raise MyError(SECRET)


FAILING_PATHS = ["/sync", "/async", "/dependency"]


def test_unhandled_exceptions_reach_the_host_handlers(host):
    app = build_app(_failing_router(), host)
    seen = []
    if host == "flask":

        @app.errorhandler(MyError)
        def on_my_error(exc):
            seen.append(exc)
            return flask.jsonify(host="flask", message=str(exc)), 500
    else:

        async def on_my_error(request, exc):
            seen.append(exc)
            return StarlettePlainText(f"{host}: {exc}", status_code=500)

        app.add_exception_handler(MyError, on_my_error)
    client = client_for_app(app, raise_server_exceptions=False)
    for path in FAILING_PATHS:
        response = client.get(path)
        assert response.status_code == 500
        if host == "flask":
            assert response.json() == {"host": "flask", "message": SECRET}
        else:
            assert response.text == f"{host}: {SECRET}"
    assert len(seen) == len(FAILING_PATHS)
    assert all(type(exc) is MyError and exc.args == (SECRET,) for exc in seen)


def test_app_level_exception_handlers_on_fastapi():
    import fastapi

    seen = []

    def on_my_error(request, exc):
        seen.append(exc)
        return StarlettePlainText("handled", status_code=503)

    app = fastapi.FastAPI(exception_handlers={MyError: on_my_error})
    dualweb.fastapi.mount(app, _failing_router())
    client = client_for_app(app)
    assert client.get("/async").status_code == 503
    assert type(seen[0]) is MyError


def test_app_level_exception_handlers_on_starlette():
    import starlette.applications

    seen = []

    def on_my_error(request, exc):
        seen.append(exc)
        return StarlettePlainText("handled", status_code=503)

    app = starlette.applications.Starlette(exception_handlers={MyError: on_my_error})
    dualweb.starlette.mount(app, _failing_router())
    client = client_for_app(app)
    assert client.get("/sync").status_code == 503
    assert type(seen[0]) is MyError


def test_unhandled_exceptions_are_a_plain_500(host):
    client = client_for_app(build_app(_failing_router(), host), raise_server_exceptions=False)
    for path in [*FAILING_PATHS, "/other"]:
        response = client.get(path)
        assert response.status_code == 500, path
        assert SECRET not in response.text
        assert "Traceback" not in response.text
        assert "MyError" not in response.text and "ZeroDivisionError" not in response.text
        if host != "flask":
            assert response.text == "Internal Server Error"


def test_unhandled_exceptions_raise_in_tests(host):
    client = client_for_app(build_app(_failing_router(), host))
    for path in FAILING_PATHS:
        with pytest.raises(MyError, match=SECRET):
            client.get(path)
    with pytest.raises(ZeroDivisionError):
        client.get("/other")


def test_dualweb_handlers_win_over_host_handlers(host):
    router = _failing_router()

    @router.exception_handler(MyError)
    def portable(request, exc):
        return dualweb.responses.PlainTextResponse("portable", status_code=400)

    app = build_app(router, host)
    if host == "flask":

        @app.errorhandler(MyError)
        def native(exc):
            return "native", 500
    else:

        def native(request, exc):
            return StarlettePlainText("native", status_code=500)

        app.add_exception_handler(MyError, native)
    client = client_for_app(app)
    response = client.get("/sync")
    assert (response.status_code, response.text) == (400, "portable")


# --- server error handlers (keyed by 500 or Exception) ---


def build_server_error_handler(api):
    router = api.Router()

    def on_500(request, exc):
        return api.JSONResponse({"server_error": type(exc).__name__}, status_code=500)

    if api.native:
        router._test_exception_handlers = {500: on_500}
    else:
        router.exception_handler(500)(on_500)

    @router.get("/unhandled")
    def unhandled():
        raise MyError("x")

    @router.get("/http-500")
    def http_500():
        raise api.HTTPException(500, "boom")

    return router


def test_a_500_handler_matches_fastapi(parity):
    parity(
        build_server_error_handler,
        [("GET", "/http-500"), ("GET", "/unhandled")],
        raise_server_exceptions=False,
    )


def test_a_500_handler_answers_and_the_host_still_sees_the_exception(host):
    router = build_server_error_handler(DUALWEB)
    app = build_app(router, host)
    if host == "flask":
        seen = []

        def listener(sender, exception, **extra):
            seen.append(exception)

        flask.got_request_exception.connect(listener, app)
        try:
            response = client_for_app(app).get("/unhandled")
        finally:
            flask.got_request_exception.disconnect(listener, app)
        assert response.status_code == 500
        assert response.json() == {"server_error": "MyError"}
        assert len(seen) == 1 and isinstance(seen[0], MyError)
    else:
        # Starlette's way: the response is sent, then the exception reaches the server.
        with pytest.raises(MyError):
            client_for_app(app).get("/unhandled")
        response = client_for_app(app, raise_server_exceptions=False).get("/unhandled")
        assert response.json() == {"server_error": "MyError"}
    # HTTPException(500) keeps the default HTTP handler, as in Starlette.
    response = client_for_app(app).get("/http-500")
    assert response.json() == {"detail": "boom"}

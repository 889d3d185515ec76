"""The portable ``Request`` in handlers, dependencies and exception handlers, on every
host, compared with native FastAPI where the values do not depend on the host."""

import json
from typing import Annotated, Optional

import pytest
from pydantic import BaseModel

from dualweb.testing import build_app
from tests._helpers import installed_below, starlette_has
from tests._servers import fetch, serving
from tests.conftest import DUALWEB

# dualweb's test client says the same about itself on every host, as Starlette's
# does: ``user-agent: testclient``, from ``testclient:50000``.
UA = {"user-agent": "testclient"}


class Item(BaseModel):
    name: str
    price: float = 0


def describe(request):
    url = request.url
    return {
        "method": request.method,
        "url": str(url),
        "path": url.path,
        "query": url.query,
        "scheme": url.scheme,
        "netloc": url.netloc,
        "hostname": url.hostname,
        "port": url.port,
        "base_url": str(request.base_url),
        "query_params": [list(pair) for pair in request.query_params.multi_items()],
        "a": request.query_params.get("a"),
        "a_list": request.query_params.getlist("a"),
        "missing_list": request.query_params.getlist("missing"),
        "path_params": dict(request.path_params),
        "cookies": dict(request.cookies),
        "x_thing": request.headers.get("X-Thing"),
        "x_thing_upper": request.headers["X-THING"] if "x-thing" in request.headers else None,
        "host_header": request.headers.get("host"),
        "client_types": [type(request.client.host).__name__, type(request.client.port).__name__],
    }


# --- what a request shows ----------------------------------------------------------------


def build_info(api):
    router = api.Router()

    @router.get("/items/{item_id}/files/{rest:path}")
    async def info(item_id: int, rest: str, request: api.Request):
        return {"item_id": item_id, **describe(request)}

    @router.get("/sync/{name}")
    def sync_info(name: str, request: api.Request):
        return describe(request)

    @router.api_route("/any", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def any_method(request: api.Request):
        return {"method": request.method}

    @router.get("/headers")
    def headers(request: api.Request):
        return {
            "items": sorted(
                [k, v] for k, v in request.headers.items() if k not in ("content-length",)
            ),
            "keys": sorted(request.headers.keys()),
            "x_multi": request.headers.get("x-multi"),
        }

    return router


def test_request_attributes(parity):
    cookie = {"cookie": "session=abc; theme=dark"}
    parity(
        build_info,
        [
            ("GET", "/items/3/files/a/b.txt"),
            ("GET", "/items/3/files/a/b.txt?a=1&a=2&b=%C3%A9&c=&d=x%20y"),
            ("GET", "/items/7/files/dir/with%20space?a=only", {"headers": {"x-thing": "1"}}),
            ("GET", "/sync/alice?a=1", {"headers": {**cookie, "X-Thing": "yes"}}),
            # (Non-ASCII paths: see test_request_on_real_servers; httpx's WSGI test
            # transport mis-encodes PATH_INFO.)
            ("GET", "/any"),
            ("POST", "/any"),
            ("PUT", "/any"),
            ("DELETE", "/any"),
            ("PATCH", "/any"),
            ("GET", "/headers", {"headers": {**UA, "x-thing": "1", "X-Other": "two"}}),
        ],
    )


#: Starlette 1.9 keeps ``?``, ``#`` (and ``\\``) of the path escaped in ``request.url``;
#: before, they come out bare and the URL reads as a shorter path with a query.
STARLETTE_ESCAPES_URL = "1.9.0"


@starlette_has(STARLETTE_ESCAPES_URL, "keeps ? and # of the path escaped in request.url")
def test_request_url_escapes_path(parity):
    cookie = {"cookie": "session=abc; theme=dark"}
    parity(build_info, [("GET", "/items/7/files/q%3Fmark%23hash", {"headers": cookie})])


def test_request_attributes_explicit(parity):
    client = parity.client(build_info)
    got = client.get(
        "/items/3/files/a/b.txt?a=1&a=2&b=%C3%A9&c=",
        headers={"x-thing": "1", "cookie": "session=abc; theme=dark"},
    ).json()
    assert got == {
        "item_id": 3,
        "method": "GET",
        "url": "http://testserver/items/3/files/a/b.txt?a=1&a=2&b=%C3%A9&c=",
        "path": "/items/3/files/a/b.txt",
        "query": "a=1&a=2&b=%C3%A9&c=",
        "scheme": "http",
        "netloc": "testserver",
        "hostname": "testserver",
        "port": None,
        "base_url": "http://testserver/",
        "query_params": [["a", "1"], ["a", "2"], ["b", "é"], ["c", ""]],
        "a": "2",
        "a_list": ["1", "2"],
        "missing_list": [],
        "path_params": {"item_id": "3", "rest": "a/b.txt"},
        "cookies": {"session": "abc", "theme": "dark"},
        "x_thing": "1",
        "x_thing_upper": "1",
        "host_header": "testserver",
        "client_types": ["str", "int"],
    }
    spaced = client.get("/items/7/files/dir/with%20space").json()
    assert spaced["path"] == "/items/7/files/dir/with space"
    assert spaced["path_params"] == {"item_id": "7", "rest": "dir/with space"}
    escaped = client.get("/items/7/files/q%3Fmark%23hash").json()
    assert escaped["path_params"]["rest"] == "q?mark#hash"
    # ``?`` and ``#`` in the path stay escaped in the URL, as Starlette spells it from 1.9
    # on (the ASGI hosts hand over Starlette's own request.url).
    if parity.host == "flask" or not installed_below("starlette", STARLETTE_ESCAPES_URL):
        assert escaped["url"] == "http://testserver/items/7/files/q%3Fmark%23hash"
    else:  # an older Starlette's URL, as native FastAPI on it has it too
        assert escaped["url"] == "http://testserver/items/7/files/q?mark#hash"


def test_url_with_port_and_https(parity):
    client = parity.client(build_info)
    got = client.get("https://example.com:8443/sync/x?y=1").json()
    assert got["url"] == "https://example.com:8443/sync/x?y=1"
    assert got["scheme"] == "https"
    assert (got["netloc"], got["hostname"], got["port"]) == (
        "example.com:8443",
        "example.com",
        8443,
    )
    assert got["base_url"] == "https://example.com:8443/"


def test_client_address(parity):
    router = build_client(parity)
    got = router.get("/client").json()
    assert got == {"host": "testclient", "port": 50000}


def build_client(parity):
    def build(api):
        router = api.Router()

        @router.get("/client")
        def client(request: api.Request):
            return {"host": request.client.host, "port": request.client.port}

        return router

    return parity.client(build)


# --- state, and the same request in dependencies ----------------------------------------------


def build_state(api):
    router = api.Router()

    def current_user(request: api.Request, x_user: Annotated[Optional[str], api.Header()] = None):
        request.state.user = x_user or "anonymous"
        request.state.seen = ["dep"]
        return request

    async def audit(request: api.Request, user_request=api.Depends(current_user)):
        request.state.seen.append("audit")
        return user_request is request

    @router.get("/me")
    def me(
        request: api.Request,
        same=api.Depends(current_user),
        same_async=api.Depends(audit),
    ):
        return {
            "user": request.state.user,
            "seen": request.state.seen,
            "same_object": same is request,
            "same_in_async_dependency": same_async,
            "path_from_dependency": same.url.path,
        }

    @router.get("/missing")
    async def missing(request: api.Request):
        try:
            request.state.nothing
        except AttributeError:
            return {"missing": True}
        return {"missing": False}

    return router


def test_state_set_in_a_dependency(parity):
    results = parity(
        build_state,
        [
            ("GET", "/me"),
            ("GET", "/me", {"headers": {"x-user": "alice"}}),
            ("GET", "/missing"),
        ],
    )
    assert results[1].json() == {
        "user": "alice",
        "seen": ["dep", "audit"],
        "same_object": True,
        "same_in_async_dependency": True,
        "path_from_dependency": "/me",
    }
    assert results[2].json() == {"missing": True}


def test_state_does_not_leak_between_requests(parity):
    client = parity.client(build_state)
    assert client.get("/me", headers={"x-user": "bob"}).json()["seen"] == ["dep", "audit"]
    assert client.get("/me").json()["user"] == "anonymous"
    assert client.get("/missing").json() == {"missing": True}


# --- the body ------------------------------------------------------------------------------


def build_body(api):
    router = api.Router()

    @router.post("/raw")
    async def raw(request: api.Request):
        body = await request.body()
        again = await request.body()
        return {"body": body.decode(), "length": len(body), "cached": body == again}

    @router.post("/json")
    async def as_json(request: api.Request):
        return {"json": await request.json()}

    @router.post("/with-model")
    async def with_model(item: Item, request: api.Request):
        return {"item": item, "raw": (await request.body()).decode(), "json": await request.json()}

    async def body_size(request: api.Request):
        return len(await request.body())

    @router.post("/in-dependency")
    async def in_dependency(request: api.Request, size: int = api.Depends(body_size)):
        return {"size": size, "json": await request.json()}

    if api.native:
        # FastAPI's Request has no synchronous reader: the oracle reads with await.
        @router.post("/sync-raw")
        async def sync_raw(request: api.Request):
            body = await request.body()
            return {"body": body.decode(), "again": body == await request.body()}

        @router.post("/sync-json")
        async def sync_json(request: api.Request):
            return {"json": await request.json()}

        @router.post("/sync-with-model")
        async def sync_with_model(item: Item, request: api.Request):
            return {"item": item, "json": await request.json()}

        async def sync_size(request: api.Request):
            return len(await request.body())

    else:

        @router.post("/sync-raw")
        def sync_raw(request: api.Request):
            body = request.body_sync()
            return {"body": body.decode(), "again": body == request.body_sync()}

        @router.post("/sync-json")
        def sync_json(request: api.Request):
            return {"json": request.json_sync()}

        @router.post("/sync-with-model")
        def sync_with_model(item: Item, request: api.Request):
            return {"item": item, "json": request.json_sync()}

        def sync_size(request: api.Request):
            return len(request.body_sync())

    @router.post("/sync-dependency")
    def sync_dependency(size: int = api.Depends(sync_size)):
        return {"size": size}

    return router


def test_reading_the_body(parity):
    doc = {"name": "Cup", "price": 3, "tags": ["a", "é"]}
    encoded = json.dumps(doc).encode()
    as_json = {"content": encoded, "headers": {"content-type": "application/json"}}
    results = parity(
        build_body,
        [
            ("POST", "/raw", {"content": b"hello world"}),
            ("POST", "/raw"),
            ("POST", "/raw", {"content": "héllo".encode()}),
            ("POST", "/json", as_json),
            ("POST", "/json", {"content": b"[1, 2, 3]"}),
            ("POST", "/with-model", as_json),
            ("POST", "/with-model", {"json": {"name": 1}}),
            ("POST", "/in-dependency", as_json),
            ("POST", "/sync-raw", {"content": b"plain bytes"}),
            ("POST", "/sync-raw"),
            ("POST", "/sync-json", as_json),
            ("POST", "/sync-with-model", as_json),
            ("POST", "/sync-dependency", {"content": b"12345"}),
        ],
    )
    assert results[0].json() == {"body": "hello world", "length": 11, "cached": True}
    assert results[1].json() == {"body": "", "length": 0, "cached": True}
    assert results[2].json() == {"body": "héllo", "length": 6, "cached": True}
    assert results[3].json() == {"json": doc}
    assert results[4].json() == {"json": [1, 2, 3]}
    assert results[5].json() == {
        "item": {"name": "Cup", "price": 3.0},
        "raw": encoded.decode(),
        "json": doc,
    }
    assert results[6].status_code == 422
    assert results[7].json() == {"size": len(encoded), "json": doc}
    assert results[8].json() == {"body": "plain bytes", "again": True}
    assert results[9].json() == {"body": "", "again": True}
    assert results[10].json() == {"json": doc}
    assert results[11].json() == {"item": {"name": "Cup", "price": 3.0}, "json": doc}
    assert results[12].json() == {"size": 5}


def test_sync_body_in_a_graph_with_async_dependencies(parity):
    # An async dependency makes the graph mixed: the sync handler then runs in its
    # own worker thread on ASGI (on Flask, beside the per-thread loop), and still
    # reads the body synchronously.
    def build(api):
        router = api.Router()

        async def flag():
            return "async"

        @router.post("/mixed")
        def mixed(request: api.Request, kind: str = api.Depends(flag)):
            return {"kind": kind, "body": request.body_sync().decode(), "json": request.json_sync()}

        def sync_reader(request: api.Request):
            return request.json_sync()

        @router.post("/async-handler")
        async def async_handler(request: api.Request, read=api.Depends(sync_reader)):
            return {"from_dependency": read, "awaited": await request.json()}

        return router

    client = parity.client(build)
    response = client.post("/mixed", json={"a": 1})
    assert response.status_code == 200
    assert response.json() == {"kind": "async", "body": '{"a":1}', "json": {"a": 1}}
    response = client.post("/async-handler", json=[1])
    assert response.json() == {"from_dependency": [1], "awaited": [1]}


@pytest.mark.parametrize("host", ["fastapi", "starlette"])
def test_sync_body_on_the_event_loop_is_refused(parity):
    # On ASGI, ``async def`` code must await the body: reading it synchronously on
    # the loop's own thread would block the loop, and raises instead.
    def build(api):
        router = api.Router()

        @router.post("/wrong")
        async def wrong(request: api.Request):
            with pytest.raises(RuntimeError):
                request.body_sync()
            return {"body": (await request.body()).decode()}

        return router

    assert parity.client(build).post("/wrong", content=b"ok").json() == {"body": "ok"}


def test_large_body_read_synchronously(parity):
    client = parity.client(build_body)
    payload = b"x" * 300_000
    response = client.post("/sync-raw", content=payload)
    assert response.status_code == 200
    assert response.json() == {"body": payload.decode(), "again": True}


# --- a request in an exception handler -----------------------------------------------------


class Teapot(Exception):
    def __init__(self, reason):
        self.reason = reason


def build_exception_handler(api):
    router = api.Router()

    async def teapot_handler(request, exc):
        return api.JSONResponse(
            {
                "reason": exc.reason,
                "method": request.method,
                "path": request.url.path,
                "url": str(request.url),
                "query": request.query_params.get("q"),
                "path_params": dict(request.path_params),
                "cookie": request.cookies.get("c"),
                "header": request.headers.get("x-thing"),
                "state_user": getattr(request.state, "user", None),
                "body": (await request.body()).decode(),
            },
            status_code=418,
        )

    def sync_handler(request, exc):
        return api.PlainTextResponse(f"{request.method} {request.url.path}: {exc}", 409)

    def set_user(request: api.Request):
        request.state.user = "alice"

    @router.post("/brew/{kind}", dependencies=[api.Depends(set_user)])
    async def brew(kind: str):
        raise Teapot(f"no {kind}")

    @router.get("/conflict")
    def conflict():
        raise ValueError("taken")

    handlers = {Teapot: teapot_handler, ValueError: sync_handler}
    if api.native:
        router._test_exception_handlers = handlers
    else:
        for key, handler in handlers.items():
            router.exception_handler(key)(handler)
    return router


def test_request_in_exception_handler(parity):
    results = parity(
        build_exception_handler,
        [
            (
                "POST",
                "/brew/coffee?q=1",
                {"content": b"payload", "headers": {"x-thing": "t", "cookie": "c=v"}},
            ),
            ("GET", "/conflict"),
        ],
    )
    assert results[0].status_code == 418
    assert results[0].json() == {
        "reason": "no coffee",
        "method": "POST",
        "path": "/brew/coffee",
        "url": "http://testserver/brew/coffee?q=1",
        "query": "1",
        "path_params": {"kind": "coffee"},
        "cookie": "v",
        "header": "t",
        "state_user": "alice",
        "body": "payload",
    }
    assert (results[1].status_code, results[1].text) == (409, "GET /conflict: taken")


def test_request_on_real_servers(host):
    with serving(build_app(build_info(DUALWEB), host)) as port:
        status, _, body = fetch(
            port,
            "GET",
            "/items/1/files/%C3%A9l%C3%A8ve/x%20y?a=%C3%A9&a=2",
            headers={"X-Thing": "1", "Cookie": "k=v"},
        )
    assert status == 200
    got = json.loads(body)
    netloc = f"127.0.0.1:{port}"
    assert got["url"] == f"http://{netloc}/items/1/files/élève/x y?a=%C3%A9&a=2"
    assert got["path"] == "/items/1/files/élève/x y"
    assert got["path_params"] == {"item_id": "1", "rest": "élève/x y"}
    assert (got["netloc"], got["port"]) == (netloc, port)
    assert got["base_url"] == f"http://{netloc}/"
    assert got["a_list"] == ["é", "2"]
    assert (got["x_thing"], got["cookies"]) == ("1", {"k": "v"})
    assert got["client_types"] == ["str", "int"]


def test_url_behind_a_script_name():
    # A WSGI app mounted under a prefix (SCRIPT_NAME) sees it in url and base_url.
    import httpx2
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    app = build_app(build_info(DUALWEB), "flask")
    app.wsgi_app = DispatcherMiddleware(NotFound(), {"/api": app.wsgi_app})
    client = httpx2.Client(transport=httpx2.WSGITransport(app=app), base_url="http://testserver")
    got = client.get("/api/sync/x?a=1").json()
    assert got["url"] == "http://testserver/api/sync/x?a=1"
    assert got["path"] == "/api/sync/x"
    assert got["path_params"] == {"name": "x"}
    assert got["base_url"] == "http://testserver/api/"

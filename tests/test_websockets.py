"""WebSocket routes on every host, against native FastAPI 0.165 where it works.

Each parity case builds its handlers once from ``api`` (dualweb's vocabulary, or
FastAPI's), runs one scripted session through the test client against the
dualweb build on the current host and against the FastAPI build on FastAPI
itself, and compares what the client saw: messages, close codes and reasons
(a validation failure's reason is FastAPI's error list), denial responses, and
the order in which handlers and ``yield`` dependencies ran.
"""

from collections.abc import Callable
from typing import Annotated, Any

import pytest

import dualweb
import dualweb.security
from dualweb import Router, SyncWebSocket, WebSocket, WebSocketDisconnect
from dualweb.exceptions import DualwebError
from dualweb.testing import TestClient, WebSocketDenialResponse
from tests._helpers import fastapi_has
from tests.conftest import DUALWEB, native_client


def security(api: Any) -> Any:
    import fastapi.security

    return fastapi.security if api.native else dualweb.security


def outcome(client: Any, script: Callable[[Any], Any], url: str, **kwargs: Any) -> Any:
    """What ``script(session)`` returned, or how connecting or the session ended."""
    try:
        with client.websocket_connect(url, **kwargs) as session:
            result = script(session)
    except Exception as exc:
        return _ending(exc)
    return ("ok", result)


def _ending(exc: BaseException) -> tuple[Any, ...]:
    status = getattr(exc, "status_code", None)
    if status is not None:  # a denial response (dualweb's, or Starlette's)
        headers = {k: v for k, v in exc.headers.items() if k != "content-length"}
        return ("denied", status, headers, exc.content)
    if type(exc).__name__ == "WebSocketDisconnect":
        return ("disconnect", exc.code, exc.reason)
    return ("raised", type(exc).__name__, str(exc))


def both(
    host: str,
    fastapi_ns: Any,
    build: Callable[[Any], Any],
    script: Callable[[Any], Any],
    url: str,
    **kwargs: Any,
) -> tuple[Any, Any]:
    """(FastAPI's outcome, dualweb's on ``host``), each with the log its handlers kept."""
    results = []
    for api, make in (
        (fastapi_ns, lambda router: native_client(lambda _: router, fastapi_ns)),
        (DUALWEB, lambda router: TestClient(router, host)),
    ):
        log: list[Any] = []
        api.log = log
        router = build(api)
        result = outcome(make(router), script, url, **kwargs)
        results.append((result, log))
    return results[0], results[1]


def test_echo_until_the_client_leaves(host, fastapi_ns):
    def build(api):
        router = api.Router()

        @router.websocket("/echo")
        async def echo(websocket: api.WebSocket):
            await websocket.accept()
            try:
                while True:
                    text = await websocket.receive_text()
                    await websocket.send_text(f"echo: {text}")
            except api.WebSocketDisconnect as exc:
                api.log.append(("left", exc.code, exc.reason))
                api.log.append((websocket.client_state.name, websocket.application_state.name))

        return router

    def script(ws):
        seen = []
        for word in ("one", "two", "three"):
            ws.send_text(word)
            seen.append(ws.receive_text())
        return seen

    native, ours = both(host, fastapi_ns, build, script, "/echo")
    assert ours == native
    assert ours[0] == ("ok", ["echo: one", "echo: two", "echo: three"])
    assert ours[1] == [("left", 1000, ""), ("DISCONNECTED", "CONNECTED")]


def test_client_close_code_and_reason_reach_the_handler(host, fastapi_ns):
    def build(api):
        router = api.Router()

        @router.websocket("/ws")
        async def ws(websocket: api.WebSocket):
            await websocket.accept()
            try:
                await websocket.receive_bytes()
            except api.WebSocketDisconnect as exc:
                api.log.append((exc.code, exc.reason))

        return router

    native, ours = both(host, fastapi_ns, build, lambda ws: ws.close(4000, "bye"), "/ws")
    assert ours == native
    assert ours[1] == [(4000, "bye")]


def build_params(api):
    router = api.Router()

    @router.websocket("/items/{item_id}")
    async def items(
        websocket: api.WebSocket,
        item_id: int,
        q: int,
        x_token: Annotated[str, api.Header()],
        session: Annotated[str | None, api.Cookie()] = None,
    ):
        await websocket.accept()
        await websocket.send_json(
            {
                "item_id": item_id,
                "q": q,
                "x_token": x_token,
                "session": session,
                "path_params": websocket.path_params,
                "query": dict(websocket.query_params),
                "url": str(websocket.url),
            }
        )

    return router


def test_path_query_header_and_cookie_parameters(host, fastapi_ns):
    native, ours = both(
        host,
        fastapi_ns,
        build_params,
        lambda ws: ws.receive_json(),
        "/items/7?q=2",
        headers={"x-token": "secret", "cookie": "session=abc"},
    )
    assert ours == native
    assert ours[0][1]["item_id"] == 7
    assert ours[0][1]["url"] == "ws://testserver/items/7?q=2"


def test_invalid_parameters_close_with_1008_and_fastapis_errors(host, fastapi_ns):
    native, ours = both(host, fastapi_ns, build_params, lambda ws: None, "/items/x")
    assert ours == native
    kind, code, reason = ours[0]
    assert (kind, code) == ("disconnect", 1008)
    assert [error["loc"] for error in reason] == [
        ["path", "item_id"],
        ["query", "q"],
        ["header", "x-token"],
    ]


def build_refusals(api):
    router = api.Router()

    @router.websocket("/wsexc-before")
    async def wsexc_before(websocket: api.WebSocket):
        raise api.WebSocketException(code=1008, reason="nope")

    @router.websocket("/wsexc-after")
    async def wsexc_after(websocket: api.WebSocket):
        await websocket.accept()
        raise api.WebSocketException(code=4001, reason="bye")

    @router.websocket("/close-before")
    async def close_before(websocket: api.WebSocket):
        await websocket.close(code=1008, reason="go away")

    @router.websocket("/http-before")
    async def http_before(websocket: api.WebSocket):
        raise api.HTTPException(status_code=403, detail="forbidden", headers={"x-why": "no"})

    @router.websocket("/deny")
    async def deny(websocket: api.WebSocket):
        await websocket.send_denial_response(api.JSONResponse({"go": "away"}, status_code=418))

    return router


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/wsexc-before", ("disconnect", 1008, "nope")),
        ("/close-before", ("disconnect", 1008, "go away")),
        (
            "/http-before",
            (
                "denied",
                403,
                {"content-type": "application/json", "x-why": "no"},
                b'{"detail":"forbidden"}',
            ),
        ),
        ("/deny", ("denied", 418, {"content-type": "application/json"}, b'{"go":"away"}')),
    ],
)
def test_refusals_before_accept(host, fastapi_ns, url, expected):
    native, ours = both(host, fastapi_ns, build_refusals, lambda ws: None, url)
    assert ours == native
    assert ours[0] == expected


def test_websocket_exception_after_accept_closes_with_its_code(host, fastapi_ns):
    def script(ws):
        return ws.receive()

    native, ours = both(host, fastapi_ns, build_refusals, script, "/wsexc-after")
    assert ours == native
    assert ours[0] == ("ok", {"type": "websocket.close", "code": 4001, "reason": "bye"})


def build_secure(api):
    router = api.Router()
    bearer = security(api).HTTPBearer()

    @router.websocket("/secure")
    async def secure(
        websocket: api.WebSocket,
        credentials: Annotated[Any, api.Depends(bearer)],
    ):
        await websocket.accept()
        await websocket.send_text(credentials.credentials)

    return router


def test_security_dependency_denies_with_401(host):
    def ours(**kwargs):
        client = TestClient(build_secure(DUALWEB), host)
        return outcome(client, lambda ws: ws.receive_text(), "/secure", **kwargs)

    assert ours() == (
        "denied",
        401,
        {"content-type": "application/json", "www-authenticate": "Bearer"},
        b'{"detail":"Not authenticated"}',
    )
    assert ours(headers={"authorization": "Bearer token-1"}) == ("ok", "token-1")


@fastapi_has("0.144.0", "security schemes take a WebSocket (HTTPConnection; before, Request)")
def test_security_dependency_denies_like_fastapi(host, fastapi_ns):
    native, ours = both(host, fastapi_ns, build_secure, lambda ws: ws.receive_text(), "/secure")
    assert ours == native
    native, ours = both(
        host,
        fastapi_ns,
        build_secure,
        lambda ws: ws.receive_text(),
        "/secure",
        headers={"authorization": "Bearer token-1"},
    )
    assert ours == native == (("ok", "token-1"), [])


def build_dependencies(api):
    router = api.Router()

    def db():
        api.log.append("db open")
        try:
            yield "db"
        except Exception as exc:
            api.log.append(f"db saw {type(exc).__name__}")
            raise
        finally:
            api.log.append("db close")

    async def per_call():
        api.log.append("call open")
        try:
            yield "call"
        finally:
            api.log.append("call close")

    @router.websocket("/dep")
    async def dep(
        websocket: api.WebSocket,
        d: Annotated[str, api.Depends(db)],
        c: Annotated[str, api.Depends(per_call, scope="function")],
    ):
        await websocket.accept()
        await websocket.send_text(f"{d} {c}")
        try:
            await websocket.receive_text()
        finally:
            api.log.append("handler done")

    return router


def test_yield_dependencies_are_torn_down_when_the_handler_ends(host, fastapi_ns):
    native, ours = both(host, fastapi_ns, build_dependencies, lambda ws: ws.receive_text(), "/dep")
    assert ours[1] == native[1]
    # The handler lets the client's leaving out: FastAPI raises it to the server (and
    # here in the test); dualweb takes it as the socket's end.
    assert native[0] == ("disconnect", 1000, "")
    assert ours == (
        ("ok", "db call"),
        [
            "db open",
            "call open",
            "handler done",
            "call close",
            "db saw WebSocketDisconnect",
            "db close",
        ],
    )


def test_subprotocol_and_accept_headers(host, fastapi_ns):
    def build(api):
        router = api.Router()

        @router.websocket("/proto")
        async def proto(websocket: api.WebSocket):
            offered = websocket.scope.get("subprotocols")
            await websocket.accept(subprotocol="chat", headers=[(b"x-extra", b"1")])
            await websocket.send_json({"offered": offered})

        return router

    def script(ws):
        return ws.accepted_subprotocol, ws.extra_headers, ws.receive_json()

    native, ours = both(
        host, fastapi_ns, build, script, "/proto", subprotocols=["chat", "superchat"]
    )
    assert ours == native
    assert ours[0] == ("ok", ("chat", [(b"x-extra", b"1")], {"offered": ["chat", "superchat"]}))


def test_json_in_text_and_binary_frames(host, fastapi_ns):
    def build(api):
        router = api.Router()

        @router.websocket("/json")
        async def json_(websocket: api.WebSocket):
            await websocket.accept()
            data = await websocket.receive_json()
            await websocket.send_json({"got": data, "ü": "ß"})
            data = await websocket.receive_json(mode="binary")
            await websocket.send_json(data, mode="binary")
            async for item in websocket.iter_json():
                await websocket.send_text(repr(item))

        return router

    def script(ws):
        ws.send_json({"a": 1})
        first = ws.receive()
        ws.send_json([1, 2], mode="binary")
        second = ws.receive()
        ws.send_text('{"b": null}')
        return first, second, ws.receive_text()

    native, ours = both(host, fastapi_ns, build, script, "/json")
    assert ours == native
    assert ours[0][1][0] == {"type": "websocket.send", "text": '{"got":{"a":1},"ü":"ß"}'}
    assert ours[0][1][1] == {"type": "websocket.send", "bytes": b"[1,2]"}


def test_an_unhandled_exception_is_raised_in_the_test(host, fastapi_ns):
    def build(api):
        router = api.Router()

        @router.websocket("/boom-before")
        async def boom_before(websocket: api.WebSocket):
            raise RuntimeError("boom before")

        @router.websocket("/boom-after")
        async def boom_after(websocket: api.WebSocket):
            await websocket.accept()
            await websocket.receive_text()
            raise RuntimeError("boom after")

        return router

    native, ours = both(host, fastapi_ns, build, lambda ws: None, "/boom-before")
    assert ours == native == (("raised", "RuntimeError", "boom before"), [])
    native, ours = both(host, fastapi_ns, build, lambda ws: ws.send_text("x"), "/boom-after")
    assert ours == native == (("raised", "RuntimeError", "boom after"), [])


def test_exception_handlers_take_the_socket(host, fastapi_ns):
    class Closed(Exception):
        pass

    def build(api):
        router = api.Router()

        async def on_closed(websocket, exc):
            api.log.append(type(websocket).__name__)
            await websocket.close(code=4002, reason=str(exc))

        if api.native:
            router._test_exception_handlers = {Closed: on_closed}
        else:
            router.add_exception_handler(Closed, on_closed)

        @router.websocket("/handled")
        async def handled(websocket: api.WebSocket):
            await websocket.accept()
            raise Closed("handled here")

        return router

    native, ours = both(host, fastapi_ns, build, lambda ws: ws.receive(), "/handled")
    assert (
        ours[0]
        == native[0]
        == (
            "ok",
            {"type": "websocket.close", "code": 4002, "reason": "handled here"},
        )
    )
    assert ours[1] == ["WebSocket"]


def test_http_get_on_a_socket_path_and_a_socket_on_an_http_path(host, fastapi_ns):
    def build(api):
        router = api.Router()

        @router.websocket("/only-socket")
        async def only_socket(websocket: api.WebSocket):
            await websocket.accept()

        @router.get("/only-http")
        def only_http():
            return {"ok": True}

        return router

    native_client_ = native_client(build, fastapi_ns)
    assert native_client_.get("/only-socket").json() == {"detail": "Not Found"}
    # At the app's root a path no HTTP route takes is the host app's own 404; under
    # the mount's prefix, FastAPI's.
    assert TestClient(build(DUALWEB), host).get("/only-socket").status_code == 404
    ours = TestClient(build(DUALWEB), host, prefix="/api")
    response = ours.get("/api/only-socket")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    native = outcome(native_client_, lambda ws: None, "/only-http")
    assert outcome(ours, lambda ws: None, "/api/only-http") == native == ("disconnect", 1000, "")
    assert outcome(ours, lambda ws: None, "/nowhere") == ("disconnect", 1000, "")


# --- where dualweb goes beyond FastAPI --------------------------------------------------


def test_a_def_handler_takes_a_sync_websocket(host):
    router = Router()
    log: list[Any] = []

    def db():
        yield "db"
        log.append("db close")

    @router.websocket("/sync/{room}")
    def sync_chat(websocket: SyncWebSocket, room: str, d: Annotated[str, dualweb.Depends(db)]):
        websocket.accept()
        websocket.send_json({"room": room, "d": d})
        for text in websocket.iter_text():
            websocket.send_text(text[::-1])
        log.append(("left", websocket.client_state.name))

    client = TestClient(router, host)
    with client.websocket_connect("/sync/lobby") as ws:
        assert ws.receive_json() == {"room": "lobby", "d": "db"}
        ws.send_text("hello")
        assert ws.receive_text() == "olleh"
    assert log == [("left", "DISCONNECTED"), "db close"]


def test_a_handler_that_returns_gets_its_socket_closed(host):
    # FastAPI leaves both open: Starlette's test client then hangs, uvicorn answers 500.
    router = Router()

    @router.websocket("/no-accept")
    async def no_accept(websocket: WebSocket):
        return None

    @router.websocket("/no-close")
    async def no_close(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("bye")

    client = TestClient(router, host)
    with pytest.raises(WebSocketDisconnect) as caught, client.websocket_connect("/no-accept"):
        pass
    assert (caught.value.code, caught.value.reason) == (1000, "")
    with client.websocket_connect("/no-close") as ws:
        assert ws.receive_text() == "bye"
        assert ws.receive() == {"type": "websocket.close", "code": 1000, "reason": ""}


def test_http_exception_after_accept_closes_with_1011(host):
    # FastAPI sends an HTTP response after accept, which no server can deliver.
    router = Router()

    @router.websocket("/late")
    async def late(websocket: WebSocket):
        await websocket.accept()
        raise dualweb.HTTPException(status_code=403)

    with TestClient(router, host).websocket_connect("/late") as ws:
        assert ws.receive() == {"type": "websocket.close", "code": 1011, "reason": ""}


def test_a_disconnect_the_handler_lets_out_is_the_sockets_end(host):
    # FastAPI raises it to the server, which logs it as an error.
    router = Router()

    @router.websocket("/careless")
    async def careless(websocket: WebSocket):
        await websocket.accept()
        while True:
            await websocket.receive_text()

    with TestClient(router, host).websocket_connect("/careless") as ws:
        ws.send_text("hi")


def test_denial_response_error_on_every_host(host):
    router = Router()

    @router.websocket("/teapot")
    async def teapot(websocket: WebSocket):
        raise dualweb.HTTPException(status_code=418, detail="teapot")

    with (
        pytest.raises(WebSocketDenialResponse) as caught,
        TestClient(router, host).websocket_connect("/teapot"),
    ):
        pass
    assert caught.value.status_code == 418
    assert caught.value.json() == {"detail": "teapot"}
    assert isinstance(caught.value, WebSocketDisconnect)


def test_prefixes_dependencies_and_overrides_reach_socket_routes(host):
    inner = Router(prefix="/chat")
    outer = Router()
    seen: list[str] = []

    def who() -> str:
        return "real"

    def outer_dependency(websocket: dualweb.requests.HTTPConnection) -> None:
        seen.append(type(websocket).__name__)

    @inner.websocket("/{room}", name="room")
    async def room(websocket: WebSocket, room: str, user: Annotated[str, dualweb.Depends(who)]):
        await websocket.accept()
        await websocket.send_text(f"{user}@{room}")

    outer.include_router(inner, prefix="/v1", dependencies=[dualweb.Depends(outer_dependency)])
    outer.dependency_overrides[who] = lambda: "override"
    client = TestClient(outer, host)
    with client.websocket_connect("/v1/chat/lobby") as ws:
        assert ws.receive_text() == "override@lobby"
    assert seen == ["WebSocket"]
    assert "/v1/chat/{room}" not in client.get("/openapi.json").json()["paths"]


def test_url_for_names_a_socket_route(host):
    router = Router()

    @router.websocket("/rooms/{room}", name="room")
    async def room(websocket: WebSocket, room: str):
        await websocket.accept()
        await websocket.send_text(str(websocket.url_for("room", room="other")))

    with TestClient(router, host).websocket_connect("/rooms/a") as ws:
        assert ws.receive_text().endswith("/rooms/other")


def test_declaration_errors():
    router = Router()

    def needs_request(request: dualweb.Request) -> None:
        pass

    with pytest.raises(DualwebError, match="SyncWebSocket"):
        router.add_api_websocket_route("/a", lambda websocket: None)  # untyped: a query param
        router.websocket("/b")(_def_with_async_socket)
    with pytest.raises(DualwebError, match="is a Request"):

        @router.websocket("/c")
        async def c(websocket: WebSocket, r: Annotated[None, dualweb.Depends(needs_request)]):
            pass

    with pytest.raises(DualwebError, match="body"):

        @router.websocket("/d")
        async def d(websocket: WebSocket, item: Annotated[dict, dualweb.Body()]):
            pass

    with pytest.raises(DualwebError, match="is a WebSocket"):

        @router.get("/e")
        async def e(websocket: WebSocket):
            pass


def _def_with_async_socket(websocket: WebSocket) -> None:
    pass


def test_the_cli_lists_socket_routes_after_operations():
    from dualweb.cli import route_table

    router = Router()

    @router.get("/page")
    def page():
        return {}

    @router.websocket("/live/{room}", name="live")
    async def live(websocket: WebSocket, room: str):
        pass

    assert [(row["methods"], row["path"], row["name"]) for row in route_table(router)] == [
        (["GET"], "/page", "page"),
        (["WEBSOCKET"], "/live/{room}", "live"),
    ]


def test_starlettes_websocket_annotation_is_refused_with_dualwebs_name():
    import starlette.websockets

    router = Router()
    with pytest.raises(DualwebError, match="from dualweb import WebSocket"):

        @router.websocket("/moved")
        async def moved(websocket: starlette.websockets.WebSocket):
            pass


def test_fastapis_websocket_exception_left_in_a_moved_module_closes_as_ours(host):
    import fastapi

    router = Router()

    @router.websocket("/moved")
    async def moved(websocket: WebSocket):
        await websocket.accept()
        raise fastapi.WebSocketException(code=4003, reason="theirs")

    with TestClient(router, host).websocket_connect("/moved") as ws:
        assert ws.receive() == {"type": "websocket.close", "code": 4003, "reason": "theirs"}


def test_a_def_exception_handler_gets_the_blocking_socket(host):
    class Late(Exception):
        pass

    router = Router()
    seen: list[str] = []

    def on_late(websocket, exc):
        seen.append(type(websocket).__name__)
        websocket.close(code=4005, reason="late")

    router.add_exception_handler(Late, on_late)

    @router.websocket("/late")
    async def late(websocket: WebSocket):
        await websocket.accept()
        raise Late()

    with TestClient(router, host).websocket_connect("/late") as ws:
        assert ws.receive() == {"type": "websocket.close", "code": 4005, "reason": "late"}
    assert seen == ["SyncWebSocket"]


def test_every_socket_of_a_client_runs_on_one_event_loop(host):
    # As on a server: a room's handler sends on other members' sockets.
    import asyncio
    import threading

    router = Router()

    @router.websocket("/where")
    async def where(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_json([id(asyncio.get_running_loop()), threading.get_ident()])
        async for _ in websocket.iter_text():  # alive (its thread too) until the client leaves
            pass

    client = TestClient(router, host)
    with client.websocket_connect("/where") as first, client.websocket_connect("/where") as second:
        loops = first.receive_json(), second.receive_json()
    if host == "flask":
        assert loops[0][1] != loops[1][1]  # a WSGI server's thread (and its loop) per socket
    else:
        assert loops[0][0] == loops[1][0]
    with client, client.websocket_connect("/where") as third:
        assert third.receive_json()[0] != loops[0][0] or host == "flask"
    client.close()

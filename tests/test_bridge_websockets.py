"""WebSockets through ``dualweb.bridge.combine``, through the test client.

Each arrangement puts a dualweb router on each side (the primary's under ``/new``, the
fallback's under ``/old``): an ASGI front (FastAPI) with a Flask fallback, whose socket
routes the front serves itself; a WSGI front (Flask) with a FastAPI fallback, which gets
the Flask host's socket as ASGI messages; and two ASGI apps. The fallback's routes behave
as on their own host, FastAPI's closes and denials included.
"""

import contextlib
import logging
from collections.abc import Iterator
from typing import Annotated, Any

import fastapi
import fastapi.security
import flask
import pytest
import werkzeug.test

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import Depends, Router, SyncWebSocket, WebSocket, WebSocketDisconnect
from dualweb.bridge import combine
from dualweb.security import HTTPAuthorizationCredentials, HTTPBearer
from dualweb.testing import WebSocketDenialResponse, client_for_app
from tests.conftest import DUALWEB, native_client

#: (the primary's kind, the fallback's kind) of each arrangement.
ARRANGEMENTS = {
    "asgi-front": ("fastapi", "flask"),
    "wsgi-front": ("flask", "fastapi"),
    "asgi-asgi": ("fastapi", "starlette"),
}


def socket_routes(api: Any, log: list[Any], side: str = "") -> Any:
    """An echo with a path parameter and a ``yield`` dependency, a route whose parameter
    fails validation, and one behind a bearer token; ``api`` is dualweb's or FastAPI's."""
    router = api.Router()

    async def resource() -> Any:
        log.append((side, "set up"))
        yield side
        log.append((side, "torn down"))

    @router.websocket("/echo/{name}")
    async def echo(
        websocket: api.WebSocket, name: str, held: Annotated[str, api.Depends(resource)]
    ):
        await websocket.accept()
        try:
            while True:
                text = await websocket.receive_text()
                await websocket.send_json({"side": held, "name": name, "text": text})
        except api.WebSocketDisconnect as exc:
            log.append((side, "left", exc.code))

    @router.websocket("/items/{item_id}")
    async def item(websocket: api.WebSocket, item_id: int, q: int):
        await websocket.accept()
        await websocket.send_json({"item_id": item_id, "q": q})

    bearer = (fastapi.security.HTTPBearer if getattr(api, "native", False) else HTTPBearer)()

    @router.websocket("/secret")
    async def secret(
        websocket: api.WebSocket,
        credentials: Annotated[HTTPAuthorizationCredentials, api.Depends(bearer)],
    ):
        await websocket.accept()
        await websocket.send_text(credentials.credentials)

    return router


def side_app(kind: str, side: str, log: list[Any]) -> Any:
    """A ``kind`` app with the socket routes mounted under ``/side``."""
    router = Router(prefix=f"/{side}")
    router.include_router(socket_routes(DUALWEB, log, side))
    if kind == "flask":
        app = flask.Flask(f"flask_{side}")
        dualweb.flask.mount(app, router)
        return app
    if kind == "fastapi":
        app = fastapi.FastAPI()
        dualweb.fastapi.mount(app, router)
        return app
    from starlette.applications import Starlette

    app = Starlette()
    dualweb.starlette.mount(app, router)
    return app


class Bridged:
    def __init__(self, name: str) -> None:
        self.name = name
        self.log: list[Any] = []
        primary_kind, fallback_kind = ARRANGEMENTS[name]
        self.primary = side_app(primary_kind, "new", self.log)
        self.fallback = side_app(fallback_kind, "old", self.log)
        self.app = combine(self.primary, self.fallback)
        self.client = client_for_app(self.app)


@pytest.fixture(params=list(ARRANGEMENTS))
def bridged(request: Any) -> Iterator[Bridged]:
    arrangement = Bridged(request.param)
    yield arrangement
    close = getattr(arrangement.app, "close", None)  # the WSGI front's loop thread
    if close is not None:
        close()


def refused(client: Any, path: str, expected: type[Exception] = Exception, **kwargs: Any) -> Any:
    """How connecting to ``path`` failed: the exception the session raised."""
    with pytest.raises(expected) as failed, client.websocket_connect(path, **kwargs):
        pass
    return failed.value


def echo_twice(bridged: Bridged, side: str) -> list[Any]:
    with bridged.client.websocket_connect(f"/{side}/echo/ada") as ws:
        ws.send_text("one")
        first = ws.receive_json()
        ws.send_text("two")
        return [first, ws.receive_json()]


def test_the_socket_routes_of_both_sides_are_reachable(bridged):
    for side in ("old", "new"):
        assert echo_twice(bridged, side) == [
            {"side": side, "name": "ada", "text": "one"},
            {"side": side, "name": "ada", "text": "two"},
        ]
        # Set up once, the handler saw the client leave, torn down once, after it.
        assert bridged.log == [(side, "set up"), (side, "left", 1000), (side, "torn down")]
        bridged.log.clear()


def test_invalid_parameters_close_with_1008_and_fastapis_errors(bridged, fastapi_ns):
    ours = refused(bridged.client, "/old/items/abc", WebSocketDisconnect)
    native_app = native_client(lambda api: socket_routes(api, []), fastapi_ns)
    native = refused(native_app, "/items/abc")
    assert (ours.code, ours.reason) == (native.code, native.reason)
    assert ours.code == 1008
    assert [error["loc"] for error in ours.reason] == [["path", "item_id"], ["query", "q"]]


def test_a_security_dependency_denies_the_handshake_with_401(bridged):
    denied = refused(bridged.client, "/old/secret", WebSocketDenialResponse)
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == "Bearer"
    assert denied.json() == {"detail": "Not authenticated"}
    headers = {"authorization": "Bearer token-1"}
    with bridged.client.websocket_connect("/old/secret", headers=headers) as ws:
        assert ws.receive_text() == "token-1"


def test_a_socket_neither_side_routes_is_closed_before_accept_with_1000(bridged):
    for path in ("/nowhere", "/old/echo"):
        closed = refused(bridged.client, path, WebSocketDisconnect)
        assert (closed.code, closed.reason) == (1000, "")
    assert bridged.log == []


# --- ASGI front, Flask fallback --------------------------------------------------------------


def test_a_flask_side_socket_runs_in_a_request_context_of_the_flask_app():
    flask_app = flask.Flask("legacy")
    router = Router()
    seen: list[Any] = []

    def in_a_thread() -> str:  # a `def` dependency: a worker thread, the same context
        return flask.current_app.name

    @router.websocket("/ctx/{name}")
    async def ctx(
        websocket: WebSocket, name: str, thread_app: Annotated[str, Depends(in_a_thread)]
    ):
        flask.g.seen = name
        await websocket.accept()
        await websocket.send_json(
            {
                "app": flask.current_app.name,
                "thread_app": thread_app,
                "path": flask.request.path,
                "state_is_g": websocket.state.seen == name,
                "websocket_app": websocket.app is flask_app,
            }
        )
        seen.append(flask.g.seen)

    @router.websocket("/sync")
    def sync(websocket: SyncWebSocket):  # a thread of its own, the same context
        websocket.accept()
        websocket.send_text(f"{flask.current_app.name} {flask.request.path}")

    dualweb.flask.mount(flask_app, router)
    client = client_for_app(combine(fastapi.FastAPI(), flask_app))
    with client.websocket_connect("/sync") as ws:
        assert ws.receive_text() == "legacy /sync"
    with client.websocket_connect("/ctx/ada") as ws:
        assert ws.receive_json() == {
            "app": "legacy",
            "thread_app": "legacy",
            "path": "/ctx/ada",
            "state_is_g": True,
            "websocket_app": True,
        }
    assert seen == ["ada"]
    assert not flask.has_app_context()


def test_a_flask_native_socket_view_is_closed_and_named_once_in_the_log(caplog):
    flask_app = flask.Flask("legacy")
    flask_app.add_url_rule("/native/<name>", "native", lambda name: "", websocket=True)
    client = client_for_app(combine(fastapi.FastAPI(), flask_app))
    with caplog.at_level(logging.WARNING, logger="dualweb.bridge"):
        for _ in range(2):
            assert refused(client, "/native/x", WebSocketDisconnect).code == 1000
    named = [record.getMessage() for record in caplog.records]
    assert len(named) == 1
    assert "/native/x" in named[0] and "/native/<name>" in named[0]


def test_the_flask_side_lifespan_state_reaches_its_sockets():
    flask_app = flask.Flask("legacy")

    async def lifespan(app: Any) -> Any:
        yield {"db": "legacy-db"}

    router = Router(lifespan=contextlib.asynccontextmanager(lifespan))

    @router.websocket("/state")
    async def state(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(websocket.state.db)

    dualweb.flask.mount(flask_app, router)
    client = client_for_app(combine(fastapi.FastAPI(), flask_app))
    with client, client.websocket_connect("/state") as ws:
        assert ws.receive_text() == "legacy-db"


# --- WSGI front, ASGI fallback ---------------------------------------------------------------


def test_a_socket_on_a_path_the_flask_primary_routes_over_http_goes_to_the_fallback():
    flask_app = flask.Flask("front")
    flask_app.add_url_rule("/old/echo/<name>", "page", lambda name: f"page {name}")
    dualweb.flask.mount(flask_app, Router())
    log: list[Any] = []
    app = combine(flask_app, side_app("fastapi", "old", log))
    client = client_for_app(app)
    try:
        assert client.get("/old/echo/ada").text == "page ada"
        with client.websocket_connect("/old/echo/ada") as ws:
            ws.send_text("hi")
            assert ws.receive_json() == {"side": "old", "name": "ada", "text": "hi"}
    finally:
        app.close()


def test_the_asgi_fallbacks_lifespan_state_reaches_its_sockets():
    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        yield {"db": "new-db"}

    fallback = fastapi.FastAPI(lifespan=lifespan)
    router = Router()

    @router.websocket("/state")
    async def state(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(websocket.state.db)

    dualweb.fastapi.mount(fallback, router)
    flask_app = flask.Flask("front")
    dualweb.flask.mount(flask_app, Router())
    app = combine(flask_app, fallback)
    try:
        with client_for_app(app).websocket_connect("/state") as ws:
            assert ws.receive_text() == "new-db"
    finally:
        app.close()


def test_a_plain_request_on_a_path_the_flask_primary_routes_as_a_socket_goes_to_the_fallback():
    # The mirror of the test above, and of an ASGI front (a WebSocketRoute matches no HTTP).
    log: list[Any] = []
    fallback = fastapi.FastAPI()
    fallback.add_api_route("/new/echo/{name}", lambda name: {"page": name})
    app = combine(side_app("flask", "new", log), fallback)
    try:
        assert client_for_app(app).get("/new/echo/ada").json() == {"page": "ada"}
    finally:
        app.close()


UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}


def test_without_a_channel_the_wsgi_front_answers_500_and_logs_why(caplog):
    flask_app = flask.Flask("front")
    dualweb.flask.mount(flask_app, Router())
    app = combine(flask_app, side_app("fastapi", "old", []))
    with caplog.at_level(logging.ERROR, logger="dualweb.bridge"):
        response = werkzeug.test.Client(app).get("/old/echo/ada", headers=UPGRADE)
    assert response.status_code == 500
    (record,) = caplog.records
    assert "/old/echo/ada" in record.getMessage()
    assert "handed no socket over" in record.getMessage()


def test_a_primary_without_dualweb_answers_500_and_logs_why(caplog):
    app = combine(flask.Flask("front"), side_app("fastapi", "old", []))
    client = client_for_app(app)
    with caplog.at_level(logging.ERROR, logger="dualweb.bridge"):
        # (The in-memory socket hears nothing: the 500 went to the WSGI server.)
        assert "has ended" in str(refused(client, "/old/echo/ada", RuntimeError))
    (record,) = caplog.records
    assert "not a Flask app with a dualweb router mounted" in record.getMessage()

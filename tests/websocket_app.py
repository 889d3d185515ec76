"""Socket routes served by real servers in ``test_websockets_servers``.

``/echo/{name}`` (``async def``) and ``/sync-echo/{name}`` (``def`` with a
``SyncWebSocket``) echo text until the client leaves; each holds a ``yield``
dependency. ``GET /log`` tells what the handlers saw: each socket's leaving
with its close code, and each dependency's teardown. ``flask_app``,
``fastapi_app`` and ``starlette_app`` serve the router on each host.
"""

import sys
import threading
from typing import Annotated, Any

import fastapi
import flask
import starlette.applications

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import Depends, Router, SyncWebSocket, WebSocket, WebSocketDisconnect
from dualweb.security import HTTPBearer

router = Router()
_lock = threading.Lock()
_log: list[list[Any]] = []


def note(*event: Any) -> None:
    with _lock:
        _log.append(list(event))


def resource(name: str) -> Any:
    try:
        yield name
    finally:
        note("teardown", name)


@router.websocket("/echo/{name}")
async def echo(websocket: WebSocket, name: str, held: Annotated[str, Depends(resource)]):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect as exc:
        note("left", name, exc.code)


@router.websocket("/sync-echo/{name}")
def sync_echo(websocket: SyncWebSocket, name: str, held: Annotated[str, Depends(resource)]):
    websocket.accept()
    try:
        while True:
            websocket.send_text(websocket.receive_text())
    except WebSocketDisconnect as exc:
        note("left", name, exc.code)


@router.websocket("/items/{item_id}")
async def items(websocket: WebSocket, item_id: int):
    await websocket.accept()
    await websocket.send_json({"item_id": item_id})


@router.websocket("/secure", dependencies=[Depends(HTTPBearer())])
async def secure(websocket: WebSocket):
    await websocket.accept()


@router.websocket("/bye")
async def bye(websocket: WebSocket):
    await websocket.accept(subprotocol="chat")
    await websocket.send_text("hello")
    await websocket.close(code=4001, reason="bye")


@router.get("/log")
def log() -> list[list[Any]]:
    with _lock:
        return list(_log)


flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, router)
fastapi_app = fastapi.FastAPI()
dualweb.fastapi.mount(fastapi_app, router)
starlette_app = starlette.applications.Starlette()
dualweb.starlette.mount(starlette_app, router)

if __name__ == "__main__":  # Werkzeug's threaded server on the port given
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", int(sys.argv[1]), flask_app, threaded=True)


def _bridged(prefix: str) -> Router:
    """The echo routes under ``prefix``, for one side of a combined app."""
    side = Router()
    side.add_api_websocket_route(f"{prefix}/echo/{{name}}", echo)
    side.add_api_websocket_route(f"{prefix}/sync-echo/{{name}}", sync_echo)
    return side


def _combined(front: str) -> Any:
    from dualweb.bridge import combine

    flask_side = flask.Flask("bridged")
    fastapi_side = fastapi.FastAPI()
    if front == "wsgi":
        dualweb.flask.mount(flask_side, _bridged("/front"))
        dualweb.flask.mount(flask_side, router, name="log")  # (GET /log)
        dualweb.fastapi.mount(fastapi_side, _bridged("/behind"))
        return combine(flask_side, fastapi_side)
    dualweb.fastapi.mount(fastapi_side, _bridged("/front"))
    dualweb.fastapi.mount(fastapi_side, router)
    dualweb.flask.mount(flask_side, _bridged("/behind"))
    return combine(fastapi_side, flask_side)


#: Combined apps: a Flask front (WSGI) before FastAPI, and a FastAPI front before Flask.
wsgi_front = _combined("wsgi")
asgi_front = _combined("asgi")

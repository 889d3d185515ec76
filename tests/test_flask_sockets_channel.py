"""HandOverChannel on real WSGI servers: the socket a server hands over, as neutral messages.

The app (``_flask_sockets_server.py``) is raw Flask: its socket views build the
channel and drive it with scripted handlers, blocking (``receive_sync``/``send_sync``,
no event loop) or awaited (on the request thread's loop). It runs in a subprocess
on Werkzeug's threaded server and on gunicorn's gthread worker; the tests talk to
it with the ``websockets`` sync client and read what the handlers saw from
``GET /seen``. Every wait is bounded.
"""

import json
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from dualweb._flask_sockets import HAND_OVER_ERROR, HandOverError, can_hand_over
from tests._helpers import wait_until
from tests._servers import ServerProcess, fetch, server_process

HERE = Path(__file__).resolve().parent
TIMEOUT = 5  # seconds: any one wait on a socket
CONCURRENT = 20
MESSAGES = 20

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="gunicorn and the hand-over are POSIX-only"
)


@pytest.fixture(scope="module", params=["werkzeug", "gthread"])
def server(request) -> Iterator[ServerProcess]:
    with server_process([str(HERE / "_flask_sockets_server.py"), request.param]) as running:
        yield running


@pytest.fixture(params=["sync", "async"])
def mode(request) -> str:
    return str(request.param)


def url(server: ServerProcess, path: str, mode: str = "sync", tag: str = "") -> str:
    return f"ws://127.0.0.1:{server.port}/{path}?mode={mode}&tag={tag}"


def new_tag() -> str:
    return uuid.uuid4().hex[:12]


def seen(server: ServerProcess) -> dict[str, Any]:
    status, _, body = fetch(server.port, "GET", "/seen")
    assert status == 200
    return dict(json.loads(body))


def seen_by(server: ServerProcess, tag: str, *keys: str) -> dict[str, Any]:
    """What the handler of ``tag`` recorded, once it has recorded ``keys`` (within 5 s)."""
    found: dict[str, Any] = {}

    def recorded() -> bool:
        found.update(seen(server)["seen"].get(tag, {}))
        return all(key in found for key in keys)

    assert wait_until(recorded, timeout=TIMEOUT), (tag, found)
    return found


def test_echoes_text_and_bytes_in_order(server, mode):
    tag = new_tag()
    sent: list[str | bytes] = ["one", b"\x00two", "три", b"", "x" * 70_000, bytes(range(256))]
    with connect(url(server, "echo", mode, tag), open_timeout=TIMEOUT) as ws:
        for message in sent:
            ws.send(message)
        got = [ws.recv(timeout=TIMEOUT) for _ in sent]
    assert got == sent
    assert seen_by(server, tag, "code")["code"] == 1000


def test_concurrent_sockets_each_echo_in_order(server):
    results: dict[int, object] = {}
    opened = threading.Barrier(CONCURRENT + 1, timeout=TIMEOUT * 2)
    done = threading.Event()

    def client(k: int) -> None:
        mode = "async" if k % 2 else "sync"
        try:
            with connect(url(server, "echo", mode, new_tag()), open_timeout=TIMEOUT) as ws:
                got = []
                for j in range(MESSAGES):
                    ws.send(f"{k}-{j}")
                    got.append(ws.recv(timeout=TIMEOUT))
                results[k] = got == [f"{k}-{j}" for j in range(MESSAGES)]
                opened.wait()
                done.wait(TIMEOUT * 2)
        except Exception as exc:
            results[k] = exc
            opened.abort()

    assert wait_until(lambda: seen(server)["readers"] == 0, TIMEOUT)  # earlier sockets ended
    clients = [threading.Thread(target=client, args=(k,)) for k in range(CONCURRENT)]
    for thread in clients:
        thread.start()
    try:
        opened.wait()
        while_open = seen(server)
    finally:
        done.set()
        for thread in clients:
            thread.join(TIMEOUT * 3)
    assert results == {k: True for k in range(CONCURRENT)}
    # each open socket holds simple-websocket's reader thread, besides the request
    # thread it blocks (measured on a fresh server: 2 threads idle on Werkzeug, 3 on
    # gthread, 42 on both with the 20 sockets open)...
    assert while_open["readers"] == CONCURRENT
    assert while_open["threads"] >= 2 * CONCURRENT
    # ...and the readers end with their sockets
    assert wait_until(lambda: seen(server)["readers"] == 0, TIMEOUT)


def test_the_handler_sees_the_client_close_code_and_reason(server, mode):
    tags = {}
    for k in range(3):
        tag = tags[k] = new_tag()
        with connect(url(server, "echo", mode, tag), open_timeout=TIMEOUT) as ws:
            ws.send("hello")
            assert ws.recv(timeout=TIMEOUT) == "hello"
            ws.close(4000 + k, f"reason {k}")
    for k, tag in tags.items():
        saw = seen_by(server, tag, "code", "send_after_gone")
        assert (saw["code"], saw["reason"]) == (4000 + k, f"reason {k}")
        # a send after the client has gone is an OSError, which the core turns into
        # WebSocketDisconnect(1006)
        assert saw["send_after_gone"] == "ConnectionResetError"


def test_a_dropped_connection_is_a_disconnect_within_seconds(server, mode):
    tag = new_tag()
    with connect(url(server, "echo", mode, tag), open_timeout=TIMEOUT, close_timeout=1) as ws:
        ws.send("hello")
        assert ws.recv(timeout=TIMEOUT) == "hello"
        started = time.monotonic()
        ws.socket.shutdown(socket.SHUT_RDWR)  # no close frame: the TCP connection just ends
        saw = seen_by(server, tag, "code", "simple_websocket_close_reason")
    assert time.monotonic() - started < TIMEOUT
    assert saw["code"] >= 1005
    assert saw["code"] == 1006  # what the channel reports, as RFC 6455 and ASGI servers
    # NOTE: simple-websocket itself leaves its close_reason at 1005 (no status received)
    assert saw["simple_websocket_close_reason"] == 1005
    assert saw["send_after_gone"] == "ConnectionResetError"


def test_a_message_over_the_size_limit_closes_with_1009(server, mode):
    tag = new_tag()
    address = url(server, "echo", mode, tag) + "&max_message_size=10"
    with connect(address, open_timeout=TIMEOUT) as ws:
        ws.send("0123456789")
        assert ws.recv(timeout=TIMEOUT) == "0123456789"
        ws.send("0123456789+")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    assert seen_by(server, tag, "code")["code"] == 1009


def test_the_server_closes_with_its_code_and_reason(server, mode):
    tag = new_tag()
    with connect(url(server, "server-closes", mode, tag), open_timeout=TIMEOUT) as ws:
        assert ws.recv(timeout=TIMEOUT) == "closing"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "bye")
    # a receive after the application's close: as uvicorn answers it
    assert seen_by(server, tag, "code")["code"] == 1005


def test_a_socket_the_handler_leaves_open_is_closed_normally(server, mode):
    with connect(url(server, "leaves", mode, new_tag()), open_timeout=TIMEOUT) as ws:
        assert ws.recv(timeout=TIMEOUT) == "hello"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1000, "")


def test_accept_carries_the_subprotocol_and_extra_headers(server, mode):
    tag = new_tag()
    with connect(
        url(server, "protocols", mode, tag),
        open_timeout=TIMEOUT,
        subprotocols=["chat.v1", "chat.v2"],  # type: ignore[list-item]
    ) as ws:
        assert ws.subprotocol == "chat.v2"
        assert ws.response is not None
        assert ws.response.headers["x-dualweb"] == "hand-over"
        assert ws.recv(timeout=TIMEOUT) == "chat.v1,chat.v2"
    assert seen_by(server, tag, "code")["code"] == 1000


def test_the_core_state_machine_runs_over_the_channel(server, mode):
    tag = new_tag()
    with connect(url(server, "core", mode, tag), open_timeout=TIMEOUT) as ws:
        ws.send("ping")
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"got": "ping"}
    assert seen_by(server, tag, "client_state")["client_state"] == "DISCONNECTED"


def test_a_close_before_accept_is_an_http_403(server, mode):
    tag = new_tag()
    with pytest.raises(InvalidStatus) as refused:
        connect(url(server, "refuse", mode, tag), open_timeout=TIMEOUT)
    response = refused.value.response
    assert response.status_code == 403
    assert response.body == b""
    after = seen_by(server, tag, "after_refusal")["after_refusal"]
    assert after == {"type": "websocket.disconnect", "code": 1006, "reason": ""}


def test_a_denial_response_reaches_the_client(server, mode):
    tag = new_tag()
    with pytest.raises(InvalidStatus) as denied:
        connect(url(server, "deny", mode, tag), open_timeout=TIMEOUT)
    response = denied.value.response
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/json"
    assert json.loads(bytes(response.body or b"")) == {"detail": "Not authenticated"}


def test_a_server_without_a_socket_gets_the_clear_error():
    from tests._flask_sockets_server import app

    assert not can_hand_over({"SERVER_SOFTWARE": "granian", "wsgi.input": None})
    assert can_hand_over({"werkzeug.socket": object()})
    assert can_hand_over({"gunicorn.socket": object()})
    for name in ("Werkzeug", "gunicorn", "gthread", "eventlet", "gevent", "--interface asgi"):
        assert name in HAND_OVER_ERROR
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    app.config["PROPAGATE_EXCEPTIONS"] = True
    try:
        # Werkzeug's test client builds an environ with no socket in it, as granian's
        # WSGI server or a2wsgi do
        with pytest.raises(HandOverError) as error:
            app.test_client().get("/echo", headers=upgrade)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert str(error.value) == HAND_OVER_ERROR


def test_the_server_keeps_serving_http_and_logged_no_error(server):
    # runs last for each server: after every socket test above
    status, _, body = fetch(server.port, "GET", "/plain")
    assert (status, body) == (200, b"plain")
    log = server.output()
    assert "Traceback" not in log, log
    assert "[ERROR]" not in log, log

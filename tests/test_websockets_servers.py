"""WebSocket routes on real servers, with a real client (the ``websockets`` package).

Each server runs ``websocket_app`` in a process of its own, on 127.0.0.1. Fifty
clients at once (half on the ``async def`` handler, half on the ``def`` one)
each send a hundred messages and get them back in order; then a quarter close
with code 4000+k and a reason, a quarter drop the TCP connection without a
close frame, the rest close normally. Within five seconds every handler has
seen its client leave with the right code (for a dropped connection, the
1005/1006 that servers report) and every ``yield`` dependency has been torn
down exactly once. Then one probe per kind of refusal: a validation failure
and a missing bearer token refuse the handshake (403, and 401 with FastAPI's
body), and a close after ``accept`` reaches the client with its code and reason.
"""

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests._helpers import wait_until
from tests._servers import ServerProcess, fetch, server_in_session

ROOT = Path(__file__).resolve().parent.parent
APP = "tests.websocket_app:"

SERVERS = {
    "uvicorn-fastapi": "-m uvicorn --ws websockets --port {port} " + APP + "fastapi_app",
    "uvicorn-starlette": "-m uvicorn --ws wsproto --port {port} " + APP + "starlette_app",
    "granian-fastapi": "-m granian --interface asgi --port {port} " + APP + "fastapi_app",
    # A socket holds one of gthread's threads for its life (and a reader thread of its own).
    "gunicorn-gthread": "-m gunicorn --workers 1 --worker-class gthread --threads 64 "
    "--bind 127.0.0.1:{port} " + APP + "flask_app",
    "werkzeug": "-m tests.websocket_app {port}",
}

#: Clients at once, and messages each sends.
CLIENTS = 50
MESSAGES = 100
#: How long the server may take to see every client leave.
SEEN_WITHIN = 5.0
TIMEOUT = 20.0


class Server:
    """A server process of ``server_in_session``, with the app's ``/log`` and socket URLs."""

    def __init__(self, name: str, process: ServerProcess) -> None:
        self.name = name
        self.port = process.port
        self.output = process.output

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def events(self) -> list[list[Any]]:
        status, _, body = fetch(self.port, "GET", "/log")
        assert status == 200, body
        return list(json.loads(body))


@contextlib.contextmanager
def running(name: str, command: str) -> Iterator[Server]:
    """``python COMMAND`` (``{port}`` filled in) in a process group of its own, stopped after."""
    with server_in_session(command, "/log") as process:
        yield Server(name, process)


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request) -> Iterator[Server]:
    with running(request.param, SERVERS[request.param]) as started:
        yield started


def _client(server: Server, k: int, results: dict[int, Any]) -> None:
    path = "/echo" if k % 2 == 0 else "/sync-echo"
    name = f"c{k}"
    try:
        with connect(server.url(f"{path}/{name}"), open_timeout=TIMEOUT, close_timeout=5) as ws:
            sent = [f"{name}-{i}" for i in range(MESSAGES)]
            for text in sent:
                ws.send(text)
            echoed = [ws.recv(timeout=TIMEOUT) for _ in sent]
            ending = k % 4
            if ending in (0, 1):
                ws.close(4000 + k, f"bye {k}")
            elif ending == 2:
                ws.socket.shutdown(socket.SHUT_RDWR)  # gone, without a close frame
                ws.socket.close()
            else:
                ws.close()
        results[k] = echoed == sent
    except Exception as exc:  # reported by the test
        results[k] = exc


def test_many_sockets_echo_in_order_and_every_leaving_is_seen(server):
    before = len(server.events())
    results: dict[int, Any] = {}
    threads = [threading.Thread(target=_client, args=(server, k, results)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 3)
    assert results == {k: True for k in range(CLIENTS)}, server.output()

    def all_seen() -> bool:
        events = server.events()[before:]
        return sum(event[0] == "teardown" for event in events) >= CLIENTS and (
            sum(event[0] == "left" for event in events) >= CLIENTS
        )

    wait_until(all_seen, timeout=SEEN_WITHIN)
    events = server.events()[before:]
    left = {event[1]: event[2] for event in events if event[0] == "left"}
    torn_down = [event[1] for event in events if event[0] == "teardown"]
    assert sorted(torn_down) == sorted(f"c{k}" for k in range(CLIENTS)), events
    for k in range(CLIENTS):
        code = left.get(f"c{k}")
        if k % 4 in (0, 1):
            assert code == 4000 + k, (k, events)
        elif k % 4 == 2:
            assert code is not None and code >= 1005, (k, events)
        else:
            assert code == 1000, (k, events)
    assert "Traceback" not in server.output()


def test_a_wsgi_server_that_cannot_hand_a_socket_over_says_so():
    # granian's WSGI interface puts no socket in the environ: every socket is refused with
    # a 500 and one clear line in the log, naming the servers that can; HTTP serves on.
    command = "-m granian --interface wsgi --port {port} " + APP + "flask_app"
    with running("granian-flask", command) as server:
        with (
            pytest.raises(InvalidStatus) as refused,
            connect(server.url("/echo/x"), open_timeout=5),
        ):
            pass
        assert refused.value.response.status_code == 500
        assert fetch(server.port, "GET", "/log")[0] == 200
        output = server.output()
        assert "cannot hand the connection over" in output, output
        assert "gunicorn" in output and "uvicorn" in output


BRIDGES = {
    "gunicorn-wsgi-front": "-m gunicorn --workers 1 --worker-class gthread --threads 16 "
    "--bind 127.0.0.1:{port} " + APP + "wsgi_front",
    "uvicorn-asgi-front": "-m uvicorn --ws websockets --port {port} " + APP + "asgi_front",
}


@pytest.mark.parametrize("bridge", list(BRIDGES))
def test_sockets_of_both_sides_of_a_combined_app(bridge):
    # Each side's routes (async and def) echo, and see the client leave with its code.
    with running(bridge, BRIDGES[bridge]) as server:
        before = len(server.events())
        paths = [f"/{side}/{kind}/{side}-{kind}" for side in ("front", "behind")
                 for kind in ("echo", "sync-echo")]  # fmt: skip
        for k, path in enumerate(paths):
            with connect(server.url(path), open_timeout=TIMEOUT, close_timeout=5) as ws:
                ws.send(path)
                assert ws.recv(timeout=TIMEOUT) == path
                ws.close(4000 + k, "done")

        def all_seen() -> bool:
            return sum(e[0] == "teardown" for e in server.events()[before:]) >= len(paths)

        wait_until(all_seen, timeout=SEEN_WITHIN)
        events = server.events()[before:]
        left = sorted((e[1], e[2]) for e in events if e[0] == "left")
        expected = sorted((path.rsplit("/", 1)[1], 4000 + k) for k, path in enumerate(paths))
        assert left == expected, (events, server.output())
        assert "Traceback" not in server.output()


def test_refusals_and_closes_reach_the_client(server):
    with pytest.raises(InvalidStatus) as refused, connect(server.url("/items/x"), open_timeout=5):
        pass
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as denied, connect(server.url("/secure"), open_timeout=5):
        pass
    response = denied.value.response
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert json.loads(response.body) == {"detail": "Not authenticated"}

    with connect(server.url("/items/5"), open_timeout=TIMEOUT) as ws:
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"item_id": 5}
    with connect(server.url("/bye"), open_timeout=TIMEOUT, subprotocols=["chat"]) as ws:
        assert ws.subprotocol == "chat"
        assert ws.recv(timeout=TIMEOUT) == "hello"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=TIMEOUT)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "bye")
    # The server serves on.
    assert fetch(server.port, "GET", "/log")[0] == 200
    assert "Traceback" not in server.output()

"""Clients and handlers that misbehave, on real servers: nothing is left blocked or open.

Each server runs ``fault_app`` in a process of its own, on 127.0.0.1, with its
timeouts set low: Flask under gunicorn's threaded worker (8 threads, ``--keep-alive
1``), FastAPI under uvicorn (``--timeout-keep-alive 1``), Starlette under granian
(``--http1-header-read-timeout 1000``); and through the bridge (``fault_bridge``), where
every request crosses it: the Flask app behind a FastAPI front under uvicorn
(``asgi-front``), the FastAPI app behind a Flask front under gunicorn's threaded worker
(``wsgi-front``), with the same options. Through a front, the fallback is the host: its
disconnect exception, its own handler for ``Boom`` (Flask's ``errorhandler``, which logs;
FastAPI's ``exception_handlers``, after which the bridge logs what Starlette re-raises).
After each fault, within a bounded wait, the route's ``yield`` dependency has been torn
down once, and the server serves on: ``TOGETHER`` requests to a ``def`` route that waits
for all of them are answered (no thread is left blocked), and on gunicorn the worker runs
as many threads as when it was idle (anyio's worker threads aside).

Faults covered elsewhere: clients that leave a streamed response, and streams that
fail mid-way (``test_disconnects``); exceptions reaching the hosts' own handlers and
``got_request_exception``, in-process (``test_errors``); failing background tasks,
in-process, with FastAPI's order (``test_background``); an upload beyond
``max_body_size`` refused at once (``test_streams_and_uploads_on_real_servers``).
"""

import contextlib
import json
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests import fault_app
from tests._helpers import WAIT, wait_until
from tests._servers import ServerProcess, fetch, server_in_session

APP = "tests.fault_app:"
BRIDGE = "tests.fault_bridge:"
SERVERS = {
    "gunicorn-gthread": "-m gunicorn --workers 1 --threads 8 --keep-alive 1 "
    "--bind 127.0.0.1:{port} " + APP + "flask_app",
    "uvicorn-fastapi": "-m uvicorn --port {port} --timeout-keep-alive 1 " + APP + "fastapi_app",
    "granian-starlette": "-m granian --interface asgi --workers 1 --port {port} "
    "--http1-header-read-timeout 1000 " + APP + "starlette_app",
    "uvicorn-asgi-front": "-m uvicorn --port {port} --timeout-keep-alive 1 "
    + BRIDGE
    + "asgi_front",
    "gunicorn-wsgi-front": "-m gunicorn --workers 1 --threads 8 --keep-alive 1 "
    "--bind 127.0.0.1:{port} " + BRIDGE + "wsgi_front",
}
#: The host whose handlers each server runs: through a front, the fallback's.
HOSTS = {
    "gunicorn-gthread": "flask",
    "uvicorn-fastapi": "fastapi",
    "granian-starlette": "starlette",
    "uvicorn-asgi-front": "flask",
    "gunicorn-wsgi-front": "fastapi",
}
COLOURS = ["sync", "async"]
KB = 1024


class Server:
    """A server of ``fault_app``, and how many threads its process runs when idle."""

    def __init__(self, name: str, process: ServerProcess) -> None:
        self.name = name
        self.process = process
        self.port = process.port
        self.host = HOSTS[name]
        self.idle_threads = 0

    def stats(self, rid: str = "-") -> dict[str, Any]:
        status, _, body = fetch(self.port, "GET", f"/stats/{rid}")
        assert status == 200, body
        return dict(json.loads(body))

    def threads(self) -> int:
        """How many threads the server's process runs, anyio's worker threads aside (under
        the WSGI front, the FastAPI fallback's pool, which lets idle threads go)."""
        stats = self.stats()
        return int(stats["threads"]) - int(stats["anyio_threads"])

    def counts(self, rid: str) -> dict[str, int]:
        return dict(self.stats(rid)["counts"])

    def together(self) -> list[Any]:
        """``TOGETHER`` requests at once to the route that answers when they all wait."""
        with ThreadPoolExecutor(fault_app.TOGETHER) as pool:
            answers = pool.map(
                lambda _: fetch(self.port, "GET", "/together"), range(fault_app.TOGETHER)
            )
            return [(status, json.loads(body)) for status, _, body in answers]

    def serves_on(self) -> None:
        """No thread is left blocked: ``TOGETHER`` def handlers run at once; on gunicorn's
        threaded worker, its threads are back to their idle number."""
        assert self.together() == [(200, {"together": True})] * fault_app.TOGETHER
        if self.name.startswith("gunicorn"):
            assert self.threads() == self.idle_threads


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request) -> Server:
    with server_in_session(SERVERS[request.param], "/stats/-") as process:
        running = Server(request.param, process)
        assert running.together()  # the thread pools are full grown
        running.idle_threads = running.threads()
        yield running


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT)


def torn_down_once(server: Server, rid: str) -> dict[str, int]:
    """Wait until the request's dependency has been torn down; its counts."""
    wait_until(lambda: server.counts(rid).get("torn_down", 0) >= 1)
    counts = server.counts(rid)
    assert (counts.get("set_up"), counts.get("torn_down")) == (1, 1), counts
    return counts


# --- clients that leave ---------------------------------------------------------------------


@pytest.mark.parametrize("colour", COLOURS)
def test_a_client_that_leaves_mid_upload_blocks_nothing(server, colour):
    rid = new_id()
    with connect(server.port) as client:
        client.sendall(
            f"POST /upload/{colour}/{rid} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Length: {1024 * KB}\r\n\r\n".encode()
        )
        client.sendall(b"x" * (512 * KB))  # half the body it declared
        # The handler is reading the body when the client leaves.
        assert wait_until(lambda: server.counts(rid).get("set_up") == 1), server.counts(rid)
    # The handler did not take half the body for the whole: reading it raised.
    # Werkzeug's exception on Flask (direct, or the fallback behind the ASGI front), Starlette's
    # on the ASGI hosts (the fallback behind the WSGI front hears ``http.disconnect``).
    disconnect = "ClientDisconnected" if server.host == "flask" else "ClientDisconnect"
    assert torn_down_once(server, rid) == {"set_up": 1, "torn_down": 1, f"saw_{disconnect}": 1}
    server.serves_on()


@pytest.mark.parametrize("colour", COLOURS)
def test_a_client_that_leaves_mid_response_blocks_nothing(server, colour):
    rid = new_id()
    with connect(server.port) as client:
        client.sendall(f"GET /big/{colour}/{rid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = client.recv(64 * KB)
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
    # The server is left with most of 16 MB to send to no one; what runs after runs.
    assert wait_until(lambda: server.counts(rid).get("task") == 1), server.counts(rid)
    expected = {"set_up": 1, "torn_down": 1, "task": 1}
    assert torn_down_once(server, rid) == expected
    server.serves_on()


# --- handlers and tasks that fail -----------------------------------------------------------


@pytest.mark.parametrize("colour", COLOURS)
def test_a_handlers_exception_reaches_the_hosts_handler_and_log(server, colour):
    rid = new_id()
    handled = server.stats()["handled"].get("Boom", 0)
    status, _, body = fetch(server.port, "GET", f"/fail/{colour}/{rid}")
    assert (status, json.loads(body)) == (500, {"handled": "Boom"})
    assert server.stats()["handled"]["Boom"] == handled + 1
    assert torn_down_once(server, rid) == {"set_up": 1, "torn_down": 1, "saw_Boom": 1}
    logged = f"Boom: handler of {rid}"
    assert wait_until(lambda: logged in server.process.output()), server.process.output()
    server.serves_on()


@pytest.mark.parametrize("colour", COLOURS)
def test_a_failing_background_task_is_logged_and_harms_nothing(server, colour):
    rid = new_id()
    status, _, body = fetch(server.port, "GET", f"/failing-task/{colour}/{rid}")
    assert (status, json.loads(body)) == (200, {"rid": rid})
    # The task after the failing one runs; the teardown finds no error of the request's.
    assert wait_until(lambda: server.counts(rid).get("task") == 1), server.counts(rid)
    assert torn_down_once(server, rid) == {"set_up": 1, "torn_down": 1, "task": 1}
    logged = f"Boom: task of {rid}"
    assert wait_until(lambda: logged in server.process.output()), server.process.output()
    server.serves_on()


# --- slow clients ---------------------------------------------------------------------------


def closed_by_server(client: socket.socket) -> bytes:
    """Read until the server closes the connection (within ``WAIT``); what it sent."""
    received = b""
    client.settimeout(WAIT)
    while more := client.recv(64 * KB):
        received += more
    return received


def upload_head(rid: str, size: int) -> bytes:
    return (
        f"POST /upload/sync/{rid} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n\r\n"
    ).encode()


def test_a_slow_client_is_served_and_holds_nothing_but_its_own_request(server):
    # One byte of body every half second: the server answers others meanwhile.
    rid = new_id()
    with connect(server.port) as client:
        client.sendall(upload_head(rid, 4))
        for byte in b"slow":
            client.sendall(bytes([byte]))
            assert fetch(server.port, "GET", "/stats/-")[0] == 200
            time.sleep(0.5)
        answer = client.recv(64 * KB)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"size":4}'), answer
    assert torn_down_once(server, rid) == {"set_up": 1, "torn_down": 1}
    server.serves_on()


def test_the_servers_keep_alive_timeout_closes_the_connection_after_an_answer(server):
    # dualweb's work after the answer (teardown) keeps no connection open: an idle one is
    # closed by the server's keep-alive timeout (1 s here), as it would be without dualweb.
    rid = new_id()
    with connect(server.port) as client:
        client.sendall(upload_head(rid, 3) + b"abc")
        started = time.monotonic()
        answer = closed_by_server(client)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"size":3}'), answer
    assert time.monotonic() - started < WAIT
    assert torn_down_once(server, rid) == {"set_up": 1, "torn_down": 1}


# NOTE: only granian has a timeout for a request's head: on gunicorn (gthread) and uvicorn a
# client sending one byte a second holds the connection (on gthread, a thread too) as long
# as it sends, before any application sees the request (docs/security-and-limits.md).
@pytest.mark.parametrize("server", ["granian-starlette"], indirect=True)
def test_the_servers_header_timeout_cuts_off_a_client_that_sends_its_head_slowly(server):
    rid = new_id()
    head = upload_head(rid, 3)
    sent = 0
    gone = contextlib.suppress(BrokenPipeError, ConnectionResetError)
    with connect(server.port) as client, gone:
        for byte in head:
            client.sendall(bytes([byte]))
            sent += 1
            if sent > 4 * 5:  # five times the server's timeout (1 s)
                break
            time.sleep(0.25)
        closed_by_server(client)  # the server answers 408, or just closes
    assert sent < len(head)
    assert server.counts(rid) == {}  # no application saw it
    server.serves_on()

"""Clients that leave a stream mid-way, and streams that fail mid-way, on real servers.

Each server runs ``disconnect_app`` in a process of its own, on 127.0.0.1: Flask
under gunicorn (sync and gthread workers) and granian (WSGI), FastAPI and
Starlette under uvicorn, FastAPI under granian (ASGI). For each stream route
(JSON Lines, server-sent events, raw chunks; ``def`` and ``async def``
generators), ten clients read the first chunk and vanish (at once; one after
another on gunicorn's sync worker, which serves one request at a time): within two seconds
every generator has run its ``finally`` and every yield dependency has been
torn down, once, after its generator closed; the server then still answers.
(Each generator would otherwise yield for minutes.)

A stream that raises after its first chunk ends early: the client gets that chunk,
then the connection ends without the chunked body's last chunk; the yield
dependency's teardown sees the error; the server logs it and serves on.
"""

import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._helpers import wait_until
from tests._servers import fetch, free_port, stop_process_group
from tests.disconnect_app import STREAMS

ROOT = Path(__file__).resolve().parent.parent
APP = "tests.disconnect_app:"

SERVERS = {
    "gunicorn-sync": "-m gunicorn --workers 1 --bind 127.0.0.1:{port} " + APP + "flask_app",
    "gunicorn-gthread": "-m gunicorn --workers 1 --threads 12 --bind 127.0.0.1:{port} "
    + APP
    + "flask_app",
    "granian-flask": "-m granian --interface wsgi --port {port} " + APP + "flask_app",
    "uvicorn-fastapi": "-m uvicorn --port {port} " + APP + "fastapi_app",
    "uvicorn-starlette": "-m uvicorn --port {port} " + APP + "starlette_app",
    "granian-fastapi": "-m granian --interface asgi --port {port} " + APP + "fastapi_app",
}

#: Clients that leave each stream.
CLIENTS = 10
#: How long the server may take to close what they left.
CLOSE_WITHIN = 2.0
#: How long a client waits for bytes before the test fails.
READ_TIMEOUT = 10.0


class Server:
    def __init__(self, name: str, process: subprocess.Popen, port: int, log: Any) -> None:
        self.name = name
        self.process = process
        self.port = port
        self.log = log

    def stats(self, path: str) -> dict[str, int]:
        status, _, body = fetch(self.port, "GET", "/stats")
        assert status == 200, body
        return dict(json.loads(body).get(path, {}))

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return str(self.log.read().decode(errors="replace"))


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request) -> Iterator[Server]:
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, *SERVERS[request.param].format(port=port).split()],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        running = Server(request.param, process, port, log)
        try:

            def answers() -> bool:
                try:
                    return fetch(port, "GET", "/stats")[0] == 200
                except OSError:
                    return process.poll() is not None

            assert wait_until(answers, timeout=30), f"{request.param} did not answer"
            assert process.poll() is None, running.output()
            yield running
        finally:
            stop_process_group(process)


def _open_stream(port: int, path: str) -> socket.socket:
    """A client that sent its request and read the head and the first bytes of the body."""
    client = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
    try:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received or not received.split(b"\r\n\r\n", 1)[1]:
            more = client.recv(4096)
            assert more, f"the server closed {path} before its first chunk: {received!r}"
            received += more
        assert received.startswith(b"HTTP/1.1 200"), received
    except BaseException:
        client.close()
        raise
    return client


def _all_closed(counts: dict[str, int]) -> bool:
    started = counts.get("started", 0)
    return (
        started == CLIENTS
        and counts.get("closed") == started
        and counts.get("torn_down", 0) + counts.get("torn_down_while_open", 0) == started
    )


@pytest.mark.parametrize("path", [path for path in STREAMS if STREAMS[path][0] != "fail"])
def test_clients_that_leave_close_the_stream_and_its_dependencies(server, path):
    errors = server.output().count("Traceback")
    if server.name == "gunicorn-sync":  # one request at a time: they leave one by one
        for _ in range(CLIENTS):
            _open_stream(server.port, path).close()
    else:  # all at once
        clients = [_open_stream(server.port, path) for _ in range(CLIENTS)]
        for client in clients:
            client.close()
    assert wait_until(lambda: _all_closed(server.stats(path)), timeout=CLOSE_WITHIN), server.stats(
        path
    )
    counts = server.stats(path)
    assert counts == {
        "opened": CLIENTS,
        "started": CLIENTS,
        "closed": CLIENTS,
        "torn_down": CLIENTS,
    }
    # Nothing is left running: the counts stay as they are, and the server serves on.
    time.sleep(0.2)
    assert server.stats(path) == counts
    assert server.output().count("Traceback") == errors, server.output()  # nothing failed


def _read_to_the_end(client: socket.socket) -> bytes:
    received = b""
    deadline = time.monotonic() + READ_TIMEOUT
    while time.monotonic() < deadline:
        try:
            more = client.recv(4096)
        except ConnectionResetError:
            break
        if not more:
            break
        received += more
    return received


@pytest.mark.parametrize("colour", ["sync", "async"])
def test_a_stream_that_fails_after_its_first_chunk_ends_early_and_is_logged(server, colour):
    path = f"/fail/{colour}"
    logged = server.output().count("the stream broke")
    with socket.create_connection(("127.0.0.1", server.port), timeout=READ_TIMEOUT) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = _read_to_the_end(client)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), received
    assert b"transfer-encoding: chunked" in head.lower()
    assert b'{"n":0}\n' in body
    assert not body.endswith(b"0\r\n\r\n"), "the stream must not look complete"
    assert wait_until(
        lambda: server.stats(path).get("torn_down_after_RuntimeError") == 1, timeout=CLOSE_WITHIN
    ), server.stats(path)
    assert server.stats(path) == {
        "opened": 1,
        "started": 1,
        "closed": 1,
        "torn_down": 1,
        "torn_down_after_RuntimeError": 1,
    }
    assert wait_until(
        lambda: server.output().count("the stream broke") > logged, timeout=CLOSE_WITHIN
    ), server.output()
    assert fetch(server.port, "GET", "/stats")[0] == 200  # the server serves on

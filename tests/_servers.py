"""Real servers for tests, started in a thread of the test process and stopped after."""

import contextlib
import http.client
import threading
import time
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def wsgi_server(app: Any) -> Iterator[int]:
    """Serve a WSGI app with Werkzeug's threaded server; yields its port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def asgi_server(app: Any) -> Iterator[int]:
    """Serve an ASGI app with uvicorn on a free port; yields the port."""
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False, ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.contextmanager
def serving(app: Any) -> Iterator[int]:
    """A real server for a Flask (WSGI) or Starlette/FastAPI (ASGI) app; yields its port."""
    manager = wsgi_server(app) if hasattr(app, "wsgi_app") else asgi_server(app)
    with manager as port:
        yield port


def fetch(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request over a fresh connection; returns status, headers and the whole body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class ServerProcess:
    """A server running in a subprocess: its process, port and what it wrote to stderr."""

    def __init__(self, process: Any, port: int, log: Any) -> None:
        self.process = process
        self.pid: int = process.pid
        self.port = port
        self._log = log

    def output(self) -> str:
        """What the server wrote to stderr so far (tracebacks of its failures)."""
        self._log.flush()
        self._log.seek(0)
        return str(self._log.read().decode(errors="replace"))


@contextlib.contextmanager
def server_process(args: list[str], *, timeout: float = 30) -> Iterator[ServerProcess]:
    """Run ``python ARGS``: a server that prints its port on its first line of output.

    The process is terminated on exit, and killed if it does not stop within a
    bounded wait.
    """
    import os
    import select
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], timeout)
            line = process.stdout.readline() if ready else b""
            if not line.strip().isdigit():
                process.kill()
                process.wait(timeout=10)
                server = ServerProcess(process, 0, log)
                raise RuntimeError(f"server {args} did not start:\n{server.output()}")
            server = ServerProcess(process, int(line), log)
            deadline = time.monotonic() + timeout
            while True:  # the port is bound before it is printed: wait until it answers
                try:
                    fetch(server.port, "GET", "/")  # any answer will do
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"server {args} does not answer:\n{server.output()}"
                        ) from None
                    time.sleep(0.05)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()

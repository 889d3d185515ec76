"""Real servers for tests: every way the tests start one.

- In a thread of the test process, stopped after: ``wsgi_server`` (Werkzeug),
  ``asgi_server`` (uvicorn) and ``serving`` (either, for the app it is given).
- In a subprocess, stopped after: ``server_process`` (a script that prints its port);
  ``server_in_session`` (a server's command line, told its port); a server told its port
  (``free_port``) in a session of its own is stopped, with its workers, by
  ``stop_process_group``.
- Inside such a script, on a socket it made with ``listening_socket``: ``run_werkzeug``,
  ``run_gunicorn`` and ``run_uvicorn``, which serve until the process is stopped.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests._helpers import wait_until

ROOT = Path(__file__).resolve().parent.parent

#: How long a stopped server process may take to go, before it is killed.
STOP_TIMEOUT = 15.0


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (for a server told its port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_socket() -> socket.socket:
    """A socket on a free port of 127.0.0.1, listening: a server script serves on it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def uvicorn_config(app: Any, **options: Any) -> Any:
    """uvicorn's configuration for the tests' servers: quiet, no websockets, no lifespan
    unless ``options`` say otherwise."""
    import uvicorn

    defaults = {"lifespan": "off", "log_config": None, "access_log": False, "ws": "none"}
    return uvicorn.Config(app, **{**defaults, **options})


def run_uvicorn(app: Any, sock: socket.socket, **options: Any) -> None:
    """Serve the ASGI ``app`` with uvicorn on ``sock`` until the process is stopped."""
    import uvicorn

    uvicorn.Server(uvicorn_config(app, **options)).run(sockets=[sock])


def run_gunicorn(app: Any, sock: socket.socket) -> None:
    """Serve the WSGI ``app`` with gunicorn's threaded worker (gthread, one worker of four
    threads) on ``sock`` until the process is stopped."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", [f"fd://{sock.fileno()}"])
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 5)
            self.cfg.set("loglevel", "warning")

        def load(self) -> Any:
            return app

    Server().run()


def run_werkzeug(app: Any, sock: socket.socket) -> None:
    """Serve the WSGI ``app`` with Werkzeug's threaded server on ``sock`` until the
    process is stopped."""
    from werkzeug.serving import make_server

    make_server("127.0.0.1", 0, app, threaded=True, fd=sock.fileno()).serve_forever()


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
        server.server_close()


@contextlib.contextmanager
def asgi_server(app: Any, **options: Any) -> Iterator[int]:
    """Serve an ASGI app with uvicorn on a free port; yields the port. ``options`` are
    uvicorn's (``ws="wsproto"`` serves WebSockets)."""
    import uvicorn

    sock = listening_socket()
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn_config(app, **options))
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
    """A real server for a Flask (WSGI) or Starlette/FastAPI (ASGI) app, WebSockets
    included; yields its port."""
    manager = wsgi_server(app) if hasattr(app, "wsgi_app") else asgi_server(app, ws="wsproto")
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
    import select

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


def stop_process_group(process: subprocess.Popen) -> None:
    """Stop a server started with ``start_new_session=True`` and everything in its process
    group (workers, reloaders): SIGTERM, then SIGKILL after ``STOP_TIMEOUT``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
    # Workers and reloaded children are in the same group: give them a moment, then kill.
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def server_in_session(
    command: str,
    ready: str,
    *,
    timeout: float = 30,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[ServerProcess]:
    """Run ``python COMMAND`` from ``cwd`` (the repository's root by default), ``{port}`` in
    it replaced by a free port, in a session of its own, until ``GET ready`` answers 200;
    stopped with its workers after. ``env`` is added to this process's environment for it.

    What it writes to stdout and stderr is what ``output()`` reads.
    """
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, *command.format(port=port).split()],
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        server = ServerProcess(process, port, log)
        try:

            def answers() -> bool:
                try:
                    return fetch(port, "GET", ready)[0] == 200
                except OSError:
                    return process.poll() is not None

            if not wait_until(answers, timeout=timeout) or process.poll() is not None:
                raise RuntimeError(f"{command} did not start:\n{server.output()}")
            yield server
        finally:
            stop_process_group(process)

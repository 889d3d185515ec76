"""The lifespan under real servers: once per worker process, never at import, shut down
when the server stops (``tests/lifespan_app.py`` serves the router)."""

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests._helpers import WAIT, wait_until
from tests._servers import STOP_TIMEOUT, fetch, free_port, stop_process_group

ROOT = Path(__file__).resolve().parent.parent

APP = "tests.lifespan_app:"
SERVERS = {
    # A pre-forking server, with the app imported in the master before the fork.
    "gunicorn": "-m gunicorn --workers 2 --preload --bind 127.0.0.1:{port} " + APP + "flask_app",
    "granian": "-m granian --interface wsgi --workers 2 --port {port} " + APP + "flask_app",
    "flask run": "-m flask --app " + APP + "flask_app run --port {port}",
    "uvicorn fastapi": "-m uvicorn --port {port} " + APP + "fastapi_app",
    "uvicorn starlette": "-m uvicorn --port {port} " + APP + "starlette_app",
}


_WITH_CTRL_C = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "module = sys.argv.pop(1); runpy.run_module(module, run_name='__main__', alter_sys=True)"
)


def _pids_of(log: Path, event: str) -> list[int]:
    if not log.exists():
        return []
    return [
        int(line.split()[1]) for line in log.read_text().splitlines() if line.split()[0] == event
    ]


def _answers(port: int, path: str) -> dict | None:
    try:
        status, _, body = fetch(port, "GET", path)
    except OSError:
        return None
    return json.loads(body) if status == 200 else None


@pytest.mark.parametrize("server", list(SERVERS))
def test_one_startup_and_one_shutdown_per_worker(server, tmp_path):
    log = tmp_path / "lifespan.log"
    port = free_port()
    args = SERVERS[server].format(port=port).split()
    if server == "flask run":
        # Ctrl-C as in a terminal: a process started in the background (a CI job, say)
        # inherits SIGINT ignored, and Python then leaves it so; this `flask run` hears it.
        args = ["-c", _WITH_CTRL_C, *args[1:]]
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "DUALWEB_LIFESPAN_LOG": str(log)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    workers = 2 if server in ("gunicorn", "granian") else 1
    try:
        assert wait_until(lambda: _answers(port, "/pid") or process.poll() is not None), (
            f"{server} did not answer"
        )
        assert process.poll() is None, process.communicate(timeout=WAIT)[1].decode()
        # Two slow requests at once: a synchronous worker takes one, the other the next.
        seen: set[int] = set()

        def slow() -> None:
            answer = _answers(port, "/slow")
            if answer is not None:
                assert answer["pid"] == answer["started_in"]  # its own process's state
                seen.add(answer["pid"])

        for _ in range(10):
            threads = [threading.Thread(target=slow) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(WAIT)
            if len(seen) == workers:
                break
        assert len(seen) == workers
        # One startup in each worker, none in a master that imported the app.
        assert sorted(_pids_of(log, "startup")) == sorted(seen)
    finally:
        stopped_in_time = True
        if server == "flask run":
            process.send_signal(signal.SIGINT)  # what Ctrl-C sends; its exit runs the shutdown
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                stopped_in_time = False
                stop_process_group(process)
        else:
            stop_process_group(process)
        stderr = process.stderr.read().decode() if process.stderr else ""
        if process.stderr:
            process.stderr.close()
    assert stopped_in_time, f"{server} did not stop after Ctrl-C:\n{stderr}"
    assert sorted(_pids_of(log, "shutdown")) == sorted(seen), stderr
    assert "Traceback" not in stderr, stderr

"""The deployment page's commands (docs/deployment.md), run as the page gives them.

Every command in the page's ``sh`` blocks is started for real, from docs_src/deployment/
(where the sample app is), on 127.0.0.1 and a free port in place of the page's
``0.0.0.0`` and ``8000``. Each must answer the sample's routes; then a slow request is
sent, the server is told to stop (SIGTERM, to its main process, as ``docker stop`` or
Kubernetes does), and the request must still get its answer, with its background task
run and its ``yield`` dependency closed, and each worker's lifespan shut down. The app
notes those events in a file (``APP_EVENTS``) that the tests read.

The Dockerfile is not built here: its ``CMD`` must be one of the commands run here, and
its ``HEALTHCHECK`` command is run against a server.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._helpers import wait_until
from tests._servers import fetch, server_in_session

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "deployment.md"
SAMPLES = ROOT / "docs_src" / "deployment"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="gunicorn and signals: POSIX only")

#: How long a server may take to start (its workers import the app), and to stop.
START_TIMEOUT = 30
STOP_TIMEOUT = 30


@dataclass(frozen=True)
class Case:
    """What one command serves: which host, and under what path the requests come."""

    id: str  # the test's name for it
    flask: bool  # the Flask app: each worker's lifespan starts at its first request
    prefix: str = ""  # the path the proxy keeps in front of the app's own paths
    proxied: bool = False  # run behind a proxy: forwarded headers are trusted
    # Whether the server, stopping, waits for what runs after a response is sent (its
    # background tasks, then its yield dependencies' teardown). granian (2.8, ASGI and
    # WSGI) does not reliably: the worker may stop once the answer is out, FastAPI's own
    # teardown cut short as dualweb's (seen by hand; the page says so).
    waits_after_response: bool = True


# Every command of the page, and what it serves.
COMMANDS = {
    "uvicorn app:fastapi_app --host 0.0.0.0 --port 8000 --workers 4 "
    "--timeout-graceful-shutdown 20": Case("uvicorn-fastapi", flask=False),
    "uvicorn app:starlette_app --host 0.0.0.0 --port 8000 --workers 4 "
    "--timeout-graceful-shutdown 20": Case("uvicorn-starlette", flask=False),
    "uvicorn app:fastapi_app --host 127.0.0.1 --port 8000 --proxy-headers "
    "--forwarded-allow-ips 127.0.0.1 --root-path /api": Case(
        "uvicorn-proxied", flask=False, proxied=True
    ),
    "gunicorn app:flask_app --bind 0.0.0.0:8000 --workers 4 --worker-class gthread "
    "--threads 8 --graceful-timeout 20": Case("gunicorn-gthread", flask=True),
    "gunicorn app:flask_app --bind 0.0.0.0:8000 --workers 4 --graceful-timeout 20": Case(
        "gunicorn-sync", flask=True
    ),
    "SCRIPT_NAME=/api gunicorn app:flask_app --bind 127.0.0.1:8000 --worker-class gthread "
    "--threads 8 --forwarded-allow-ips 127.0.0.1": Case(
        "gunicorn-proxied", flask=True, prefix="/api", proxied=True
    ),
    "gunicorn app:fastapi_app --bind 0.0.0.0:8000 --workers 4 "
    "--worker-class uvicorn.workers.UvicornWorker --graceful-timeout 20": Case(
        "gunicorn-uvicorn-worker", flask=False
    ),
    "granian --interface asgi --host 0.0.0.0 --port 8000 --workers 4 "
    "--workers-kill-timeout 20 app:fastapi_app": Case(
        "granian-asgi", flask=False, waits_after_response=False
    ),
    "granian --interface wsgi --host 0.0.0.0 --port 8000 --workers 4 --blocking-threads 8 "
    "--workers-kill-timeout 20 app:flask_app": Case(
        "granian-wsgi", flask=True, waits_after_response=False
    ),
}


def page_commands() -> list[str]:
    """The commands of the page's ``sh`` blocks (tabbed ones too), one per line, with
    continued lines joined and runs of spaces made one."""
    text = PAGE.read_text(encoding="utf-8")
    blocks = re.findall(r"^[ \t]*```sh\n(.*?)^[ \t]*```", text, flags=re.M | re.S)
    lines = "\n".join(block.replace("\\\n", " ") for block in blocks).splitlines()
    return [
        " ".join(line.split())
        for line in lines
        if line.strip() and not line.strip().startswith("#")
    ]


def dockerfile_instruction(name: str) -> list[str]:
    """The exec form (a JSON list) of the Dockerfile's ``CMD`` or of its ``HEALTHCHECK``'s."""
    text = (SAMPLES / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return list(json.loads(line[line.index("[") :]))


def as_run_here(command: str) -> tuple[str, dict[str, str]]:
    """``command`` for ``server_in_session``: the server run by this Python (``-m``), on
    127.0.0.1 and the port it chooses; and the variables set in front of it."""
    env = {}
    words = command.split()
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    line = " ".join(["-m", *words]).replace("0.0.0.0", "127.0.0.1")
    return re.sub(r"\b8000\b", "{port}", line), env


def workers(command: str) -> int:
    found = re.search(r"--workers (\d+)", command)
    return int(found.group(1)) if found else 1


class Events:
    """The app's notes (``APP_EVENTS``): ``(event, pid)`` in the order written."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[tuple[str, int]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [(line.rsplit(" ", 1)[0], int(line.rsplit(" ", 1)[1])) for line in lines]

    def pids(self, event: str) -> list[int]:
        return [pid for name, pid in self.read() if name == event]


def test_every_command_of_the_page_is_run_here():
    assert sorted(page_commands()) == sorted(COMMANDS)


def test_the_dockerfile_runs_a_command_of_the_page():
    assert " ".join(dockerfile_instruction("CMD")) in COMMANDS
    assert dockerfile_instruction("HEALTHCHECK")[:2] == ["python", "-c"]
    assert '--8<-- "docs_src/deployment/Dockerfile"' in PAGE.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", list(COMMANDS), ids=[case.id for case in COMMANDS.values()])
def test_the_command_serves_and_stops_gracefully(command, tmp_path):
    case = COMMANDS[command]
    line, env = as_run_here(command)
    events = Events(tmp_path / "events.log")
    env["APP_EVENTS"] = str(events.path)
    with server_in_session(
        line, case.prefix + "/health", timeout=START_TIMEOUT, env=env, cwd=SAMPLES
    ) as server:
        port = server.port

        def get(path: str, **headers: str) -> tuple[int, dict]:
            status, _, body = fetch(port, "GET", case.prefix + path, headers=headers)
            return status, json.loads(body)

        assert get("/health") == (200, {"status": "ok"})
        status, item = get("/items/1")
        assert (status, item["name"]) == (200, "Chair")
        assert get("/items/9") == (404, {"detail": "Item not found"})
        if case.proxied:
            # The proxy says what the client asked for: the app's links name it.
            forwarded = {"Host": "example.com", "X-Forwarded-Proto": "https"}
            forwarded["X-Forwarded-For"] = "203.0.113.7"
            assert get("/items/1", **forwarded)[1]["url"] == "https://example.com/api/items/1"
        if not case.flask:  # an ASGI server runs each worker's lifespan as it starts
            assert wait_until(lambda: len(events.pids("startup")) == workers(command))
        if command == " ".join(dockerfile_instruction("CMD")):
            healthcheck = [sys.executable, *dockerfile_instruction("HEALTHCHECK")[1:]]
            healthcheck = [re.sub(r"\b8000\b", str(port), word) for word in healthcheck]
            subprocess.run(healthcheck, check=True, timeout=STOP_TIMEOUT)

        # A slow request is under way when the server is told to stop.
        answers: list[tuple[int, dict]] = []
        slow = threading.Thread(target=lambda: answers.append(get("/report?seconds=2")))
        slow.start()
        assert wait_until(lambda: events.pids("session opened"), timeout=START_TIMEOUT)
        os.kill(server.pid, signal.SIGTERM)
        slow.join(timeout=STOP_TIMEOUT)
        assert answers == [(200, {"report": "ready"})], server.output()
        server.process.wait(timeout=STOP_TIMEOUT)
        # uvicorn alone, having stopped, ends by the signal it was sent (as Python does).
        assert server.process.returncode in (0, -signal.SIGTERM), server.output()

    (serving,) = events.pids("session opened")
    served = [name for name, pid in events.read() if pid == serving]
    if case.waits_after_response:
        after = ["session opened", "report mailed", "session closed", "shutdown"]
        assert served[-4:] == after, events.read()
    started = events.pids("startup")
    assert len(set(started)) == len(started) <= workers(command)
    assert sorted(events.pids("shutdown")) == sorted(started)

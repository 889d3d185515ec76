"""The README's example app, served by the CLI on real servers started and stopped here."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests._servers import free_port, stop_process_group

ROOT = Path(__file__).resolve().parent.parent


def request(method: str, url: str, body: object = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(params=["flask", "fastapi", "starlette"])
def server(request):
    port = free_port()
    # The README's main command, on each target: the CLI serving examples/app.py.
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dualweb"),
            "serve",
            "app:router",
            "--app-dir",
            str(ROOT / "examples"),
            "--target",
            request.param,
            "--port",
            str(port),
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/items", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{request.param} server did not start")
                time.sleep(0.1)
        yield base
    finally:
        # The server's whole process group: gunicorn and uvicorn may have workers.
        stop_process_group(process)


def test_example_app_on_a_real_server(server):
    status, items = request("GET", server + "/items")
    assert status == 200 and items[0]["name"] == "Teapot"
    status, created = request("POST", server + "/items", {"name": "Cup", "price": 3})
    assert status == 201 and created["name"] == "Cup" and created["price"] == 3.0
    status, error = request("POST", server + "/items", {"name": "", "price": -1})
    assert status == 422
    assert [e["loc"] for e in error["detail"]] == [["body", "name"], ["body", "price"]]
    status, missing = request("GET", server + "/items/999")
    assert (status, missing) == (404, {"detail": "Item not found"})
    status, conflict = request("POST", server + "/items/1/buy", {"quantity": 5})
    assert (status, conflict) == (409, {"detail": "item 1 is out of stock"})
    status, bought = request("POST", server + "/items/1/buy", {"quantity": 2})
    assert (status, bought) == (200, {"item_id": 1, "bought": 2})

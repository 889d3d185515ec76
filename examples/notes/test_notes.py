"""The notes application's own tests, run on Flask and on FastAPI (in-process), and once on
each real server its README names."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from dualweb.testing import client_for_app

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from notes import fastapi_app, flask_app  # noqa: E402

FRONT_END = "http://localhost:5173"
#: A browser's preflight for the front end's POST with a token.
PREFLIGHT = {
    "Origin": FRONT_END,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture(params=["flask", "fastapi"])
def client(request, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTES_DATABASE", str(tmp_path / "notes.db"))
    monkeypatch.setenv("NOTES_ORIGINS", FRONT_END)
    module = flask_app if request.param == "flask" else fastapi_app
    with client_for_app(module.create_app()) as client:  # runs the lifespan: opens the pool
        yield client


def login(client, username="alice", password="wonderland"):
    answer = client.post("/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_login(client):
    wrong = client.post("/token", data={"username": "alice", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert client.post("/token", data={"username": "alice"}).status_code == 422
    assert client.get("/me", headers=login(client)).json() == {
        "username": "alice",
        "full_name": "Alice Liddell",
    }
    assert client.get("/me").status_code == 401
    forged = {"Authorization": "Bearer " + "YWxpY2U6OTk5OTk5OTk5OS5mb3JnZWQ="}
    assert client.get("/me", headers=forged).status_code == 401


def test_notes_belong_to_their_owner(client):
    alice, bob = login(client), login(client, "bob", "can-we-fix-it")
    created = client.post("/notes", json={"title": "Tea", "body": "at four"}, headers=alice)
    assert created.status_code == 201
    note = created.json()
    assert note == {"id": note["id"], "owner": "alice", "title": "Tea", "body": "at four",
                    "public": False}  # fmt: skip
    assert client.get("/notes", headers=alice).json() == [note]
    assert client.get(f"/notes/{note['id']}", headers=alice).json() == note
    assert client.get(f"/notes/{note['id']}", headers=bob).status_code == 404
    assert client.get("/notes", headers=bob).json() == []
    assert client.delete(f"/notes/{note['id']}", headers=bob).status_code == 404
    assert client.delete(f"/notes/{note['id']}", headers=alice).status_code == 204
    assert client.get(f"/notes/{note['id']}", headers=alice).status_code == 404


def test_bad_input_is_a_422_with_fastapis_body(client):
    answer = client.post("/notes", json={"title": ""}, headers=login(client))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "title"]
    assert client.get("/notes/x", headers=login(client)).status_code == 422


def test_the_page_shows_public_notes_escaped_with_links(client):
    assert "No public notes yet." in client.get("/").text
    alice = login(client)
    client.post("/notes", json={"title": "<script>x</script>", "public": True}, headers=alice)
    client.post("/notes", json={"title": "private"}, headers=alice)
    page = client.get("/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text and "<script>" not in page.text
    assert "private" not in page.text
    link = page.text.split('<a href="')[1].split('"')[0]
    assert link.startswith("http://testserver/public/")
    assert client.get(link).json()["title"] == "<script>x</script>"


def test_a_front_end_on_another_origin(client):
    preflight = client.options("/notes", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONT_END
    answer = client.get("/notes", headers={**login(client), "Origin": FRONT_END})
    assert answer.headers["access-control-allow-origin"] == FRONT_END


def test_the_document_is_the_same_on_both_hosts(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTES_DATABASE", str(tmp_path / "notes.db"))
    documents = [
        client_for_app(module.create_app()).get("/openapi.json").json()
        for module in (flask_app, fastapi_app)
    ]
    assert documents[0] == documents[1]
    assert set(documents[0]["paths"]) == {"/token", "/me", "/notes", "/notes/{note_id}",
                                          "/public/{note_id}"}  # fmt: skip


# --- on real servers, as the README runs them -------------------------------------------

SERVERS = {
    "gunicorn": [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", "127.0.0.1:{port}",
                 "notes.flask_app:create_app()"],
    "uvicorn": [sys.executable, "-m", "uvicorn", "--factory", "--port", "{port}",
                "notes.fastapi_app:create_app"],
}  # fmt: skip


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("server", list(SERVERS))
def test_on_a_real_server(server, tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [arg.format(port=port) for arg in SERVERS[server]],
        cwd=HERE,
        env={
            **os.environ,
            "NOTES_DATABASE": str(tmp_path / "notes.db"),
            "NOTES_ORIGINS": FRONT_END,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                page = httpx2.get(base + "/")
                break
            except httpx2.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert "No public notes yet." in page.text
        token = httpx2.post(base + "/token", data={"username": "bob", "password": "can-we-fix-it"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        created = httpx2.post(
            base + "/notes", json={"title": "hi", "public": True}, headers=headers
        )
        assert created.status_code == 201
        assert "hi" in httpx2.get(base + "/").text
        # A browser's preflight for the front end's POST, answered by each framework's own
        # CORS tool (Flask-CORS under gunicorn, CORSMiddleware under uvicorn).
        preflight = httpx2.options(base + "/notes", headers=PREFLIGHT)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == FRONT_END
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert b"Traceback" not in stderr, stderr.decode()

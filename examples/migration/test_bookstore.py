"""The bookstore's tests, run unchanged against every step of the migration.

Each step's ``create_app()`` gives its app (Flask, Flask with a dualweb Router,
FastAPI in front of Flask through the bridge, FastAPI); the same behaviour tests
run against each, in-process through ``dualweb.testing.client_for_app``, and each
step is also started once on a real server by the command its README gives.
"""

import csv
import filecmp
import importlib
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from dualweb.testing import client_for_app

HERE = Path(__file__).resolve().parent
STEPS = ["step0_flask", "step1_dualweb_on_flask", "step2_bridge", "step3_fastapi"]

ALICE = {"Authorization": "Bearer alice-secret-token"}
BOB = {"Authorization": "Bearer bob-secret-token"}
DUNE = {"title": "Dune", "author": "Frank Herbert", "year": 1965, "price": 9.5}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def create_app(step):
    return importlib.import_module(f"{step}.app").create_app()


@pytest.fixture(params=STEPS)
def step(request):
    return request.param


@pytest.fixture
def database(tmp_path, monkeypatch):
    path = tmp_path / "bookstore.sqlite3"
    monkeypatch.setenv("BOOKSTORE_DB", str(path))
    return path


@pytest.fixture
def client(step, database):
    with client_for_app(create_app(step)) as client:
        yield client


def add_book(client, **changes):
    response = client.post("/books", json={**DUNE, **changes}, headers=ALICE)
    assert response.status_code == 201, response.text
    return response.json()


def locs(response):
    assert response.status_code == 422, response.text
    return [tuple(error["loc"]) for error in response.json()["detail"]]


# --- authentication -------------------------------------------------------------------------


def test_health_needs_no_token(client):
    assert client.get("/health").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "headers, detail",
    [
        ({}, "Not authenticated"),
        ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "Not authenticated"),
        ({"Authorization": "Bearer wrong-token"}, "Invalid token"),
    ],
)
def test_a_missing_or_bad_token_is_a_401(client, headers, detail):
    response = client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_token_names_its_user(client):
    assert client.get("/me", headers=ALICE).json() == {"id": 1, "name": "alice"}
    assert client.get("/me", headers=BOB).json() == {"id": 2, "name": "bob"}


def test_writes_need_a_token_and_it_is_checked_before_the_body(client):
    assert client.post("/books", json=DUNE).status_code == 401
    assert client.post("/books", json={"title": ""}).status_code == 401
    book = add_book(client)
    assert client.put(f"/books/{book['id']}", json=DUNE).status_code == 401
    assert client.delete(f"/books/{book['id']}").status_code == 401
    assert client.get("/export/books.csv").status_code == 401


# --- JSON CRUD --------------------------------------------------------------------------------


def test_create_read_replace_delete(client):
    created = client.post("/books", json={**DUNE, "isbn": "9780441013593"}, headers=ALICE)
    assert created.status_code == 201
    book = created.json()
    assert book == {**DUNE, "isbn": "9780441013593", "id": 1, "has_cover": False}
    assert created.headers["location"] == "/books/1"
    assert client.get("/books/1").json() == book

    changed = {**DUNE, "price": 12.0, "isbn": None}
    replaced = client.put("/books/1", json=changed, headers=BOB)
    assert replaced.status_code == 200
    assert replaced.json() == {**changed, "id": 1, "has_cover": False}

    deleted = client.delete("/books/1", headers=ALICE)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get("/books/1").status_code == 404
    assert client.delete("/books/1", headers=ALICE).json() == {"detail": "Book not found"}


def test_a_missing_book_is_a_404(client):
    assert client.get("/books/42").json() == {"detail": "Book not found"}
    assert client.put("/books/42", json=DUNE, headers=ALICE).status_code == 404


def test_list_filters_and_pages(client):
    for year in (1965, 1969, 1976):
        add_book(client, year=year)
    add_book(client, title="Emma", author="Jane Austen", year=1815)
    everything = client.get("/books").json()
    assert [book["year"] for book in everything] == [1965, 1969, 1976, 1815]
    by_austen = client.get("/books", params={"author": "Jane Austen"}).json()
    assert [book["title"] for book in by_austen] == ["Emma"]
    page = client.get("/books", params={"limit": 2, "offset": 1}).json()
    assert [book["id"] for book in page] == [2, 3]


def test_an_isbn_is_unique(client):
    add_book(client, isbn="9780441013593")
    response = client.post("/books", json={**DUNE, "isbn": "9780441013593"}, headers=ALICE)
    assert response.status_code == 409
    assert response.json() == {"detail": "A book with this ISBN already exists"}


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, loc, kind",
    [
        ({**DUNE, "year": 1200}, ("body", "year"), "greater_than_equal"),
        ({**DUNE, "price": -1}, ("body", "price"), "greater_than_equal"),
        ({**DUNE, "isbn": "12345"}, ("body", "isbn"), "string_pattern_mismatch"),
        ({**DUNE, "title": ""}, ("body", "title"), "string_too_short"),
        ({k: v for k, v in DUNE.items() if k != "author"}, ("body", "author"), "missing"),
        ({**DUNE, "pages": 412}, ("body", "pages"), "extra_forbidden"),
    ],
)
def test_a_bad_book_is_a_422_naming_the_field(client, body, loc, kind):
    response = client.post("/books", json=body, headers=ALICE)
    assert locs(response) == [loc]
    assert response.json()["detail"][0]["type"] == kind


def test_malformed_json_is_a_422(client):
    response = client.post(
        "/books", content=b"{not json", headers={**ALICE, "content-type": "application/json"}
    )
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_a_bad_query_is_a_422(client):
    assert locs(client.get("/books", params={"limit": 0})) == [("query", "limit")]
    assert locs(client.get("/books", params={"offset": "x"})) == [("query", "offset")]


# --- the cover upload -----------------------------------------------------------------------


def test_upload_and_read_a_cover(client):
    book = add_book(client)
    files = {"file": ("cover.png", PNG, "image/png")}
    response = client.put(f"/books/{book['id']}/cover", files=files, headers=ALICE)
    assert response.status_code == 200
    assert response.json() == {**book, "has_cover": True}
    cover = client.get(f"/books/{book['id']}/cover")
    assert cover.content == PNG
    assert cover.headers["content-type"] == "image/png"
    assert client.get(f"/books/{book['id']}").json()["has_cover"] is True


def test_bad_covers_are_refused(client):
    book = add_book(client)
    url = f"/books/{book['id']}/cover"
    text = {"file": ("cover.txt", b"hello", "text/plain")}
    assert client.put(url, files=text, headers=ALICE).status_code == 415
    huge = {"file": ("cover.png", PNG + b"\x00" * 1_000_000, "image/png")}
    too_large = client.put(url, files=huge, headers=ALICE)
    assert too_large.status_code == 413
    assert too_large.json() == {"detail": "A cover must be at most 1000000 bytes"}
    assert locs(client.put(url, files={"other": ("a", b"b")}, headers=ALICE)) == [("body", "file")]
    png = {"file": ("cover.png", PNG, "image/png")}
    assert client.put(url, files=png).status_code == 401
    assert client.put("/books/42/cover", files=png, headers=ALICE).status_code == 404
    assert client.get(url).json() == {"detail": "This book has no cover"}


# --- the streamed CSV export ----------------------------------------------------------------


def test_the_export_streams_every_book_as_csv(client):
    add_book(client, isbn="9780441013593")
    add_book(client, title='Emma, or "the matchmaker"', author="Jane Austen", year=1815)
    with client.stream("GET", "/export/books.csv", headers=ALICE) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == 'attachment; filename="books.csv"'
        text = "".join(response.iter_text())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["id", "title", "author", "year", "price", "isbn"],
        ["1", "Dune", "Frank Herbert", "1965", "9.5", "9780441013593"],
        ["2", 'Emma, or "the matchmaker"', "Jane Austen", "1815", "9.5", ""],
    ]


# --- paths nobody serves ----------------------------------------------------------------------


def test_unknown_paths_and_methods(client):
    missing = client.get("/nothing/here")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    wrong = client.delete("/health")
    assert (wrong.status_code, wrong.json()) == (405, {"detail": "Method Not Allowed"})


# --- what each step is made of --------------------------------------------------------------


def test_each_step_is_what_it_says(database):
    import fastapi
    import flask

    from dualweb.bridge import ASGIBridge

    step0 = create_app("step0_flask")
    assert isinstance(step0, flask.Flask)
    assert "dualweb" not in (HERE / "step0_flask" / "app.py").read_text()

    step1 = create_app("step1_dualweb_on_flask")
    assert isinstance(step1, flask.Flask)
    rules = {rule.rule for rule in step1.url_map.iter_rules()}
    assert {"/books", "/books/<dualweb_str:book_id>/cover", "/export/books.csv"} <= rules

    step2 = create_app("step2_bridge")
    assert isinstance(step2, ASGIBridge)
    assert isinstance(step2.primary, fastapi.FastAPI)
    assert isinstance(step2.fallback, flask.Flask)
    moved = set(step2.primary.openapi()["paths"])
    assert {"/books", "/books/{book_id}", "/me", "/health"} <= moved
    assert not moved & {"/books/{book_id}/cover", "/export/books.csv"}
    legacy = {rule.rule for rule in step2.fallback.url_map.iter_rules()}
    assert {"/books/<int:book_id>/cover", "/export/books.csv"} <= legacy

    step3 = create_app("step3_fastapi")
    assert isinstance(step3, fastapi.FastAPI)
    assert "/books/{book_id}/cover" in step3.openapi()["paths"]


def test_the_handlers_and_the_data_layer_do_not_change():
    # The point of the migration: the handlers written at step 1 are the handlers of step 3.
    assert filecmp.cmp(
        HERE / "step1_dualweb_on_flask" / "routes.py",
        HERE / "step3_fastapi" / "routes.py",
        shallow=False,
    )
    for name in ("db.py", "schemas.py"):
        for step in STEPS[1:]:
            assert filecmp.cmp(HERE / "step0_flask" / name, HERE / step / name, shallow=False)


# --- each step on a real server, by the README's command ------------------------------------

SERVER_COMMANDS = {
    "step0_flask": ["gunicorn", "-k", "gthread", "--threads", "4", "step0_flask.app:create_app()"],
    "step1_dualweb_on_flask": [
        "gunicorn",
        "-k",
        "gthread",
        "--threads",
        "4",
        "step1_dualweb_on_flask.app:create_app()",
    ],
    "step2_bridge": ["uvicorn", "--factory", "step2_bridge.app:create_app"],
    "step3_fastapi": ["uvicorn", "--factory", "step3_fastapi.app:create_app"],
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_each_step_runs_on_a_real_server(step, database):
    port = free_port()
    command = SERVER_COMMANDS[step]
    bind = ["-b", f"127.0.0.1:{port}"] if command[0] == "gunicorn" else ["--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", *command, *bind],
        cwd=HERE,
        env={**os.environ, "BOOKSTORE_DB": str(database)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        with httpx2.Client(base_url=base, headers=ALICE, timeout=10) as http:
            assert http.post("/books", json=DUNE).status_code == 201
            files = {"file": ("cover.png", PNG, "image/png")}
            assert http.put("/books/1/cover", files=files).json()["has_cover"] is True
            with http.stream("GET", "/export/books.csv") as response:
                lines = list(response.iter_lines())
            assert lines[1] == "1,Dune,Frank Herbert,1965,9.5,"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()

"""The tutorial's samples (docs_src/tutorial/) answer what its pages say, on every host.

Each page includes its samples whole from docs_src/ (``--8<--``), so the code a reader
copies is the code these tests run; the statuses and bodies asserted here are the ones
the pages show.
"""

import ast
import fnmatch
import importlib.util
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import flask
import pytest

import dualweb.cli
from dualweb.testing import TestClient, client_for_app

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs_src" / "tutorial"
PAGES = ROOT / "docs" / "tutorial"

# Every sample, and the test below that runs it: a new sample needs a test here.
SAMPLES = {
    "first_steps": "test_first_steps",
    "parameters": "test_parameters_*",
    "bodies": "test_bodies_*",
    "catalog": "test_catalog_*",
    "serve_flask": "test_serve_flask",
    "serve_fastapi": "test_serve_fastapi",
    "test_catalog": "test_the_readers_tests_pass_on_every_host",
}


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ModuleType]]:
    """``load("bodies")``: the sample run afresh, so its in-memory data starts anew.

    The samples that serve or test the tutorial's app import it as the reader's own
    module, ``catalog``, from the samples' directory; that import is fresh too.
    """
    monkeypatch.setattr(sys, "path", [str(TUTORIAL), *sys.path])

    def load_(name: str) -> ModuleType:
        sys.modules.pop("catalog", None)
        spec = importlib.util.spec_from_file_location(f"docs_src_{name}", TUTORIAL / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    yield load_
    sys.modules.pop("catalog", None)


def test_every_sample_is_included_by_a_page_and_tested_here():
    files = {path.stem for path in TUTORIAL.glob("*.py")}
    assert files == set(SAMPLES)
    pages = "".join(page.read_text(encoding="utf-8") for page in PAGES.glob("*.md"))
    included = set(re.findall(r'--8<-- "docs_src/tutorial/(\w+)\.py"', pages))
    assert included == files
    for pattern in SAMPLES.values():
        assert fnmatch.filter(globals(), pattern), pattern


# The guides' samples, each with the test that runs it (here, or in the test file named).
GUIDE_SAMPLES = {
    "moving/fastapi_before.py": "test_moving_from_fastapi_*",
    "moving/fastapi_after.py": "test_moving_from_fastapi_*",
    "moving/flask_before.py": "test_moving_from_flask_*",
    "moving/flask_after.py": "test_moving_from_flask_*",
    "deployment/app.py": "test_docs_deployment.py::test_the_command_serves_*",
    "deployment/Dockerfile": "test_docs_deployment.py::test_the_dockerfile_*",
}


def _test_names(test_file: str) -> list[str]:
    tree = ast.parse((ROOT / "tests" / test_file).read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def test_every_guide_sample_is_included_by_a_page_and_tested():
    samples = ROOT / "docs_src"
    files = {
        path.relative_to(samples).as_posix()
        for directory in ("moving", "deployment")
        for path in (samples / directory).iterdir()
        if path.is_file()
    }
    assert files == set(GUIDE_SAMPLES)
    pages = "".join(page.read_text(encoding="utf-8") for page in (ROOT / "docs").glob("*.md"))
    included = set(re.findall(r'--8<-- "docs_src/((?:moving|deployment)/[\w.]+)"', pages))
    assert included == files
    for pattern in GUIDE_SAMPLES.values():
        test_file, _, name = pattern.rpartition("::")
        names = _test_names(test_file) if test_file else list(globals())
        assert fnmatch.filter(names, name), pattern


# The home page's example (docs/index.md)


def test_home_page_example(load):
    home = load("../home")
    flask_client = client_for_app(home.flask_app)
    fastapi_client = client_for_app(home.fastapi_app)
    for client in (flask_client, fastapi_client):
        assert client.get("/books/1").json() == {"title": "Middlemarch", "year": 1871}
        assert client.get("/books/2").status_code == 404
    invalid = [client.get("/books/one") for client in (flask_client, fastapi_client)]
    assert [response.status_code for response in invalid] == [422, 422]
    assert invalid[0].json() == invalid[1].json()
    assert '--8<-- "docs_src/home.py"' in (ROOT / "docs" / "index.md").read_text()


# First steps


def test_first_steps(load, host):
    client = TestClient(load("first_steps").router, host)
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello from dualweb"}


# Parameters and validation


def test_parameters_path_and_query(load, host):
    client = TestClient(load("parameters").router, host)
    assert client.get("/items/5").json() == {"item_id": 5, "q": None, "limit": 10}
    response = client.get("/items/5?q=chair&limit=3")
    assert response.status_code == 200
    assert response.json() == {"item_id": 5, "q": "chair", "limit": 3}


def test_parameters_validation_errors(load, host):
    client = TestClient(load("parameters").router, host)
    response = client.get("/items/abc")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["path", "item_id"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "abc",
            }
        ]
    }
    response = client.get("/items/0")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "greater_than_equal"
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]
    response = client.get("/items/5?q=" + "x" * 21)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "string_too_long"
    assert response.json()["detail"][0]["loc"] == ["query", "q"]


# Bodies and response models


def test_bodies_create_and_read(load, host):
    client = TestClient(load("bodies").router, host)
    response = client.post("/items", json={"name": "Chair", "price": 49.5, "cost": 20})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "name": "Chair", "price": 49.5}  # no cost
    response = client.get("/items/1")
    assert response.status_code == 200
    assert response.json() == {"id": 1, "name": "Chair", "price": 49.5}
    response = client.get("/items/2")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_bodies_invalid_body(load, host):
    client = TestClient(load("bodies").router, host)
    response = client.post("/items", json={"name": "Chair"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "price"],
                "msg": "Field required",
                "input": {"name": "Chair"},
            }
        ]
    }


# Dependencies: the tutorial's whole app


def test_catalog_pages(load, host):
    client = TestClient(load("catalog").router, host)
    assert [item["name"] for item in client.get("/items").json()] == ["Chair", "Lamp", "Desk"]
    response = client.get("/items?offset=1&limit=1")
    assert response.status_code == 200
    assert response.json() == [{"id": 2, "name": "Lamp", "price": 19.0}]
    response = client.get("/items?limit=100")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]
    assert response.json()["detail"][0]["type"] == "less_than_equal"
    operation = client.get("/openapi.json").json()["paths"]["/items"]["get"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["offset", "limit"]


def test_catalog_token(load, host):
    client = TestClient(load("catalog").router, host)
    lamp = {"name": "Floor lamp", "price": 35.0}
    response = client.post("/items", json=lamp)
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing or wrong X-Token header"}
    response = client.post("/items", json=lamp, headers={"X-Token": "let-me-in"})
    assert response.status_code == 201
    assert response.json() == {"id": 4, "name": "Floor lamp", "price": 35.0}
    assert client.get("/items/4").json() == {"id": 4, "name": "Floor lamp", "price": 35.0}


# Serving it


def test_serve_flask(load):
    app = load("serve_flask").app
    client = app.test_client()  # Flask's own test client
    assert client.get("/health").json == {"status": "ok"}
    assert client.get("/items/1").json == {"id": 1, "name": "Chair", "price": 49.5}
    assert client.get("/items/abc").status_code == 422
    assert client.get("/openapi.json").json["info"]["title"] == "Catalog"
    assert client.get("/docs").status_code == 200


def test_serve_fastapi(load):
    client = client_for_app(load("serve_fastapi").app)
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/items/1").json() == {"id": 1, "name": "Chair", "price": 49.5}
    assert client.get("/items/abc").status_code == 422
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "Catalog"
    assert {"/health", "/items", "/items/{item_id}"} <= set(document["paths"])


def test_the_serve_command_finds_the_router(load, host, monkeypatch):
    """``dualweb serve catalog:router --target HOST`` (run where catalog.py is) serves
    the app that ``dualweb.cli:app_factory`` builds from what the command names.

    (``load`` restores ``sys.path``, where the command puts the current directory.)
    """
    monkeypatch.chdir(TUTORIAL)
    monkeypatch.setenv(dualweb.cli.ENV_APP, "catalog:router")
    monkeypatch.setenv(dualweb.cli.ENV_TARGET, host)
    monkeypatch.delenv(dualweb.cli.ENV_APP_DIR, raising=False)
    sys.modules.pop("catalog", None)
    client = client_for_app(dualweb.cli.app_factory())
    assert client.get("/items/1").json() == {"id": 1, "name": "Chair", "price": 49.5}


def test_the_routes_command_lists_the_tutorial_app():
    result = subprocess.run(
        [sys.executable, "-m", "dualweb", "routes", "catalog:router"],
        cwd=TUTORIAL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "POST     /items" in result.stdout and "/items/{item_id}" in result.stdout


# Testing it: the reader's own test file, run by pytest as the page says


def test_the_readers_tests_pass_on_every_host():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "test_catalog.py"],
        cwd=TUTORIAL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dualweb hosts: flask, fastapi, starlette" in result.stdout
    for test in ("test_read_item", "test_unknown_item", "test_create_item_needs_the_token"):
        for host in ("flask", "fastapi", "starlette"):
            assert f"test_catalog.py::{test}[{host}] PASSED" in result.stdout
    assert "9 passed" in result.stdout


# Moving from FastAPI (docs/moving-from-fastapi.md): the same answers before and after


MOVING = ROOT / "docs_src" / "moving"


def load_moving(name: str) -> ModuleType:
    """A sample of docs_src/moving/, run afresh (its in-memory books start anew)."""
    spec = importlib.util.spec_from_file_location(f"docs_src_moving_{name}", MOVING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BOOK_REQUESTS = [
    "/books",
    "/books?limit=1",
    "/books?limit=0",  # 422: below the minimum
    "/books?limit=many",  # 422: not an integer
    "/books/1",
    "/books/9",  # 404
    "/books/one",  # 422
    "/books/",  # FastAPI's redirect to /books (followed)
]


def answers(client) -> list[tuple[int, object]]:
    return [(response.status_code, response.json()) for response in map(client.get, BOOK_REQUESTS)]


def test_moving_from_fastapi_changes_no_answer():
    before = answers(client_for_app(load_moving("fastapi_before").app))
    after = answers(client_for_app(load_moving("fastapi_after").app))
    assert after == before
    assert [status for status, _ in before] == [200, 200, 422, 422, 200, 404, 422, 200]
    assert before[1] == (200, [{"title": "Middlemarch", "year": 1871}])
    assert before[2][1]["detail"][0]["loc"] == ["query", "limit"]
    assert before[5] == (404, {"detail": "No such book"})


def test_moving_from_fastapi_the_router_serves_on_flask_too():
    before = answers(client_for_app(load_moving("fastapi_before").app))
    for target in ("flask", "starlette"):
        assert answers(TestClient(load_moving("fastapi_after").router, target)) == before


def test_moving_from_fastapi_the_document_keeps_its_paths():
    before = client_for_app(load_moving("fastapi_before").app).get("/openapi.json").json()
    after = client_for_app(load_moving("fastapi_after").app).get("/openapi.json").json()
    assert after["paths"] == before["paths"]


# Moving from Flask (docs/moving-from-flask.md): one view moved, the other left as it was


def test_moving_from_flask_both_views_answer():
    for name in ("flask_before", "flask_after"):
        client = load_moving(name).app.test_client()  # Flask's own test client
        assert client.get("/books?year=1871").json == [{"title": "Middlemarch", "year": 1871}]
        response = client.post("/books", json={"title": "Dune", "year": 1965})
        assert response.status_code == 201
        assert response.json == {"title": "Dune", "year": 1965, "link": "/books?year=1965"}
        assert client.get("/books?year=1965").json == [{"title": "Dune", "year": 1965}]


def test_moving_from_flask_url_for_still_builds_the_moved_views_url():
    for name in ("flask_before", "flask_after"):
        app = load_moving(name).app
        with app.test_request_context():
            assert flask.url_for("books.find_books", year=1871) == "/books?year=1871"


def test_moving_from_flask_what_clients_see_change():
    before = load_moving("flask_before").app.test_client()
    after = load_moving("flask_after").app.test_client()
    # A bad or missing query value: Flask's 400 page before, FastAPI's 422 after.
    assert before.get("/books?year=abc").status_code == 400
    response = after.get("/books?year=abc")
    assert response.status_code == 422
    assert response.json == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["query", "year"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "abc",
            }
        ]
    }
    assert before.get("/books").status_code == 400
    assert after.get("/books").json["detail"][0]["type"] == "missing"
    # Not found: Flask's HTML page before, FastAPI's JSON after.
    assert before.get("/books?year=2000").mimetype == "text/html"
    response = after.get("/books?year=2000")
    assert (response.status_code, response.json) == (404, {"detail": "Not Found"})
    # The moved view is documented now.
    assert "/books" in after.get("/openapi.json").json["paths"]

"""``mount(..., errors="app")``: the app keeps its own error contract while it migrates.
HTTP and validation errors that the router's own handlers do not take go to the host
app's error handling, as the framework's own exceptions; by default FastAPI's answers."""

import fastapi
import fastapi.exceptions
import flask
import pytest
import starlette.applications
from starlette.responses import JSONResponse as StarletteJSON

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import HTTPException, Router
from dualweb.exceptions import DualwebError, RequestValidationError
from dualweb.responses import JSONResponse
from dualweb.testing import client_for_app


def make_router():
    router = Router()

    @router.get("/items/{item_id}")
    def read(item_id: int) -> dict:
        if item_id == 0:
            raise HTTPException(404, "Item not found")
        if item_id == 1:
            raise HTTPException(401, "Sign in", headers={"WWW-Authenticate": "Bearer"})
        return {"item_id": item_id}

    return router


def flask_app(**handlers):
    app = flask.Flask("errors")
    if handlers.get("own"):

        @app.errorhandler(404)
        def not_found(error):
            return {"message": error.description}, 404

        @app.errorhandler(401)
        def unauthorized(error):
            return {"message": error.description}, 401, {"WWW-Authenticate": "Bearer"}

        @app.errorhandler(400)
        def bad_request(error):
            return {"message": "bad input", "fields": [e["loc"][-1] for e in error.errors()]}, 400

    dualweb.flask.mount(app, make_router(), errors="app")
    return app


def test_flask_app_handlers_answer_by_status_code():
    client = client_for_app(flask_app(own=True))
    assert client.get("/items/0").json() == {"message": "Item not found"}
    unauthorized = client.get("/items/1")
    assert (unauthorized.status_code, unauthorized.json()) == (401, {"message": "Sign in"})
    bad = client.get("/items/x")
    assert (bad.status_code, bad.json()) == (400, {"message": "bad input", "fields": ["item_id"]})
    assert client.get("/items/5").json() == {"item_id": 5}


def test_flask_without_handlers_answers_with_its_own_pages():
    client = client_for_app(flask_app())
    missing = client.get("/items/0")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Item not found" in missing.text
    assert client.get("/items/1").headers["www-authenticate"] == "Bearer"
    assert client.get("/items/x").status_code == 400


def test_flask_handler_by_dualwebs_classes():
    app = flask.Flask("classes")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return {"status": error.status_code, "detail": error.detail}, error.status_code

    @app.errorhandler(RequestValidationError)
    def invalid(error):
        return {"errors": len(error.errors())}, 422

    dualweb.flask.mount(app, make_router(), errors="app")
    client = client_for_app(app)
    assert client.get("/items/0").json() == {"status": 404, "detail": "Item not found"}
    assert client.get("/items/x").json() == {"errors": 1}


def test_the_routers_own_handlers_still_come_first(host):
    router = make_router()

    @router.exception_handler(404)
    def portable(request, exc):
        return JSONResponse({"portable": exc.detail}, status_code=404)

    app = {"flask": flask.Flask("own"), "fastapi": fastapi.FastAPI(),
           "starlette": starlette.applications.Starlette()}[host]  # fmt: skip
    getattr(dualweb, host).mount(app, router, errors="app")
    assert client_for_app(app).get("/items/0").json() == {"portable": "Item not found"}


def test_fastapi_app_handlers_answer_and_its_defaults_match_dualwebs():
    def app(with_handler: bool, errors: str) -> fastapi.FastAPI:
        made = fastapi.FastAPI()
        if with_handler:

            @made.exception_handler(fastapi.exceptions.RequestValidationError)
            async def invalid(request, exc):
                return StarletteJSON({"invalid": len(exc.errors())}, status_code=400)

            @made.exception_handler(fastapi.HTTPException)
            async def http_error(request, exc):
                return StarletteJSON({"error": exc.detail}, status_code=exc.status_code)

        dualweb.fastapi.mount(made, make_router(), errors=errors)
        return made

    client = client_for_app(app(True, "app"))
    assert (client.get("/items/x").status_code, client.get("/items/x").json()) == (
        400,
        {"invalid": 1},
    )
    assert client.get("/items/0").json() == {"error": "Item not found"}
    handed, answered = client_for_app(app(False, "app")), client_for_app(app(False, "fastapi"))
    for path in ("/items/x", "/items/0", "/items/1"):
        one, other = handed.get(path), answered.get(path)
        assert (one.status_code, one.json(), one.headers.get("www-authenticate")) == (
            other.status_code,
            other.json(),
            other.headers.get("www-authenticate"),
        )


def test_starlette_app_handlers_answer():
    async def not_found(request, exc):
        return StarletteJSON({"missing": exc.detail}, status_code=404)

    async def invalid(request, exc):
        return StarletteJSON({"fields": [e["loc"][-1] for e in exc.errors()]}, status_code=400)

    app = starlette.applications.Starlette(
        exception_handlers={404: not_found, RequestValidationError: invalid}
    )
    dualweb.starlette.mount(app, make_router(), errors="app")
    client = client_for_app(app)
    assert client.get("/items/0").json() == {"missing": "Item not found"}
    assert client.get("/items/x").json() == {"fields": ["item_id"]}
    plain = starlette.applications.Starlette()
    dualweb.starlette.mount(plain, make_router(), errors="app")
    answer = client_for_app(plain).get("/items/x")  # Starlette's own: the errors as text
    assert answer.status_code == 422 and answer.json()[0]["loc"] == ["path", "item_id"]


def test_an_unknown_errors_value_is_refused(host):
    app = {"flask": flask.Flask("bad"), "fastapi": fastapi.FastAPI(),
           "starlette": starlette.applications.Starlette()}[host]  # fmt: skip
    with pytest.raises(DualwebError, match="errors must be one of 'fastapi', 'app'"):
        getattr(dualweb, host).mount(app, make_router(), errors="flask")


def test_flask_keeps_werkzeugs_text_and_the_errors_headers_on_the_apps_answer():
    app = flask.Flask("headers")

    @app.errorhandler(401)
    def unauthorized(error):
        return {"message": error.description}, 401  # sets no WWW-Authenticate itself

    @app.errorhandler(404)
    def not_found(error):
        return {"message": error.description}, 404

    router = Router()

    @router.get("/private")
    def private_page() -> None:
        raise HTTPException(401, "Sign in", headers={"WWW-Authenticate": "Bearer"})

    @router.get("/gone")
    def gone() -> None:
        raise HTTPException(404)  # no detail: Werkzeug's own description

    dualweb.flask.mount(app, router, errors="app")
    client = client_for_app(app)
    private = client.get("/private")
    assert (private.json(), private.headers["www-authenticate"]) == (
        {"message": "Sign in"},
        "Bearer",
    )
    assert client.get("/gone").json()["message"].startswith("The requested URL was not found")

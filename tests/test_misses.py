"""Requests no route takes: FastAPI's answers under a router's prefix, on every host and
compared with native FastAPI (404 and 405 as JSON, ``allow`` with the first matching
route's methods, a 307 to the trailing-slash twin), the app's own handlers first, and
the app's own answers for its own URLs. (``//`` in a path parameter: test_path_query.)"""

import flask
import pytest
import starlette.applications
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse as StarletteJSON
from starlette.responses import PlainTextResponse
from starlette.routing import Route as StarletteRoute
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

import dualweb
import dualweb.flask
import dualweb.starlette
from dualweb._core.misses import Misses
from dualweb._core.table import RouteTable
from dualweb.testing import TestClient, build_app, client_for_app
from tests.conftest import DUALWEB

NO_REDIRECTS = {"follow_redirects": False}


def build_api(api):
    router = api.Router(prefix="/api")

    @router.get("/items/{item_id}")
    def read_item(item_id: int):
        return {"item_id": item_id}

    @router.api_route("/multi", methods=["GET", "POST", "PUT"])
    def multi():
        return {"multi": True}

    @router.get("/dir/")
    def directory():
        return {"dir": True}

    @router.get("/files/{rest:path}")
    def files(rest: str):
        return {"rest": rest}

    @router.get("/x/{a}")
    def x_any(a: str):
        return {"a": a}

    @router.post("/x/y")
    def x_y():
        return {"y": True}

    @router.get("/n/{n:float}")
    def number(n: float):
        return {"n": n}

    @router.get("/")
    def index():
        return {"index": True}

    return router


def test_not_found_and_method_not_allowed_as_fastapi(parity):
    results = parity(
        build_api,
        [
            ("GET", "/api/nope"),
            ("GET", "/api/items/3/extra"),
            ("DELETE", "/api/nope/deeper"),
            ("GET", "/api//items/3"),  # `//` is not merged: no route has this path
            ("GET", "/api/n/x"),  # a convertor that does not match
            ("POST", "/api/items/3"),
            ("PUT", "/api/x/y"),  # the first route matching the path: /x/{a}, GET
            ("POST", "/api/dir/"),
            ("GET", "/api/x/y"),
            ("POST", "/api/x/y"),
        ],
    )
    assert results[0].json() == {"detail": "Not Found"}
    assert results[5].json() == {"detail": "Method Not Allowed"}
    assert results[5].headers["allow"] == "GET"
    assert results[6].headers["allow"] == "GET"
    assert [r.json() for r in results[-2:]] == [{"a": "y"}, {"y": True}]


def test_allow_lists_the_routes_methods(parity, fastapi_ns, host):
    # FastAPI joins a set: its order changes from one process to the next.
    (response,) = parity(build_api, [("PATCH", "/api/multi")], compare_headers=False)
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST", "PUT"}
    if host != "fastapi":
        assert response.headers["allow"] == "GET, POST, PUT"  # dualweb sorts them


def test_trailing_slash_redirects_as_fastapi(parity):
    results = parity(
        build_api,
        [
            ("GET", "/api/dir", NO_REDIRECTS),
            ("POST", "/api/dir", NO_REDIRECTS),  # any method: the client sends it again
            ("GET", "/api/dir?q=1&q=2", NO_REDIRECTS),
            ("GET", "/api/items/3/", NO_REDIRECTS),
            ("GET", "/api/items/3//", NO_REDIRECTS),
            ("GET", "/api", NO_REDIRECTS),
            ("GET", "/api/files", NO_REDIRECTS),
            ("GET", "/api/dir"),
        ],
    )
    assert results[0].status_code == 307
    assert results[0].content == b""
    assert results[0].headers["location"] == "http://testserver/api/dir/"
    assert "content-type" not in results[0].headers
    assert results[2].headers["location"] == "http://testserver/api/dir/?q=1&q=2"
    assert results[3].headers["location"] == "http://testserver/api/items/3"
    assert results[4].headers["location"] == "http://testserver/api/items/3"
    assert results[-1].json() == {"dir": True}


def test_a_mount_prefix_is_reached_too(host):
    router = dualweb.Router()
    router.get("/items/{item_id}")(lambda item_id: {"item_id": item_id})
    client = client_for_app(build_app(router, host, prefix="/v1"))
    response = client.get("/v1/nope")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    assert client.get("/v1").json() == {"detail": "Not Found"}
    assert client.get("/v1/items/3").json() == {"item_id": "3"}


def build_root(api):
    router = api.Router()
    router.get("/items/{item_id}")(lambda item_id: {"item_id": item_id})
    return router


def test_at_the_root_the_apps_own_404_answers_the_rest(host):
    # A router without a prefix: its routes' 405 and redirects are FastAPI's, and a path
    # no route takes gets the app's own 404 (its own URLs keep their pages).
    client = client_for_app(build_app(build_root(DUALWEB), host))
    wrong = client.post("/items/3")
    assert (wrong.status_code, wrong.json()) == (405, {"detail": "Method Not Allowed"})
    assert wrong.headers["allow"] == "GET"
    moved = client.get("/items/3/", follow_redirects=False)
    assert (moved.status_code, moved.content) == (307, b"")
    nowhere = client.get("/nowhere")
    assert nowhere.status_code == 404
    if host == "flask":
        assert nowhere.headers["content-type"] == "text/html; charset=utf-8"
    elif host == "starlette":
        assert nowhere.text == "Not Found"
    else:
        assert nowhere.json() == {"detail": "Not Found"}  # FastAPI's app is FastAPI's


def test_the_flask_apps_own_routes_keep_flasks_answers():
    app = flask.Flask("native")

    @app.get("/page")
    def page():
        return "page"

    @app.get("/folder/")
    def folder():
        return "folder"

    @app.get("/api/legacy")
    def legacy():
        return "legacy"

    dualweb.flask.mount(app, build_api(DUALWEB))
    client = TestClient.for_app(app, follow_redirects=False)
    for response in (client.get("/nowhere"), client.post("/page")):
        assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert client.post("/page").status_code == 405
    assert set(client.post("/page").headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    moved = client.get("/folder")
    assert (moved.status_code, moved.headers["location"]) == (308, "http://testserver/folder/")
    # Under the router's prefix, a native route's own 405 stays Flask's; a path no
    # route takes is FastAPI's 404.
    assert client.post("/api/legacy").headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/api/legacy").text == "legacy"
    assert client.get("/api/nope").json() == {"detail": "Not Found"}


def test_the_flask_apps_own_404_and_405_handlers_answer_first():
    app = build_app(build_api(DUALWEB), "flask")

    @app.errorhandler(404)
    def not_found(error):
        return {"message": "no such page"}, 404

    @app.errorhandler(405)
    def not_allowed(error):
        return {"message": "wrong method", "allowed": sorted(error.valid_methods)}, 405

    client = TestClient.for_app(app, follow_redirects=False)
    assert client.get("/api/nope").json() == {"message": "no such page"}
    assert client.get("/nowhere").json() == {"message": "no such page"}
    assert client.post("/api/items/3").json() == {"message": "wrong method", "allowed": ["GET"]}
    # A redirect is routing, not an error: Flask gives it to no handler.
    assert client.get("/api/dir").status_code == 307


def test_a_flask_handler_of_every_http_error_answers_too():
    app = build_app(build_api(DUALWEB), "flask")

    @app.errorhandler(WerkzeugHTTPException)
    def any_error(error):
        return {"code": error.code}, error.code

    client = client_for_app(app)
    assert client.get("/api/nope").json() == {"code": 404}
    assert client.post("/api/items/3").json() == {"code": 405}


def test_flask_hooks_see_the_misses():
    app = build_app(build_api(DUALWEB), "flask")
    seen = []

    @app.before_request
    def before():
        seen.append(flask.request.path)

    @app.after_request
    def after(response):
        response.headers["x-after"] = "yes"
        return response

    client = TestClient.for_app(app, follow_redirects=False)
    for response in (client.get("/api/nope"), client.post("/api/x/y/"), client.get("/api/dir")):
        assert response.headers["x-after"] == "yes"
    assert seen == ["/api/nope", "/api/x/y/", "/api/dir"]


@pytest.mark.parametrize("key", [404, StarletteHTTPException])
def test_the_starlette_apps_own_handlers_answer_first(key):
    async def handler(request, exc):
        return StarletteJSON({"message": exc.status_code}, status_code=exc.status_code)

    handlers = {key: handler} if key != 404 else {404: handler, 405: handler}
    app = starlette.applications.Starlette(exception_handlers=handlers)
    dualweb.starlette.mount(app, build_api(DUALWEB))
    client = TestClient.for_app(app, follow_redirects=False)
    assert client.get("/api/nope").json() == {"message": 404}
    response = client.post("/api/items/3")
    assert response.json() == {"message": 405}
    assert client.get("/api/dir").status_code == 307


def test_a_starlette_apps_own_default_keeps_answering():
    app = starlette.applications.Starlette()
    app.router.default = PlainTextResponse("mine", status_code=404)
    dualweb.starlette.mount(app, build_api(DUALWEB))
    assert client_for_app(app).get("/api/nope").text == "mine"


def test_a_starlette_apps_own_routes_keep_starlettes_answers():
    async def legacy(request):
        return PlainTextResponse("legacy")

    app = starlette.applications.Starlette(
        routes=[StarletteRoute("/api/legacy", legacy), StarletteRoute("/page", legacy)]
    )
    dualweb.starlette.mount(app, build_api(DUALWEB))
    client = client_for_app(app)
    assert client.post("/api/legacy").text == "Method Not Allowed"
    assert client.get("/nowhere").text == "Not Found"
    assert client.get("/api/legacy").text == "legacy"
    assert client.get("/api/nope").json() == {"detail": "Not Found"}


def test_misses_decide_as_fastapi_from_literals():
    misses = Misses()
    misses.add(RouteTable(build_api(DUALWEB)), "/api")
    assert misses.covers("/api") and misses.covers("/api/x")
    assert not misses.covers("/apis") and not misses.covers("/")
    assert misses.allowed("/api/x/y") == {"GET"}  # the first route matching the path
    assert misses.twin("/api/dir") == "/api/dir/"
    assert misses.twin("/api/items/3///") == "/api/items/3"
    assert misses.twin("/") is None
    decide = misses.decide
    assert decide("PUT", "/api/x/y", "other_methods").allow == {"GET"}
    assert decide("GET", "/api/dir", "redirect").twin == "/api/dir/"
    assert decide("GET", "/api/nope", "nothing").status == 404
    assert decide("GET", "/elsewhere", "nothing") is None  # outside every prefix
    assert decide("POST", "/api/legacy", "other_methods") is None  # an app's own route
    assert decide("GET", "/api//x", "redirect") is None  # the app's own rule merged `//`

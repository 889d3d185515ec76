"""What ``mount`` does with FastAPI's constructor keywords beyond the document itself.

Empty documentation URLs, and the root path an app is served under (``root_path``,
``root_path_in_servers``): each compared with native FastAPI built with the same
keywords, on the hosts whose ``mount`` takes them (FastAPI's app has its own).
"""

from typing import Any

import fastapi
import flask
import pytest
import starlette.applications
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient as StarletteClient
from test_openapi_hosts import native
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import dualweb.flask
import dualweb.starlette
from dualweb.testing import TestClient, build_app, client_for_app
from tests.conftest import DUALWEB, _fastapi_namespace

#: The hosts whose mount takes FastAPI's documentation keywords.
DOCS_HOSTS = ("flask", "starlette")

PAGES = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


def build(api: Any) -> Any:
    router = api.Router()

    @router.get("/app")
    def read_main(request: api.Request):
        return {
            "root_path": request.scope.get("root_path"),
            "base_url": str(request.base_url),
            "url_for": str(request.url_for("read_main")),
        }

    return router


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_empty_urls_turn_off_as_fastapi(host: str) -> None:
    # FastAPI tests its URLs for truth: "" (conditional OpenAPI's production setting) is
    # None, and no document means no pages.
    for keywords in ({"openapi_url": ""}, {"docs_url": ""}, {"redoc_url": ""}):
        client = TestClient(build(DUALWEB), host, **keywords)
        theirs = native(build, **keywords)
        statuses = [client.get(url).status_code for url in PAGES]
        assert statuses == [theirs.get(url).status_code for url in PAGES], keywords
        assert client.get("/app").status_code == 200


@pytest.mark.parametrize("host", DOCS_HOSTS)
@pytest.mark.parametrize("in_servers", [True, False])
@pytest.mark.parametrize("server_root", ["", "/proxy"])
def test_root_path_keyword_as_fastapi(host: str, in_servers: bool, server_root: str) -> None:
    # FastAPI(root_path=...) serves every request under it, in place of the server's root
    # path: the scope, the links and the document's servers (unless root_path_in_servers
    # is False) name it.
    keywords = {"root_path": "/api/v1", "root_path_in_servers": in_servers}
    ours = client_for_app(build_app(build(DUALWEB), host, **keywords), root_path=server_root)
    theirs = native(build, **keywords)
    theirs = type(theirs)(theirs.app, root_path=server_root)
    assert ours.get("/app").json() == theirs.get("/app").json()
    assert ours.get("/app").json()["url_for"] == "http://testserver/api/v1/app"
    document = ours.get("/openapi.json").json()
    assert document == theirs.get("/openapi.json").json()
    assert document.get("servers") == ([{"url": "/api/v1"}] if in_servers else None)
    for page in ("/docs", "/redoc"):
        assert "/api/v1/openapi.json" in ours.get(page).text


def test_root_path_keyword_leaves_the_apps_own_routes_alone() -> None:
    flask_app = build_app(build(DUALWEB), "flask", root_path="/api/v1")

    @flask_app.get("/own")
    def own() -> dict[str, str]:
        return {"root_path": flask.request.root_path, "link": flask.url_for("own")}

    assert client_for_app(flask_app).get("/own").json() == {"root_path": "", "link": "/own"}

    async def starlette_own(request: Request) -> JSONResponse:
        return JSONResponse({"root_path": request.scope.get("root_path", "")})

    starlette_app = build_app(build(DUALWEB), "starlette", root_path="/api/v1")
    starlette_app.router.routes.append(Route("/own", starlette_own))
    client = client_for_app(starlette_app)
    assert client.get("/own").json() == {"root_path": ""}
    assert client.get("/app").json()["root_path"] == "/api/v1"


def sub_api(api: Any) -> Any:
    router = api.Router()

    @router.get("/sub")
    def read_sub(request: api.Request):
        return {"root_path": request.scope["root_path"], "link": str(request.url_for("read_sub"))}

    return router


def fastapi_with_sub_application() -> Any:
    main = fastapi.FastAPI()
    subapi = fastapi.FastAPI()
    subapi.include_router(sub_api(_fastapi_namespace()))
    main.mount("/subapi", subapi)
    return main


def starlette_with_sub_application() -> Any:
    main, sub = starlette.applications.Starlette(), starlette.applications.Starlette()
    dualweb.starlette.mount(sub, sub_api(DUALWEB))
    main.router.routes.append(Mount("/subapi", app=sub))
    return main


def flask_with_sub_application() -> Any:
    main, sub = flask.Flask("main"), flask.Flask("sub")
    dualweb.flask.mount(sub, sub_api(DUALWEB))
    main.wsgi_app = DispatcherMiddleware(main.wsgi_app, {"/subapi": sub})  # type: ignore[method-assign]
    return main


@pytest.mark.parametrize("make", [starlette_with_sub_application, flask_with_sub_application])
def test_a_sub_application_as_fastapi(make: Any) -> None:
    # A router served as an app of its own under a path (Starlette's Mount, Werkzeug's
    # DispatcherMiddleware) is FastAPI's sub-application: the path is its root path.
    ours, theirs = client_for_app(make()), StarletteClient(fastapi_with_sub_application())
    assert ours.get("/subapi/sub").json() == theirs.get("/subapi/sub").json()
    document = ours.get("/subapi/openapi.json")
    assert document.text == theirs.get("/subapi/openapi.json").text
    assert document.json()["servers"] == [{"url": "/subapi"}]
    assert list(document.json()["paths"]) == ["/sub"]
    assert 'url: "/subapi/openapi.json"' in ours.get("/subapi/docs").text

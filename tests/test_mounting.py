"""What ``mount`` does with FastAPI's constructor keywords beyond the document itself.

Empty documentation URLs, and the root path an app is served under (``root_path``,
``root_path_in_servers``): each compared with native FastAPI built with the same
keywords, on the hosts whose ``mount`` takes them (FastAPI's app has its own).
"""

from typing import Any

import flask
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_openapi_hosts import native

from dualweb.testing import TestClient, build_app, client_for_app
from tests.conftest import DUALWEB

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

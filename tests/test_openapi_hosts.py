"""The API document and its pages as each host serves them.

The document ``dualweb.openapi`` builds is compared with native FastAPI's in
test_openapi.py; here the same routers are mounted on Flask, Starlette and
FastAPI and the document each host *serves* at /openapi.json is compared with
the other hosts' and with native FastAPI's. Then FastAPI's documentation
keywords, mount prefixes, the FastAPI host's merged document, the offline
assets and the CDN default, on every host that takes them.
"""

import importlib.util
import inspect
import itertools
import json
import re
import warnings
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import fastapi
import flask
import httpx2
import pytest
import starlette.applications
import test_openapi
from openapi_spec_validator import validate
from pydantic import BaseModel
from starlette.testclient import TestClient as StarletteClient
from test_openapi import (
    _is_valid,
    _shared_operation_ids,
    _suite_builds,
    compared_with_fastapi,
    theirs,
)

import dualweb
import dualweb.fastapi
import dualweb.flask
import dualweb.openapi.pages
import dualweb.starlette
from dualweb.exceptions import DualwebError
from dualweb.testing import HOSTS, TestClient, client_for_app
from tests._helpers import fastapi_has
from tests.conftest import DUALWEB, _fastapi_namespace

#: The hosts that take documentation keywords (FastAPI's app has its own).
DOCS_HOSTS = ("flask", "starlette")


def served(client: Any, url: str = "/openapi.json") -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


def swagger_settings(page: str) -> dict[str, Any]:
    """The options object a Swagger UI page passes to SwaggerUIBundle (presets left out)."""
    body = re.search(r"SwaggerUIBundle\(\{\n(.*?)\n\s*presets:", page, re.DOTALL)
    assert body is not None, page
    settings: dict[str, Any] = {}
    for line in body.group(1).splitlines():
        key, _, value = line.strip().rstrip(",").partition(": ")
        settings[key.strip('"')] = value if key == "oauth2RedirectUrl" else json.loads(value)
    return settings


def page_links(page: str) -> list[str]:
    """Every URL a page loads: stylesheets, scripts, the document."""
    return re.findall(r'(?:href|src|spec-url)="([^"]+)"', page) + re.findall(
        r'^\s*url: "([^"]+)"', page, re.MULTILINE
    )


def simple(api: Any) -> Any:
    router = api.Router()

    @router.get("/items/{item_id}", tags=["items"])
    def read_item(item_id: int, q: str | None = None):
        return {"item_id": item_id}

    return router


# --- (a) every router of the suite: one document on every host, equal to FastAPI's -------

_OWN_BUILDS = [
    pytest.param(function, id=f"test_openapi.{name}")
    for name, function in vars(test_openapi).items()
    if name.startswith("build")
    and inspect.isfunction(function)
    and list(inspect.signature(function).parameters) == ["api"]
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("build", _suite_builds() + _OWN_BUILDS)
def test_every_host_serves_fastapis_document(build: Callable[[Any], Any]) -> None:
    documents = {host: served(TestClient(build(DUALWEB), host)) for host in HOSTS}
    if not compared_with_fastapi(build):  # an older FastAPI: the hosts agree with each other
        first = next(iter(documents.values()))
        assert all(document == first for document in documents.values())
        return
    want = theirs(build)
    # Served over HTTP, so compare as JSON; the deliberate differences of test_openapi.py
    # apply (routes of several methods; build_ellipsis is left out by _suite_builds).
    _shared_operation_ids(want)
    for host, document in documents.items():
        if _is_valid(want):
            validate(document)
        _shared_operation_ids(document)
        assert document == want, host


def test_hosts_serve_the_document_the_builder_makes() -> None:
    router = test_openapi.build_operations(DUALWEB)
    built = json.loads(json.dumps(dualweb.openapi.openapi_for(router)))
    for host in HOSTS:
        document = served(TestClient(router, host))
        _shared_operation_ids(document)
        _shared_operation_ids(built)
        assert document == built, host


# --- (b) the documentation keywords of FastAPI's constructor -------------------------------

KEYWORDS: dict[str, Any] = {
    "title": "Shop",
    "summary": "The shop",
    "description": "All the **things**",
    "version": "2.0",
    "openapi_tags": [{"name": "items", "description": "What we sell"}],
    "servers": [{"url": "https://example.com", "description": "Production"}],
    "terms_of_service": "https://example.com/terms",
    "contact": {"name": "Shop", "email": "shop@example.com"},
    "license_info": {"name": "MIT", "identifier": "MIT"},
}


def native(build: Callable[[Any], Any] = simple, **keywords: Any) -> Any:
    """A client of native FastAPI serving ``build``'s router, built with ``keywords``."""
    with warnings.catch_warnings():
        # FastAPI deprecates its root_path keyword (for the server's); dualweb keeps it.
        warnings.filterwarnings("ignore", "The `root_path` parameter is deprecated")
        app = fastapi.FastAPI(**keywords)
    app.include_router(build(_fastapi_namespace()))
    return StarletteClient(app)


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_document_keywords_as_fastapi(host: str) -> None:
    client = TestClient(simple(DUALWEB), host, **KEYWORDS)
    document = served(client)
    validate(document)
    assert "<title>Shop - Swagger UI</title>" in client.get("/docs").text
    assert "<title>Shop - ReDoc</title>" in client.get("/redoc").text
    assert document == served(native(**KEYWORDS))
    assert document["info"]["summary"] == "The shop"
    assert document["info"]["termsOfService"] == "https://example.com/terms"
    assert document["tags"] == KEYWORDS["openapi_tags"]


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_default_keywords_as_fastapi(host: str) -> None:
    client = TestClient(simple(DUALWEB), host)
    theirs_ = native()
    assert served(client) == served(theirs_)
    for url in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = client.get(url)
        assert response.status_code == theirs_.get(url).status_code == 200, url
        assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>FastAPI - Swagger UI</title>" in client.get("/docs").text
    assert "<title>FastAPI - ReDoc</title>" in client.get("/redoc").text


class Note(BaseModel):
    text: str
    weight: Decimal  # a number or a string in, a string out: two schemas


def notes(api: Any) -> Any:
    router = api.Router()

    @router.post("/notes")
    def create_note(note: Note) -> Note:
        return note

    return router


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_separate_input_output_schemas(host: str) -> None:
    names = {}
    for separate in (True, False):
        client = TestClient(notes(DUALWEB), host, separate_input_output_schemas=separate)
        document = served(client)
        assert document == served(native(notes, separate_input_output_schemas=separate))
        names[separate] = set(document["components"]["schemas"])
    assert {"Note-Input", "Note-Output"} <= names[True] and "Note" not in names[True]
    assert "Note" in names[False] and "Note-Input" not in names[False]


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_custom_urls(host: str) -> None:
    urls = {"openapi_url": "/api.json", "docs_url": "/swagger", "redoc_url": "/reference"}
    client = TestClient(simple(DUALWEB), host, **urls)
    assert served(client, "/api.json") == served(native(**urls), "/api.json")
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert swagger_settings(client.get("/swagger").text)["url"] == "/api.json"
    assert 'oauth2RedirectUrl: window.location.origin + "/swagger/oauth2-redirect"' in (
        client.get("/swagger").text
    )
    assert client.get("/swagger/oauth2-redirect").status_code == 200
    assert '<redoc spec-url="/api.json">' in client.get("/reference").text


@pytest.mark.parametrize("host", DOCS_HOSTS)
@pytest.mark.parametrize(
    ("keywords", "on"),
    [
        ({"openapi_url": None}, set()),
        ({"docs_url": None}, {"/openapi.json", "/redoc"}),
        ({"redoc_url": None}, {"/openapi.json", "/docs", "/docs/oauth2-redirect"}),
        ({"docs_url": None, "redoc_url": None}, {"/openapi.json"}),
    ],
)
def test_turning_off(host: str, keywords: dict[str, Any], on: set[str]) -> None:
    client = TestClient(simple(DUALWEB), host, **keywords)
    theirs_ = native(**keywords)
    for url in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
        status = client.get(url).status_code
        assert status == theirs_.get(url).status_code, url
        assert status == (200 if url in on else 404), url
    assert client.get("/items/1").json() == {"item_id": 1}


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_swagger_ui_parameters(host: str) -> None:
    parameters = {"deepLinking": False, "syntaxHighlight": {"theme": "obsidian"}, "tryIt": True}
    page = TestClient(simple(DUALWEB), host, swagger_ui_parameters=parameters).get("/docs").text
    settings = swagger_settings(page)
    theirs_ = native(swagger_ui_parameters=parameters).get("/docs").text
    assert '"syntaxHighlight": {"theme": "obsidian"}' in theirs_  # the same spelling
    # FastAPI's defaults, overridden and extended by the parameters, as FastAPI merges them.
    assert settings == {
        "url": "/openapi.json",
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": False,
        "showExtensions": True,
        "showCommonExtensions": True,
        "syntaxHighlight": {"theme": "obsidian"},
        "tryIt": True,
        "oauth2RedirectUrl": 'window.location.origin + "/docs/oauth2-redirect"',
    }


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_root_path_keyword(host: str) -> None:
    client = TestClient(simple(DUALWEB), host, root_path="/proxy", **KEYWORDS)
    document = served(client)
    assert document["servers"] == [{"url": "/proxy"}, *KEYWORDS["servers"]]
    assert document == served(native(root_path="/proxy", **KEYWORDS), "/proxy/openapi.json")
    no_servers = served(TestClient(simple(DUALWEB), host, root_path="/proxy"))
    assert no_servers["servers"] == [{"url": "/proxy"}]
    swagger = client.get("/docs").text
    assert swagger_settings(swagger)["url"] == "/proxy/openapi.json"
    assert 'window.location.origin + "/proxy/docs/oauth2-redirect"' in swagger
    assert '<redoc spec-url="/proxy/openapi.json">' in client.get("/redoc").text


def _behind(host: str, root_path: str, **mount_kwargs: Any) -> Any:
    """A client of the app served under ``root_path`` (WSGI SCRIPT_NAME / ASGI root_path)."""
    app = dualweb.testing.build_app(simple(DUALWEB), host, **mount_kwargs)
    if host == "flask":
        # WSGI: SCRIPT_NAME holds the root path, PATH_INFO the rest.
        return httpx2.Client(
            transport=httpx2.WSGITransport(app=app, script_name=root_path),
            base_url="http://testserver",
        )
    # ASGI: scope["path"] holds the full path, root_path included.
    return StarletteClient(app, root_path=root_path, base_url="http://testserver" + root_path)


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_root_path_at_request_time(host: str) -> None:
    client = _behind(host, "/mounted")
    document = served(client)
    assert document["servers"] == [{"url": "/mounted"}]
    assert document["paths"].keys() == {"/items/{item_id}"}
    swagger = client.get("/docs").text
    assert swagger_settings(swagger)["url"] == "/mounted/openapi.json"
    assert 'window.location.origin + "/mounted/docs/oauth2-redirect"' in swagger
    assert '<redoc spec-url="/mounted/openapi.json">' in client.get("/redoc").text
    assert client.get("/items/3").json() == {"item_id": 3}
    # The same app, reached without a root path, names none.
    direct = TestClient(simple(DUALWEB), host)
    assert "servers" not in served(direct)


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_root_path_at_request_time_with_offline_assets(host: str) -> None:
    client = _behind(host, "/mounted", offline_docs=True)
    links = page_links(client.get("/docs").text) + page_links(client.get("/redoc").text)
    assert links and all(link.startswith("/mounted/") for link in links)
    for link in links:
        assert client.get(link.removeprefix("/mounted")).status_code == 200, link


def test_unknown_keyword_is_an_error() -> None:
    for host in DOCS_HOSTS:
        with pytest.raises(TypeError, match=r"unexpected keyword\(s\): docs_ur"):
            TestClient(simple(DUALWEB), host, docs_ur="/d")


# --- (c) mount prefixes --------------------------------------------------------------------


def other(api: Any) -> Any:
    router = api.Router()

    @router.post("/orders", status_code=201)
    def create_order(quantity: int):
        return {"quantity": quantity}

    return router


def _app(host: str) -> Any:
    if host == "flask":
        return flask.Flask("test_openapi_hosts")
    if host == "fastapi":
        return fastapi.FastAPI()
    return starlette.applications.Starlette()


def _mount(host: str) -> Callable[..., Any]:
    if host == "flask":
        names = itertools.count()

        def mount_on_flask(app: Any, router: Any, **kwargs: Any) -> Any:
            # Each mount on one Flask app is a Blueprint of its own name.
            return dualweb.flask.mount(app, router, name=f"mount{next(names)}", **kwargs)

        return mount_on_flask
    return {"starlette": dualweb.starlette.mount, "fastapi": dualweb.fastapi.mount}[host]


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_prefix(host: str) -> None:
    client = TestClient(simple(DUALWEB), host, prefix="/api", title="Prefixed")
    document = served(client, "/api/openapi.json")
    assert document["paths"].keys() == {"/api/items/{item_id}"}
    assert document["info"]["title"] == "Prefixed"
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/docs").status_code == 404
    swagger = client.get("/api/docs").text
    assert swagger_settings(swagger)["url"] == "/api/openapi.json"
    assert 'window.location.origin + "/api/docs/oauth2-redirect"' in swagger
    assert client.get("/api/docs/oauth2-redirect").status_code == 200
    assert '<redoc spec-url="/api/openapi.json">' in client.get("/api/redoc").text
    # FastAPI, with the router included under the same prefix, documents the same paths.
    app = fastapi.FastAPI(title="Prefixed")
    app.include_router(simple(_fastapi_namespace()), prefix="/api")
    assert document == app.openapi()


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_prefix_with_root_path(host: str) -> None:
    client = _behind(host, "/mounted", prefix="/api", offline_docs=True)
    document = served(client, "/api/openapi.json")
    assert document["servers"] == [{"url": "/mounted"}]
    assert document["paths"].keys() == {"/api/items/{item_id}"}
    swagger = client.get("/api/docs").text
    assert swagger_settings(swagger)["url"] == "/mounted/api/openapi.json"
    assert 'window.location.origin + "/mounted/api/docs/oauth2-redirect"' in swagger
    links = page_links(swagger) + page_links(client.get("/api/redoc").text)
    assert all(link.startswith("/mounted/api/") for link in links)
    for link in links:
        assert client.get(link.removeprefix("/mounted")).status_code == 200, link


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_two_routers_under_one_prefix_share_one_document(host: str) -> None:
    app, mount = _app(host), _mount(host)
    mount(app, simple(DUALWEB), prefix="/api", title="Both")
    mount(app, other(DUALWEB), prefix="/api")
    mount(app, other(DUALWEB), prefix="/v2", docs_url=None)
    client = client_for_app(app)
    document = served(client, "/api/openapi.json")
    assert document["info"]["title"] == "Both"
    assert document["paths"].keys() == {"/api/items/{item_id}", "/api/orders"}
    native_app = fastapi.FastAPI(title="Both")
    native_app.include_router(simple(_fastapi_namespace()), prefix="/api")
    native_app.include_router(other(_fastapi_namespace()), prefix="/api")
    assert document == native_app.openapi()
    validate(document)
    # Another prefix has its own document and pages.
    assert served(client, "/v2/openapi.json")["paths"].keys() == {"/v2/orders"}
    assert client.get("/v2/docs").status_code == 404
    assert client.get("/v2/redoc").status_code == 200
    assert client.post("/api/orders?quantity=2").status_code == 201


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_docs_keywords_on_a_second_mount_are_an_error(host: str) -> None:
    app, mount = _app(host), _mount(host)
    mount(app, simple(DUALWEB), prefix="/api")
    with pytest.raises(DualwebError, match="prefix '/api' was configured by the first mount"):
        mount(app, other(DUALWEB), prefix="/api", title="Late")
    with pytest.raises(DualwebError, match="prefix '/api' was configured by the first mount"):
        mount(app, other(DUALWEB), prefix="/api", offline_docs=True)
    router = simple(DUALWEB)
    mount(app, router, prefix="/x")
    with pytest.raises(DualwebError, match="already mounted"):
        mount(app, router, prefix="/x")


@pytest.mark.parametrize("host", HOSTS)
def test_a_mounted_router_takes_no_more_routes(host: str) -> None:
    """Hosts register a router's operations when it is mounted: a later declaration would
    be silently lost, so it is refused; the served document stays the mounted routes'."""
    router = simple(DUALWEB)
    client = TestClient(router, host)
    first = served(client)
    with pytest.raises(DualwebError, match="already mounted"):

        @router.get("/late")
        def late():
            return "late"

    assert client.get("/late").status_code == 404
    assert served(client) == first
    assert set(first["paths"]) == {"/items/{item_id}"}


# --- (d) the FastAPI host: one document with the app's native routes -----------------------


class Item(BaseModel):
    name: str
    price: float


def shared(api: Any) -> Any:
    router = api.Router(prefix="/dual", tags=["dual"])

    @router.post("/items")
    def create(item: Item) -> Item:
        return item

    return router


def native_app(**keywords: Any) -> fastapi.FastAPI:
    app = fastapi.FastAPI(**keywords)

    @app.get("/native/items", tags=["native"])
    def list_items() -> list[Item]:
        return []

    return app


def test_fastapi_host_documents_mounted_and_native_routes_together() -> None:
    app = native_app(title="Mixed", version="3", openapi_tags=[{"name": "native"}])
    dualweb.fastapi.mount(app, shared(DUALWEB))
    dualweb.fastapi.mount(app, other(DUALWEB), prefix="/v2")
    document = app.openapi()
    validate(document)
    # The same as FastAPI's own document with the routers included natively.
    want = native_app(title="Mixed", version="3", openapi_tags=[{"name": "native"}])
    want.include_router(shared(_fastapi_namespace()))
    want.include_router(other(_fastapi_namespace()), prefix="/v2")
    assert json.loads(json.dumps(document)) == want.openapi()
    assert set(document["paths"]) == {"/native/items", "/dual/items", "/v2/orders"}
    schemas = document["components"]["schemas"]
    assert {"Item", "HTTPValidationError", "ValidationError"} <= set(schemas)
    client = StarletteClient(app)
    assert served(client) == json.loads(json.dumps(document))
    # The app's own Swagger UI page loads that document.
    assert 'url: "/openapi.json"' in client.get("/docs").text
    assert client.post("/dual/items", json={"name": "a", "price": 1}).json() == {
        "name": "a",
        "price": 1.0,
    }


def test_fastapi_host_with_a_prefix() -> None:
    app = fastapi.FastAPI()
    dualweb.fastapi.mount(app, simple(DUALWEB), prefix="/api")
    want = fastapi.FastAPI()
    want.include_router(simple(_fastapi_namespace()), prefix="/api")
    assert served(StarletteClient(app)) == want.openapi()


def test_fastapi_host_clashing_component_is_an_error() -> None:
    app = native_app()

    class Item(BaseModel):  # the same name as the app's model, another schema
        sku: int

    router = dualweb.Router()

    @router.post("/other")
    def create(item: Item) -> Item:
        return item

    dualweb.fastapi.mount(app, router)
    with pytest.raises(DualwebError, match=r"components\.schemas\.Item differs"):
        app.openapi()


@fastapi_has("0.137", "keeps an included router's routes where dualweb's mount does not count them")
def test_fastapi_host_operation_of_the_app_is_not_documented_twice() -> None:
    app = native_app()
    clash = dualweb.Router()

    @clash.get("/native/items")
    def other_list(limit: int = 10):
        return []

    with pytest.raises(DualwebError, match="already routed"):
        dualweb.fastapi.mount(app, clash)
    # An operation the app routes too (here through an included router) is documented
    # once; the two documenting it differently is an error, not a silent overwrite.
    app = fastapi.FastAPI()
    app.include_router(simple(_fastapi_namespace()))
    same = simple(DUALWEB)
    dualweb.fastapi.mount(app, same, prefix="/a")
    assert set(app.openapi()["paths"]) == {"/items/{item_id}", "/a/items/{item_id}"}
    different = dualweb.Router()

    @different.get("/items/{item_id}")
    def read_item(item_id: str):
        return {}

    dualweb.fastapi.mount(app, different)
    with pytest.raises(DualwebError, match=r"GET /items/\{item_id\} is documented twice"):
        app.openapi()


@fastapi_has("0.137", "lets the document follow a native route added after a dualweb mount")
def test_fastapi_host_document_follows_mounts_and_native_routes() -> None:
    app = native_app()
    dualweb.fastapi.mount(app, shared(DUALWEB))
    client = StarletteClient(app)
    first = served(client)
    assert app.openapi() is app.openapi()  # cached while nothing changes
    assert set(first["paths"]) == {"/native/items", "/dual/items"}

    @app.get("/native/late")
    def native_late() -> Item:
        return Item(name="late", price=0)

    assert set(served(client)["paths"]) == {"/native/items", "/dual/items", "/native/late"}
    dualweb.fastapi.mount(app, other(DUALWEB), prefix="/v2")
    document = served(client)
    assert set(document["paths"]) == {"/native/items", "/dual/items", "/native/late", "/v2/orders"}
    dualweb.fastapi.mount(app, simple(DUALWEB), prefix="/v2")
    assert "/v2/items/{item_id}" in served(client)["paths"]
    assert app.openapi() is app.openapi()
    validate(app.openapi())


@pytest.mark.filterwarnings("ignore:The `root_path` parameter is deprecated")
def test_fastapi_host_root_path() -> None:
    app = fastapi.FastAPI(root_path="/proxy")
    dualweb.fastapi.mount(app, simple(DUALWEB), offline_docs=False)
    client, theirs_ = StarletteClient(app), native(root_path="/proxy")
    assert served(client, "/proxy/openapi.json") == served(theirs_, "/proxy/openapi.json")
    assert client.get("/proxy/docs").text == theirs_.get("/proxy/docs").text
    # By default, the same links under the root path, and the assets from the app.
    app = fastapi.FastAPI(root_path="/proxy")
    dualweb.fastapi.mount(app, simple(DUALWEB))
    page = StarletteClient(app).get("/proxy/docs").text
    assert swagger_settings(page)["url"] == "/proxy/openapi.json"
    assert swagger_settings(page)["oauth2RedirectUrl"] == (
        'window.location.origin + "/proxy/docs/oauth2-redirect"'
    )
    assert '<script src="/proxy/docs-assets/swagger-ui-bundle.js">' in page


# --- (e) offline assets and the CDN default ------------------------------------------------

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "swagger-ui-LICENSE": "text/plain; charset=utf-8",
    "redoc-LICENSE": "text/plain; charset=utf-8",
    "redoc.standalone.js.LICENSE.txt": "text/plain; charset=utf-8",
}


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_offline_pages_load_local_assets(host: str) -> None:
    client = TestClient(simple(DUALWEB), host, offline_docs=True)
    swagger, redoc = client.get("/docs").text, client.get("/redoc").text
    assert "cdn" not in swagger and "cdn" not in redoc
    assert '<script src="/docs-assets/swagger-ui-bundle.js">' in swagger
    assert 'href="/docs-assets/swagger-ui.css"' in swagger
    assert '<script src="/docs-assets/redoc.standalone.js">' in redoc
    for link in page_links(swagger) + page_links(redoc):
        assert client.get(link).status_code == 200, link
    for name, content_type in ASSETS.items():
        response = client.get(f"/docs-assets/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == content_type, name
        assert response.content == dualweb.openapi.pages.offline_assets()[name].read_bytes()
    assert "Apache License" in client.get("/docs-assets/swagger-ui-LICENSE").text
    assert "MIT License" in client.get("/docs-assets/redoc-LICENSE").text
    assert "SwaggerUIBundle" in client.get("/docs-assets/swagger-ui-bundle.js").text
    assert client.get("/docs-assets/missing.js").status_code == 404
    assert client.get("/docs-assets/..%2Fopenapi.json").status_code == 404
    # The assets are no part of the API document.
    assert served(client)["paths"].keys() == {"/items/{item_id}"}


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_offline_without_pages_serves_no_assets_links(host: str) -> None:
    client = TestClient(simple(DUALWEB), host, offline_docs=True, openapi_url=None)
    assert client.get("/docs").status_code == 404
    assert client.get("/docs-assets/swagger-ui.css").status_code == 404


def without_package(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``package`` look uninstalled to the docs pages."""
    find_spec = importlib.util.find_spec

    def without(name: str, *args: Any) -> Any:
        return None if name == package else find_spec(name, *args)

    monkeypatch.setattr(dualweb.openapi.pages.importlib.util, "find_spec", without)


@pytest.mark.parametrize("host", HOSTS)
def test_without_swagger_uis_package_the_pages_use_the_cdn_and_say_so(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_package(monkeypatch, "swagger_ui_bundle")
    with pytest.warns(UserWarning, match=r"from a CDN.*pip install swagger-ui-bundle-v2"):
        client = TestClient(simple(DUALWEB), host)
    assert dualweb.openapi.pages.CDN["swagger_js"] in client.get("/docs").text
    assert client.get("/docs-assets/swagger-ui.css").status_code == 404
    # ReDoc's assets are installed: its page still loads them from the app.
    assert '<script src="/docs-assets/redoc.standalone.js">' in client.get("/redoc").text
    # Asked for, offline pages are an error; the CDN, asked for, needs no package.
    with pytest.raises(DualwebError, match=r"pip install swagger-ui-bundle-v2"):
        TestClient(simple(DUALWEB), host, offline_docs=True)
    assert TestClient(simple(DUALWEB), host, offline_docs=False).get("/docs").status_code == 200


@pytest.mark.parametrize("host", HOSTS)
def test_without_the_offline_extra_redoc_comes_from_the_cdn_and_its_page_says_so(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a host extra alone installs: Swagger UI's package, not ReDoc's (which needs Django).
    without_package(monkeypatch, "drf_spectacular_sidecar")
    client = TestClient(simple(DUALWEB), host)  # no warning: /docs renders offline
    assert '<script src="/docs-assets/swagger-ui-bundle.js">' in client.get("/docs").text
    redoc = client.get("/redoc").text
    assert f'<script src="{dualweb.openapi.pages.CDN["redoc_js"]}">' in redoc
    assert "To serve it from this app instead: pip install 'dualweb[offline]'" in redoc
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 404
    with pytest.raises(DualwebError, match=r"pip install 'dualweb\[offline\]'"):
        TestClient(simple(DUALWEB), host, offline_docs=True)


@pytest.mark.parametrize("host", HOSTS)
def test_offline_by_default(host: str) -> None:
    client = TestClient(simple(DUALWEB), host)
    swagger, redoc = client.get("/docs").text, client.get("/redoc").text
    assert "cdn" not in swagger and "cdn" not in redoc
    assert '<script src="/docs-assets/swagger-ui-bundle.js">' in swagger
    assert '<script src="/docs-assets/redoc.standalone.js">' in redoc
    for link in page_links(swagger) + page_links(redoc):
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("host", HOSTS)
def test_the_cdn_when_asked_for(host: str) -> None:
    client = TestClient(simple(DUALWEB), host, offline_docs=False)
    swagger, redoc = client.get("/docs").text, client.get("/redoc").text
    assert dualweb.openapi.pages.CDN["swagger_css"] in swagger
    assert dualweb.openapi.pages.CDN["redoc_js"] in redoc
    if host != "fastapi":  # FastAPI's own pages, as the app made them
        assert f'<script src="{dualweb.openapi.pages.CDN["swagger_js"]}">' in swagger
        assert f'href="{dualweb.openapi.pages.CDN["swagger_css"]}"' in swagger
        assert f'<script src="{dualweb.openapi.pages.CDN["redoc_js"]}">' in redoc
    assert all(
        url.startswith("https://cdn.jsdelivr.net/") for url in dualweb.openapi.pages.CDN.values()
    )
    assert client.get("/docs-assets/swagger-ui.css").status_code == 404
    # The same CDN FastAPI's pages use.
    native_swagger = native().get("/docs").text
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" in native_swagger


def test_fastapi_hosts_offline_pages_keep_the_apps_options() -> None:
    app = fastapi.FastAPI(
        title="Shop",
        docs_url="/api-docs",
        redoc_url="/api-redoc",
        openapi_url="/spec.json",
        swagger_ui_parameters={"deepLinking": False, "tryItOutEnabled": True},
        swagger_ui_init_oauth={"clientId": "shop"},
        swagger_ui_oauth2_redirect_url="/back",
    )

    @app.get("/native")
    def native_route() -> dict:
        return {}

    dualweb.fastapi.mount(app, simple(DUALWEB))
    dualweb.fastapi.mount(app, other(DUALWEB), prefix="/v2")  # the first mount decided
    client = StarletteClient(app)
    page = client.get("/api-docs").text
    assert "<title>Shop - Swagger UI</title>" in page
    settings = swagger_settings(page)
    assert settings["url"] == "/spec.json"
    assert (settings["deepLinking"], settings["tryItOutEnabled"]) == (False, True)
    assert settings["oauth2RedirectUrl"] == 'window.location.origin + "/back"'
    assert 'ui.initOAuth({"clientId": "shop"})' in page
    assert '<script src="/docs-assets/swagger-ui-bundle.js">' in page
    assert "<title>Shop - ReDoc</title>" in client.get("/api-redoc").text
    # FastAPI's OAuth2 redirect page and its document stay its own.
    assert (
        client.get("/back").text == native(swagger_ui_oauth2_redirect_url="/back").get("/back").text
    )
    assert set(served(client, "/spec.json")["paths"]) == {
        "/native",
        "/items/{item_id}",
        "/v2/orders",
    }
    assert client.get("/docs").status_code == client.get("/docs-assets/x").status_code == 404
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200


def test_fastapi_host_leaves_pages_it_did_not_make() -> None:
    # No pages, or pages the app wrote itself: nothing replaced, no assets served.
    app = fastapi.FastAPI(docs_url=None, redoc_url=None)
    dualweb.fastapi.mount(app, simple(DUALWEB))
    client = StarletteClient(app)
    assert client.get("/docs").status_code == client.get("/docs-assets/swagger-ui.css").status_code
    assert client.get("/docs").status_code == 404
    app = fastapi.FastAPI(docs_url=None)

    @app.get("/docs", include_in_schema=False)
    def own_docs() -> dict:
        return {"own": True}

    dualweb.fastapi.mount(app, simple(DUALWEB))
    client = StarletteClient(app)
    assert client.get("/docs").json() == {"own": True}
    assert "/docs-assets/redoc.standalone.js" in client.get("/redoc").text
    # Without a document, FastAPI has no pages either.
    app = fastapi.FastAPI(openapi_url=None)
    dualweb.fastapi.mount(app, simple(DUALWEB))
    assert StarletteClient(app).get("/docs").status_code == 404


# --- the app's operation ids -----------------------------------------------------------------


def _tag_and_name(route: Any) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def build_ids(api: Any) -> Any:
    router = api.Router(prefix="/shop")

    @router.get("/items/{item_id}", tags=["items"])
    def read_item(item_id: int):
        return {}

    @router.post("/items", tags=["items"], generate_unique_id_function=lambda r: "own-id")
    def create_item():
        return {}

    inner = api.Router(generate_unique_id_function=lambda r: f"inner-{r.name}")

    @inner.get("/ping")
    def ping():
        return {}

    router.include_router(inner)
    return router


@pytest.mark.parametrize("target", ["flask", "fastapi", "starlette"])
def test_the_apps_operation_ids_as_fastapi_gives_them(target: str) -> None:
    # FastAPI(generate_unique_id_function=...) names every operation whose route and routers
    # choose none: a generated front-end client keeps its names when the routers move.
    app = fastapi.FastAPI(generate_unique_id_function=_tag_and_name)
    app.include_router(build_ids(_fastapi_namespace()))
    want = {op["operationId"] for item in app.openapi()["paths"].values() for op in item.values()}
    assert want == {"items-read_item", "own-id", "inner-ping"}
    if target == "fastapi":
        ours = fastapi.FastAPI(generate_unique_id_function=_tag_and_name)
        dualweb.fastapi.mount(ours, build_ids(DUALWEB))
        document = client_for_app(ours).get("/openapi.json").json()
    else:
        client = TestClient(build_ids(DUALWEB), target, generate_unique_id_function=_tag_and_name)
        document = served(client)
    got = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert got == want

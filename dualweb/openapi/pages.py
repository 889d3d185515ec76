"""Swagger UI and ReDoc pages for the API document, served as ordinary dualweb routes.

``docs_router`` builds a small Router (kept out of the document itself) that
serves the document, the two pages and, in offline mode, their assets. Hosts
mount it like any other router, so the pages behave the same everywhere.

By default the pages load Swagger UI and ReDoc from a CDN. With
``offline_docs=True`` they load them from installed packages
(``pip install 'dualweb[offline]'``): Swagger UI from ``swagger-ui-bundle-v2``
(Apache-2.0) and ReDoc from ``drf-spectacular-sidecar`` (ReDoc is MIT). Their
licence files are served beside the assets.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, NamedTuple

from ..exceptions import DualwebError, HTTPException
from ..requests import Request
from ..responses import FileResponse, HTMLResponse, JSONResponse
from ..routing import Router

__all__ = [
    "CDN",
    "docs_router",
    "offline_assets",
    "redoc_html",
    "swagger_ui_html",
    "swagger_ui_oauth2_redirect_html",
]

#: Where the pages load their assets from by default.
CDN = {
    "swagger_js": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
    "swagger_css": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    "redoc_js": "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
}

_SWAGGER_DEFAULTS: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}


def swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    js_url: str = CDN["swagger_js"],
    css_url: str = CDN["swagger_css"],
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
) -> str:
    """The Swagger UI page for the document at ``openapi_url``."""
    options = {**_SWAGGER_DEFAULTS, **(parameters or {})}
    settings = "\n".join(f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in options.items())
    redirect = (
        f"    oauth2RedirectUrl: window.location.origin + {json.dumps(oauth2_redirect_url)},\n"
        if oauth2_redirect_url
        else ""
    )
    oauth = f"ui.initOAuth({json.dumps(init_oauth)});\n" if init_oauth else ""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link type="text/css" rel="stylesheet" href="{escape(css_url)}">
<title>{escape(title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{escape(js_url)}"></script>
<script>
const ui = SwaggerUIBundle({{
    url: {json.dumps(openapi_url)},
{settings}
{redirect}    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
}});
{oauth}</script>
</body>
</html>
"""


def redoc_html(*, openapi_url: str, title: str, js_url: str = CDN["redoc_js"]) -> str:
    """The ReDoc page for the document at ``openapi_url``."""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<noscript>ReDoc needs JavaScript to show this API's documentation.</noscript>
<redoc spec-url="{escape(openapi_url)}"></redoc>
<script src="{escape(js_url)}"></script>
</body>
</html>
"""


def swagger_ui_oauth2_redirect_html() -> str:
    """The page Swagger UI's OAuth2 flows return to; it hands the result to the opener."""
    return """<!doctype html>
<html lang="en-US">
<head><title>Swagger UI: OAuth2 Redirect</title></head>
<body>
<script>
"use strict";
(function () {
    const opener = window.opener;
    if (!opener || !opener.swaggerUIRedirectOauth2) { window.close(); return; }
    const oauth2 = opener.swaggerUIRedirectOauth2;
    const sentState = oauth2.state;
    const isValid = (value) => value && value.length > 0;
    const query = /code|token|error/.test(window.location.hash)
        ? window.location.hash.substring(1)
        : window.location.search.substring(1);
    const params = Object.fromEntries(new URLSearchParams(query));
    const flow = oauth2.auth.schema.get("flow");
    if ((flow === "accessCode" || flow === "authorizationCode" || flow === "authorization_code")
        && !oauth2.auth.code) {
        if (!isValid(params.state) || params.state !== sentState) {
            oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "warning",
                          message: "Authorization may be unsafe: the state sent back differs."});
        }
        if (params.code) {
            delete oauth2.state;
            oauth2.auth.code = params.code;
            oauth2.callback({auth: oauth2.auth, redirectUrl: oauth2.redirectUrl});
        } else {
            oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "error",
                          message: params.error
                              ? "[" + params.error + "]: " + (params.error_description || "")
                              : "[Authorization failed]: no access code received."});
        }
    } else {
        oauth2.callback({auth: oauth2.auth, token: params, isValid: isValid,
                         redirectUrl: oauth2.redirectUrl});
    }
    window.close();
})();
</script>
</body>
</html>
"""


def _package_dir(name: str) -> Path | None:
    # Locate without importing: the packages only carry static files.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def offline_assets() -> dict[str, Path]:
    """The asset files for offline pages, by the name they are served under."""
    swagger = _package_dir("swagger_ui_bundle")
    sidecar = _package_dir("drf_spectacular_sidecar")
    if swagger is None or sidecar is None:
        raise DualwebError(
            "offline_docs=True serves Swagger UI and ReDoc from installed packages: "
            "pip install 'dualweb[offline]' (swagger-ui-bundle-v2 and drf-spectacular-sidecar)"
        )
    dists = sorted((swagger / "vendor").glob("swagger-ui-*"))
    if not dists:
        raise DualwebError(f"no Swagger UI distribution found in {swagger}")
    dist = dists[-1]
    redoc = sidecar / "static" / "drf_spectacular_sidecar" / "redoc"
    files = {
        "swagger-ui-bundle.js": dist / "swagger-ui-bundle.js",
        "swagger-ui.css": dist / "swagger-ui.css",
        "swagger-ui-LICENSE": dist / "LICENSE",
        "redoc.standalone.js": redoc / "bundles" / "redoc.standalone.js",
        "redoc-LICENSE": redoc / "LICENSE",
    }
    third_party = redoc / "bundles" / "redoc.standalone.js.LICENSE.txt"
    if third_party.is_file():
        # The bundle's first line points its readers at this file, beside it.
        files["redoc.standalone.js.LICENSE.txt"] = third_party
    if not files["swagger-ui-LICENSE"].is_file():
        # swagger-ui-bundle-v2 ships Swagger UI's licence as its wheel's licence file.
        files["swagger-ui-LICENSE"] = _dist_licence("swagger-ui-bundle-v2") or swagger / "LICENSE"
    missing = [name for name, path in files.items() if not path.is_file()]
    if missing:
        raise DualwebError(f"offline docs assets not found: {', '.join(missing)}")
    return files


def _dist_licence(distribution: str) -> Path | None:
    """The LICENSE file an installed distribution declares, if any."""
    from importlib import metadata

    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == "LICENSE":
            return Path(str(dist.locate_file(file)))
    return None


def docs_router(
    document: Any,
    *,
    openapi_url: str | None,
    docs_url: str | None,
    redoc_url: str | None,
    title: str,
    root_path: str = "",
    swagger_ui_parameters: dict[str, Any] | None = None,
    swagger_ui_init_oauth: dict[str, Any] | None = None,
    offline_docs: bool = False,
    assets_path: str = "/docs-assets",
    prefix: str = "",
) -> Router:
    """A Router serving the document and its pages.

    ``prefix`` is the path the router is mounted under: the pages' links to
    the document and the assets include it (after the root path).

    ``document(root_path)`` returns the API document as a dict; it is called
    per request with the root path the request was served under (so the
    document's ``servers`` can name it), and is expected to cache.
    """
    router = Router(include_in_schema=False)
    if not openapi_url:
        # As FastAPI(openapi_url=None) or "": no document, hence no pages to show it.
        return router
    assets = offline_assets() if offline_docs else None
    pages = _Pages(title, openapi_url, root_path, prefix, assets_path if assets else None)
    _add_document(router, document, pages)
    if docs_url:
        _add_swagger_ui(router, docs_url, pages, swagger_ui_parameters, swagger_ui_init_oauth)
    if redoc_url:
        _add_redoc(router, redoc_url, pages)
    if assets:
        _add_assets(router, assets_path, assets)
    return router


class _Links(NamedTuple):
    """Where a page served for one request points: its base, the document, the assets."""

    base: str
    document: str
    assets: dict[str, str]


@dataclass(frozen=True)
class _Pages:
    """What the pages share: the title, and where their links point from a request."""

    title: str
    openapi_url: str
    root_path: str
    prefix: str
    assets_path: str | None  # None: the CDN's assets

    def root(self, request: Request) -> str:
        return (request.root_path or self.root_path).rstrip("/")

    def links(self, request: Request) -> _Links:
        base = self.root(request) + self.prefix.rstrip("/")
        assets = CDN if self.assets_path is None else _asset_urls(base + self.assets_path)
        return _Links(base, base + self.openapi_url, assets)


def _add_document(router: Router, document: Any, pages: _Pages) -> None:
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document(pages.root(request)))

    router.add_api_route(pages.openapi_url, openapi, methods=["GET"], name="openapi")


def _add_swagger_ui(
    router: Router,
    docs_url: str,
    pages: _Pages,
    parameters: dict[str, Any] | None,
    init_oauth: dict[str, Any] | None,
) -> None:
    redirect_url = docs_url.rstrip("/") + "/oauth2-redirect"

    def swagger_ui(request: Request) -> HTMLResponse:
        links = pages.links(request)
        return HTMLResponse(
            swagger_ui_html(
                openapi_url=links.document,
                title=f"{pages.title} - Swagger UI",
                js_url=links.assets["swagger_js"],
                css_url=links.assets["swagger_css"],
                oauth2_redirect_url=links.base + redirect_url,
                init_oauth=init_oauth,
                parameters=parameters,
            )
        )

    def swagger_ui_redirect() -> HTMLResponse:
        return HTMLResponse(swagger_ui_oauth2_redirect_html())

    router.add_api_route(docs_url, swagger_ui, methods=["GET"], name="swagger_ui_html")
    router.add_api_route(
        redirect_url, swagger_ui_redirect, methods=["GET"], name="swagger_ui_redirect"
    )


def _add_redoc(router: Router, redoc_url: str, pages: _Pages) -> None:
    def redoc(request: Request) -> HTMLResponse:
        links = pages.links(request)
        return HTMLResponse(
            redoc_html(
                openapi_url=links.document,
                title=f"{pages.title} - ReDoc",
                js_url=links.assets["redoc_js"],
            )
        )

    router.add_api_route(redoc_url, redoc, methods=["GET"], name="redoc_html")


def _add_assets(router: Router, assets_path: str, files: dict[str, Path]) -> None:
    def asset(name: str) -> FileResponse:
        path = files.get(name)
        if path is None:
            raise HTTPException(404, "Not Found")
        media_type = "text/plain" if name.endswith("LICENSE") else None
        return FileResponse(path, media_type=media_type)

    router.add_api_route(assets_path + "/{name}", asset, methods=["GET"], name="docs_assets")


def _asset_urls(base: str) -> dict[str, str]:
    return {
        "swagger_js": f"{base}/swagger-ui-bundle.js",
        "swagger_css": f"{base}/swagger-ui.css",
        "redoc_js": f"{base}/redoc.standalone.js",
    }

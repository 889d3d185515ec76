"""Swagger UI and ReDoc pages for the API document, served as ordinary dualweb routes.

``docs_router`` builds a small Router (kept out of the document itself) that
serves the document, the two pages and, in offline mode, their assets. Hosts
mount it like any other router, so the pages behave the same everywhere.

The pages load Swagger UI and ReDoc from the app itself, which serves them from
installed packages, their licence files beside them, so that the pages render on a
machine without internet access: Swagger UI from ``swagger-ui-bundle-v2``
(Apache-2.0), which every host extra of dualweb brings, and ReDoc from
``drf-spectacular-sidecar`` (ReDoc is MIT), which the ``offline`` extra brings.
``offline_docs=False`` loads both from a CDN instead, as FastAPI's pages do; a page
whose package is missing loads from the CDN too (``docs_assets`` says when with a
warning; ``offline_docs=True`` makes it an error).
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from dataclasses import dataclass
from html import escape
from pathlib import Path
from types import EllipsisType
from typing import Any, NamedTuple

from ..exceptions import DualwebError, HTTPException
from ..requests import Request
from ..responses import FileResponse, HTMLResponse, JSONResponse
from ..routing import Router

__all__ = [
    "CDN",
    "docs_assets",
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


#: What to install for each page's assets, when they are missing.
_SWAGGER_PACKAGE = (
    "pip install swagger-ui-bundle-v2 (every host extra of dualweb brings it: "
    "pip install 'dualweb[flask]', 'dualweb[fastapi]' or 'dualweb[starlette]')"
)
_REDOC_PACKAGE = "pip install 'dualweb[offline]' (drf-spectacular-sidecar, which needs Django)"


def _swagger_files() -> dict[str, Path] | None:
    """Swagger UI's files in ``swagger-ui-bundle-v2``, or None where it is not installed."""
    swagger = _package_dir("swagger_ui_bundle")
    if swagger is None:
        return None
    dists = sorted((swagger / "vendor").glob("swagger-ui-*"))
    if not dists:
        raise DualwebError(f"no Swagger UI distribution found in {swagger}")
    dist = dists[-1]
    files = {
        "swagger-ui-bundle.js": dist / "swagger-ui-bundle.js",
        "swagger-ui.css": dist / "swagger-ui.css",
        "swagger-ui-LICENSE": dist / "LICENSE",
    }
    if not files["swagger-ui-LICENSE"].is_file():
        # swagger-ui-bundle-v2 ships Swagger UI's licence as its wheel's licence file.
        files["swagger-ui-LICENSE"] = _dist_licence("swagger-ui-bundle-v2") or swagger / "LICENSE"
    return _present(files)


def _redoc_files() -> dict[str, Path] | None:
    """ReDoc's files in ``drf-spectacular-sidecar``, or None where it is not installed.

    NOTE: the one maintained distribution of ReDoc's bundle on PyPI; it requires Django,
    which is why only the ``offline`` extra brings it, not the host extras.
    """
    sidecar = _package_dir("drf_spectacular_sidecar")
    if sidecar is None:
        return None
    redoc = sidecar / "static" / "drf_spectacular_sidecar" / "redoc"
    files = {
        "redoc.standalone.js": redoc / "bundles" / "redoc.standalone.js",
        "redoc-LICENSE": redoc / "LICENSE",
    }
    third_party = redoc / "bundles" / "redoc.standalone.js.LICENSE.txt"
    if third_party.is_file():
        # The bundle's first line points its readers at this file, beside it.
        files["redoc.standalone.js.LICENSE.txt"] = third_party
    return _present(files)


def _present(files: dict[str, Path]) -> dict[str, Path]:
    missing = [name for name, path in files.items() if not path.is_file()]
    if missing:
        raise DualwebError(f"offline docs assets not found: {', '.join(missing)}")
    return files


def offline_assets() -> dict[str, Path]:
    """The asset files of both pages, by the name they are served under; an error naming
    what to install where either page's are missing."""
    swagger, redoc = _swagger_files(), _redoc_files()
    if swagger is None or redoc is None:
        raise DualwebError(
            "offline_docs=True serves Swagger UI and ReDoc from installed packages: "
            + (_SWAGGER_PACKAGE if swagger is None else _REDOC_PACKAGE)
        )
    return {**swagger, **redoc}


def docs_assets(offline_docs: bool | None) -> dict[str, Path] | None:
    """The asset files the app serves for its pages, or ``None``: the CDN's for both.

    ``offline_docs``: ``True`` needs both pages' packages (an error without them),
    ``False`` asks for the CDN. ``None`` (the default) serves what is installed:
    Swagger UI's assets, which every host extra brings (without them, the CDN's, with a
    warning saying what to install), and ReDoc's where the ``offline`` extra is
    installed; without them the ReDoc page loads ReDoc from the CDN, and says on the
    page what to install when it cannot.
    """
    if offline_docs is False:
        return None
    if offline_docs:
        return offline_assets()
    swagger = _swagger_files()
    if swagger is None:
        warnings.warn(
            "the API docs pages load Swagger UI from a CDN, so /docs stays blank without "
            f"internet access: {_SWAGGER_PACKAGE}; or pass offline_docs=False to choose the CDN",
            UserWarning,
            stacklevel=2,
        )
    files = {**(swagger or {}), **(_redoc_files() or {})}
    return files or None


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
    swagger_ui_oauth2_redirect_url: str | EllipsisType | None = ...,
    offline_docs: bool | None = None,
    assets_path: str = "/docs-assets",
    prefix: str = "",
) -> Router:
    """A Router serving the document and its pages.

    ``prefix`` is the path the router is mounted under: the pages' links to
    the document and the assets include it (after the root path).

    ``document(root_path)`` returns the API document as a dict; it is called
    per request with the root path the request was served under (so the
    document's ``servers`` can name it), and is expected to cache. ``None``: the
    app serves the document at ``openapi_url`` itself; the router serves the pages.

    ``swagger_ui_oauth2_redirect_url``: where Swagger UI's OAuth2 flows return; by
    default ``docs_url + "/oauth2-redirect"``, served here; given, it is the app's own
    page (FastAPI's), not served here; ``None``, the flows have no page to return to.
    ``offline_docs``: see :func:`docs_assets`.
    """
    router = Router(include_in_schema=False)
    if not openapi_url:
        # As FastAPI(openapi_url=None) or "": no document, hence no pages to show it.
        return router
    assets = docs_assets(offline_docs) if docs_url or redoc_url else None
    local = frozenset(key for key, name in _ASSET_FILES.items() if assets and name in assets)
    pages = _Pages(title, openapi_url, root_path, prefix, assets_path, local)
    if document is not None:
        _add_document(router, document, pages)
    if docs_url:
        _add_swagger_ui(
            router,
            docs_url,
            pages,
            swagger_ui_parameters,
            swagger_ui_init_oauth,
            swagger_ui_oauth2_redirect_url,
        )
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
    assets_path: str
    local: frozenset[str]  # the assets (keys of CDN) the app serves; the others: the CDN's

    def root(self, request: Request) -> str:
        return (request.root_path or self.root_path).rstrip("/")

    def links(self, request: Request) -> _Links:
        base = self.root(request) + self.prefix.rstrip("/")
        assets = {
            key: f"{base}{self.assets_path}/{_ASSET_FILES[key]}" if key in self.local else url
            for key, url in CDN.items()
        }
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
    redirect: str | EllipsisType | None,
) -> None:
    redirect_url = docs_url.rstrip("/") + "/oauth2-redirect" if redirect is ... else redirect

    def swagger_ui(request: Request) -> HTMLResponse:
        links = pages.links(request)
        return HTMLResponse(
            swagger_ui_html(
                openapi_url=links.document,
                title=f"{pages.title} - Swagger UI",
                js_url=links.assets["swagger_js"],
                css_url=links.assets["swagger_css"],
                oauth2_redirect_url=links.base + redirect_url if redirect_url else None,
                init_oauth=init_oauth,
                parameters=parameters,
            )
        )

    def swagger_ui_redirect() -> HTMLResponse:
        return HTMLResponse(swagger_ui_oauth2_redirect_html())

    router.add_api_route(docs_url, swagger_ui, methods=["GET"], name="swagger_ui_html")
    if redirect is ... and redirect_url:
        router.add_api_route(
            redirect_url, swagger_ui_redirect, methods=["GET"], name="swagger_ui_redirect"
        )


# Shown by a ReDoc page that loads ReDoc from the CDN when the script cannot be loaded.
_REDOC_UNREACHABLE = f"""<script>
window.addEventListener("load", function () {{
    if (typeof Redoc === "undefined") {{
        const note = document.createElement("p");
        note.style.cssText = "font-family: sans-serif; margin: 2em";
        note.textContent = "ReDoc could not be loaded from {CDN["redoc_js"]}. "
            + "To serve it from this app instead: {_REDOC_PACKAGE}.";
        document.body.appendChild(note);
    }}
}});
</script>
"""


def _add_redoc(router: Router, redoc_url: str, pages: _Pages) -> None:
    # ReDoc from the CDN: the page ends by saying what to install when it cannot load it.
    end = "</body>" if "redoc_js" in pages.local else _REDOC_UNREACHABLE + "</body>"

    def redoc(request: Request) -> HTMLResponse:
        links = pages.links(request)
        page = redoc_html(
            openapi_url=links.document,
            title=f"{pages.title} - ReDoc",
            js_url=links.assets["redoc_js"],
        )
        return HTMLResponse(page.replace("</body>", end))

    router.add_api_route(redoc_url, redoc, methods=["GET"], name="redoc_html")


def _add_assets(router: Router, assets_path: str, files: dict[str, Path]) -> None:
    def asset(name: str) -> FileResponse:
        path = files.get(name)
        if path is None:
            raise HTTPException(404, "Not Found")
        media_type = "text/plain" if name.endswith("LICENSE") else None
        return FileResponse(path, media_type=media_type)

    router.add_api_route(assets_path + "/{name}", asset, methods=["GET"], name="docs_assets")


#: The file each asset of ``CDN`` is served as, when the app serves it.
_ASSET_FILES = {
    "swagger_js": "swagger-ui-bundle.js",
    "swagger_css": "swagger-ui.css",
    "redoc_js": "redoc.standalone.js",
}

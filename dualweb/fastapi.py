"""Serve a dualweb Router on a FastAPI app, beside the app's own routes and in its document."""

from __future__ import annotations

from ._extras import require

require("dualweb.fastapi", "fastapi", "fastapi", "starlette")

from collections.abc import Callable
from typing import Any

import fastapi.exceptions
import fastapi.params
from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder

from . import params
from ._core.route import Default
from ._core.table import errors_to_app
from .exceptions import DualwebError, HTTPException, RequestValidationError
from .openapi.pages import docs_router
from .openapi.site import DocsSite, check_docs_options, merge_documents
from .routing import Router
from .starlette import add_routes, serve_in_place_of

__all__ = ["mount"]


def mount(
    app: FastAPI,
    router: Router,
    *,
    prefix: str = "",
    offline_docs: bool | None = None,
    errors: str = "fastapi",
) -> None:
    """Serve ``router``'s operations on ``app``; they appear in ``app.openapi()`` and /docs.

    The app's own constructor keywords (title, openapi_url, docs_url...) govern
    its document and pages, as for its native routes. The first mount on an app
    also makes its Swagger UI and ReDoc pages load their scripts from the app
    itself instead of a CDN, so that they render without internet access: the same
    pages, with the app's options, served where FastAPI's were (``offline_docs=False``
    leaves FastAPI's own; see ``dualweb.openapi.pages.docs_assets``). The route keywords it takes
    (``dependencies``, ``responses``, ``deprecated``, ``include_in_schema``,
    ``strict_content_type``, ``form_limits``) apply to the router's operations as to an
    included router's, and ``app.dependency_overrides``
    as well as ``router.dependency_overrides`` replace dependencies.

    ``errors="app"``: an ``HTTPException`` or a validation error that none of the
    router's exception handlers takes is raised as FastAPI's own (``fastapi.HTTPException``,
    ``fastapi.exceptions.RequestValidationError``), for the app's exception handlers
    (FastAPI's defaults answer as dualweb would); by default dualweb answers them itself.
    """
    errors_to_app(errors)
    served = _as_included(app, router)
    add_routes(
        app,
        router,
        prefix,
        served=served,
        provider=_Overrides(app, router),
        errors=errors,
        to_app=_fastapi_error,
    )
    sites: dict[str, DocsSite] | None = app.__dict__.get("_dualweb_fastapi_sites")
    if sites is None:
        sites = {}
        app.__dict__["_dualweb_fastapi_sites"] = sites
        _document_mounts(app, sites)
        _serve_offline_pages(app, offline_docs)
    site = sites.get(prefix)
    if site is None:
        site = sites[prefix] = DocsSite(prefix, _options(app), False)
    site.add(served)


def _as_included(app: FastAPI, router: Router) -> Router:
    # What FastAPI's include_router takes from the app's own router, for dualweb's.
    native = app.router
    if native.callbacks:
        raise DualwebError(
            "FastAPI(callbacks=...) holds FastAPI routes, which dualweb cannot document: "
            "declare them on a dualweb Router and pass Router(callbacks=...)"
        )
    dependencies = [_portable(depends) for depends in native.dependencies]
    # FastAPI(strict_content_type=False) and FastAPI(form_limits=...) hold for the routers
    # it includes, unless they set their own: so for a mounted one.
    # (Older FastAPI versions, which dualweb also serves on, have neither.)
    strict = getattr(native, "strict_content_type", True)
    lenient = not (strict.value if isinstance(strict, DefaultPlaceholder) else strict)
    form_limits: dict[str, int] = dict(getattr(native, "form_limits", None) or {})
    if (
        not (dependencies or native.responses or native.deprecated or lenient or form_limits)
        and native.include_in_schema
    ):
        return router
    outer = Router(
        dependencies=dependencies,
        responses=dict(native.responses),
        deprecated=native.deprecated,
        include_in_schema=native.include_in_schema,
        strict_content_type=False if lenient else Default(True),
        form_limits=form_limits,
    )
    outer.include_router(router)
    return outer


def _fastapi_error(exc: Exception) -> Exception:
    # A dualweb error the router leaves to the app, as FastAPI's own.
    if isinstance(exc, RequestValidationError):
        return fastapi.exceptions.RequestValidationError(exc.errors(), body=exc.body)
    assert isinstance(exc, HTTPException)
    return fastapi.HTTPException(exc.status_code, exc.detail, exc.headers)


def _portable(depends: Any) -> params.Depends:
    # The app's Depends(f) as dualweb's; f itself must declare its parameters with dualweb.
    if isinstance(depends, fastapi.params.Security):
        return params.Security(
            depends.dependency, scopes=list(depends.scopes or ()), use_cache=depends.use_cache
        )
    if isinstance(depends, fastapi.params.Depends):
        return params.Depends(depends.dependency, use_cache=depends.use_cache)
    return depends  # type: ignore[no-any-return]


class _Overrides:
    """The overrides in force for a router mounted on a FastAPI app: the app's, and the
    router's own (which win), read at each request."""

    __slots__ = ("app", "router")

    def __init__(self, app: FastAPI, router: Router) -> None:
        self.app = app
        self.router = router

    @property
    def dependency_overrides(self) -> dict[Callable[..., Any], Callable[..., Any]] | None:
        own = self.router.dependency_overrides
        apps: dict[Callable[..., Any], Callable[..., Any]] | None = self.app.dependency_overrides
        if not apps:
            return own
        if not own:
            return apps
        return {**apps, **own}


def _options(app: FastAPI) -> dict[str, Any]:
    # The document keeps only the info fields here; the app's own document holds the rest.
    return check_docs_options(
        {
            "title": app.title,
            "summary": app.summary,
            "description": app.description,
            "version": app.version,
            "separate_input_output_schemas": app.separate_input_output_schemas,
            "generate_unique_id_function": _unique_id_function(app),
        }
    )


def _unique_id_function(app: FastAPI) -> Any:
    # The app's own choice, if it made one (FastAPI marks its default as a placeholder).
    chosen = app.router.generate_unique_id_function
    return None if isinstance(chosen, DefaultPlaceholder) else chosen


def _document_mounts(app: FastAPI, sites: dict[str, DocsSite]) -> None:
    # FastAPI documents only its own route classes; add the mounted routers'
    # operations to the document it builds (FastAPI's documented way to extend it).
    native_openapi = app.openapi
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        key = tuple(site.version for site in sites.values())
        if built.get("key") != key:
            app.openapi_schema = None
        # FastAPI returns its cached document (our merged one) until its own routes change.
        document: dict[str, Any] = native_openapi()
        if id(document) == id(built.get("document")):
            return document
        for site in sites.values():
            document = merge_documents(document, site.document())
        app.openapi_schema = document
        built.update(key=key, document=document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


#: FastAPI's own docs pages, by the name of the function that answers them.
_FASTAPI_PAGES = ("swagger_ui_html", "redoc_html")


def _serve_offline_pages(app: FastAPI, offline_docs: bool | None) -> None:
    # FastAPI's pages load Swagger UI and ReDoc from a CDN. Where the assets are installed,
    # dualweb's pages (the same HTML, from the app's options) stand in their place and the
    # app serves the assets; pages the app wrote itself are left alone.
    pages = {}
    for route in app.router.routes:
        endpoint = getattr(route, "endpoint", None)
        name = getattr(endpoint, "__name__", "")
        if name in _FASTAPI_PAGES and getattr(endpoint, "__module__", "") == "fastapi.applications":
            pages[name] = route
    if not pages or not app.openapi_url or offline_docs is False:
        return
    served = docs_router(
        None,  # FastAPI serves the document itself
        openapi_url=app.openapi_url,
        docs_url=app.docs_url if "swagger_ui_html" in pages else None,
        redoc_url=app.redoc_url if "redoc_html" in pages else None,
        title=app.title,
        root_path=app.root_path,
        swagger_ui_parameters=app.swagger_ui_parameters,
        swagger_ui_init_oauth=app.swagger_ui_init_oauth,
        swagger_ui_oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
        offline_docs=offline_docs,
    )
    if any(route.name == "docs_assets" for route in served.routes):
        serve_in_place_of(app, list(pages.values()), served)
    # (Otherwise no asset is installed: FastAPI's pages, from the CDN, are as good.)

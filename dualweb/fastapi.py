"""Serve a dualweb Router on a FastAPI app, beside the app's own routes and in its document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder

from .openapi.site import DocsSite, check_docs_options, merge_documents
from .routing import Router
from .starlette import add_routes

__all__ = ["mount"]


def mount(app: FastAPI, router: Router, *, prefix: str = "") -> None:
    """Serve ``router``'s operations on ``app``; they appear in ``app.openapi()`` and /docs.

    The app's own constructor keywords (title, openapi_url, docs_url...) govern
    its document and pages, as for its native routes.
    """
    add_routes(app, router, prefix)
    sites: dict[str, DocsSite] | None = app.__dict__.get("_dualweb_fastapi_sites")
    if sites is None:
        sites = {}
        app.__dict__["_dualweb_fastapi_sites"] = sites
        _document_mounts(app, sites)
    site = sites.get(prefix)
    if site is None:
        site = sites[prefix] = DocsSite(prefix, _options(app), False)
    site.add(router)


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

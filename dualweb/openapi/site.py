"""The API document and docs pages of the routers mounted on one app under one prefix."""

from __future__ import annotations

from typing import Any

from ..exceptions import DualwebError
from ..routing import Router

__all__ = ["DOCS_OPTIONS", "DocsSite", "check_docs_options", "docs_site", "merge_documents"]

#: The documentation keywords of FastAPI's constructor, with its defaults.
DOCS_OPTIONS: dict[str, Any] = {
    "title": "FastAPI",
    "summary": None,
    "description": "",
    "version": "0.1.0",
    "openapi_url": "/openapi.json",
    "docs_url": "/docs",
    "redoc_url": "/redoc",
    "openapi_tags": None,
    "servers": None,
    "terms_of_service": None,
    "contact": None,
    "license_info": None,
    "root_path": "",
    "root_path_in_servers": True,
    "swagger_ui_parameters": None,
    "separate_input_output_schemas": True,
    # The app's operation ids, for routes (and routers) that do not choose their own;
    # None keeps theirs (FastAPI's default: name, path and method).
    "generate_unique_id_function": None,
}


def check_docs_options(options: dict[str, Any]) -> dict[str, Any]:
    """The documentation options with defaults filled in; unknown names are an error."""
    unknown = set(options) - set(DOCS_OPTIONS)
    if unknown:
        raise TypeError(f"mount() got unexpected keyword(s): {', '.join(sorted(unknown))}")
    return {**DOCS_OPTIONS, **options}


class DocsSite:
    """The API document and docs pages of every router mounted on one app under one prefix.

    The first mount under a prefix creates the site with its documentation
    options; later mounts under the same prefix add their routers to the same
    document, as routes added to one FastAPI app all appear in its one document.

    The document describes the routes as mounted: hosts serve a router's
    operations as they were at mount time, so routes declared on it later are
    neither served nor documented.
    """

    def __init__(self, prefix: str, options: dict[str, Any], offline_docs: bool | None) -> None:
        self.prefix = prefix
        self.options = options
        self.offline_docs = offline_docs
        self.routers: list[Router] = []
        #: Changes whenever a router is added, so that documents built before go stale.
        self.version = 0
        self._routes: list[Any] = []
        self._webhooks: list[Any] = []
        self._cache: dict[str, tuple[int, dict[str, Any]]] = {}

    def add(self, router: Router) -> None:
        self.routers.append(router)
        # Webhooks as declared: as on FastAPI's app.webhooks, neither the mount prefix
        # nor the app's operation ids reach them.
        self._webhooks.extend(r for r in router.webhook_routes if r not in self._webhooks)
        unique_id = self.options["generate_unique_id_function"]
        if self.prefix or unique_id is not None:
            # The router as the app holds it, as FastAPI composes an included router:
            # under the mount prefix, with the app's operation ids where it sets none.
            outer = Router() if unique_id is None else Router(generate_unique_id_function=unique_id)
            outer.include_router(router, prefix=self.prefix)
            router = outer
        self._routes.extend(router.routes)
        self.version += 1

    def routes(self) -> list[Any]:
        """Every mounted route as mounted, with the mount prefix in its path."""
        return list(self._routes)

    def document(self, root_path: str = "") -> dict[str, Any]:
        """The API document, built once per root path and rebuilt when a router is added."""
        from . import get_openapi

        cached = self._cache.get(root_path)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        options = self.options
        servers = list(options["servers"] or [])
        document = get_openapi(
            title=options["title"],
            version=options["version"],
            summary=options["summary"],
            description=options["description"],
            routes=self.routes(),
            webhooks=self._webhooks,
            openapi_tags=options["openapi_tags"],
            servers=servers or None,
            terms_of_service=options["terms_of_service"],
            contact=options["contact"],
            license_info=options["license_info"],
            separate_input_output_schemas=options["separate_input_output_schemas"],
        )
        root = (root_path or options["root_path"]).rstrip("/")
        in_servers = options["root_path_in_servers"]
        if root and in_servers and root not in [server.get("url") for server in servers]:
            # NOTE: as FastAPI's document route adds it to the document it built: first
            # among the servers, which come last in the text when none were configured.
            document = {**document, "servers": [{"url": root}, *document.get("servers", [])]}
        self._cache[root_path] = (self.version, document)
        return document

    def router(self) -> Router:
        """The routes serving the document and the pages (kept out of the document)."""
        from .pages import docs_router

        options = self.options
        return docs_router(
            self.document,
            openapi_url=options["openapi_url"],
            docs_url=options["docs_url"],
            redoc_url=options["redoc_url"],
            title=options["title"],
            root_path=options["root_path"],
            swagger_ui_parameters=options["swagger_ui_parameters"],
            offline_docs=self.offline_docs,
            prefix=self.prefix,
        )


def docs_site(
    sites: dict[str, DocsSite], prefix: str, docs: dict[str, Any], offline_docs: bool | None
) -> tuple[DocsSite, bool]:
    """The site for ``prefix`` (created when new), and whether it was just created."""
    site = sites.get(prefix)
    if site is None:
        site = DocsSite(prefix, check_docs_options(docs), offline_docs)
        sites[prefix] = site
        return site, True
    if docs or offline_docs is not None:
        raise DualwebError(
            f"the API document under prefix {prefix!r} was configured by the first mount there; "
            "pass documentation keywords to that mount only"
        )
    return site, False


def merge_documents(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` (an app's own document) with ``extra``'s paths and components added.

    An operation or a component defined differently in both is a clear error:
    the two would clash in the one document.
    """
    merged = {**base}
    for section in ("paths", "webhooks"):
        items = _merge_path_items(base.get(section, {}), extra.get(section, {}))
        if items:
            merged[section] = items
    components = {name: dict(section) for name, section in base.get("components", {}).items()}
    for name, section in extra.get("components", {}).items():
        target = components.setdefault(name, {})
        for key, value in section.items():
            if key in target and target[key] != value:
                raise DualwebError(
                    f"components.{name}.{key} differs between the app's own routes and the "
                    "dualweb routes; give one of the two models another name"
                )
            target[key] = value
    if components:
        merged["components"] = components
    tags = list(base.get("tags", []))
    names = {tag.get("name") for tag in tags}
    tags += [tag for tag in extra.get("tags", []) if tag.get("name") not in names]
    if tags:
        merged["tags"] = tags
    return merged


def _merge_path_items(
    base: dict[str, dict[str, Any]], extra: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The path items of ``base`` with ``extra``'s operations added (paths or webhooks)."""
    items = {path: dict(operations) for path, operations in base.items()}
    for path, operations in extra.items():
        target = items.setdefault(path, {})
        for method, operation in operations.items():
            if method in target and target[method] != operation:
                raise DualwebError(f"{method.upper()} {path} is documented twice in this app")
            target[method] = operation
    return items

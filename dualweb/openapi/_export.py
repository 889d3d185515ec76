"""The document of a router, built once per state of the router; its export as JSON."""

from __future__ import annotations

import json
from os import PathLike
from typing import IO, Any

from ._document import get_openapi

_CACHE_ATTRIBUTE = "_dualweb_openapi_cache"


def openapi_for(router: Any, **kwargs: Any) -> dict[str, Any]:
    """``router``'s document, built once per state of the router and these keywords.

    Declaring a route (on the router, on one it includes or on their webhooks) changes
    ``router.state_version``, which invalidates the cached document.
    """
    options = {"title": "FastAPI", "version": "0.1.0", **kwargs}
    key = (router.state_version, json.dumps(options, sort_keys=True, default=repr))
    cache: dict[Any, dict[str, Any]] = getattr(router, _CACHE_ATTRIBUTE, None) or {}
    document = cache.get(key)
    if document is None:
        document = get_openapi(routes=router.routes, webhooks=router.webhook_routes, **options)
        # Keep only the current state's documents: older ones can never be asked again.
        cache = {k: v for k, v in cache.items() if k[0] == key[0]}
        cache[key] = document
        setattr(router, _CACHE_ATTRIBUTE, cache)
    return document


def export_openapi(
    router: Any,
    path_or_file: str | PathLike[str] | IO[str],
    *,
    indent: int | None = 2,
    **kwargs: Any,
) -> dict[str, Any]:
    """Write ``router``'s document as JSON to a path or a text file; return the document."""
    document = openapi_for(router, **kwargs)
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    if isinstance(path_or_file, (str, PathLike)):
        with open(path_or_file, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        path_or_file.write(text + "\n")
    return document

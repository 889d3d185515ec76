"""The OpenAPI 3.1 document of a router, from its routes alone.

The document is the one FastAPI produces for the same handler source: the
same operations, parameters, request bodies, responses and component names.
It is built in these private modules:

- ``_document``: ``get_openapi``, the whole document: the routes planned
  (``_routes``), every schema generated in one pass (``_schemas``, over the
  fields of ``_fields``), then the paths and components.
- ``_operations``: a route's path item, an operation per method, from its
  ``_parameters``, its request body (``_bodies``, form bodies in ``_forms``),
  its callbacks' path items and its ``_responses``; user fragments merged in
  by ``_merge``. Webhooks are path items too, under the document's ``webhooks``.
- ``_export``: ``openapi_for`` (the cached document) and ``export_openapi``.
- ``_existing``: ``merge_into`` and ``add_to_apispec``, the mounted routers'
  part added to a document another library publishes for the same app,
  said in OpenAPI 3.0 by ``_openapi30`` where that document is 3.0.
"""

from __future__ import annotations

from ._document import get_openapi
from ._existing import add_to_apispec, merge_into
from ._export import export_openapi, openapi_for

__all__ = ["add_to_apispec", "export_openapi", "get_openapi", "merge_into", "openapi_for"]

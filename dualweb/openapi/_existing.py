"""The dualweb routers mounted on an app, added to the API document another library publishes.

Half-way through a migration a Flask app often already publishes an OpenAPI
document (flask-smorest, APIFairy...). ``merge_into`` adds the mounted
routers' part to that document, ``add_to_apispec`` registers it on the
apispec ``APISpec`` such a library builds its document with; both take the
part from the app's docs sites, so it is what the mount serves (or would
serve with its pages on), and merge it with ``merge_documents``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .._core.registry import app_registry
from ..exceptions import DualwebError
from ._openapi30 import is_openapi30, to_openapi30
from .site import DocsSite, merge_documents

__all__ = ["add_to_apispec", "merge_into"]

_SCHEMA_REF = "#/components/schemas/"


def merge_into(
    document: dict[str, Any],
    app: Any,
    *,
    prefix: str | None = None,
    rename_schema: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """``document`` with the operations of the dualweb routers mounted on ``app`` added.

    Args:
        document: An OpenAPI 3.0 or 3.1 document, e.g. the one flask-smorest or
            APIFairy builds for the same app; it is left unchanged.
        app: The Flask (or Starlette) app the routers were mounted on with
            ``dualweb.flask.mount`` (``openapi_url=None`` leaves its own
            document and pages unserved; the document is still there to merge).
        prefix: Only the routers mounted under this prefix; all of them by default.
        rename_schema: The name to give one of dualweb's schemas whose name
            ``document`` already uses for a different schema; every reference
            follows. Without it, such a clash is a ``DualwebError``.

    Returns:
        A new document: ``document``'s own fields, its paths, components and
        tags, and dualweb's paths, component schemas, security schemes and
        tags (a tag ``document`` has keeps its description), said in OpenAPI
        3.0 when ``document`` is 3.0 (docs/existing-documents.md says how).

    Raises:
        DualwebError: ``document`` is Swagger 2.0 (or not OpenAPI 3); no
            router is mounted on ``app``; a path and method, a security
            scheme, or (without ``rename_schema``) a schema is in both,
            defined differently.
    """
    _check_version(document)
    part = _mounted_part(app, prefix)
    # A copy: the sites keep their documents cached, and the caller's library may change its own.
    part = copy.deepcopy(part)
    if is_openapi30(document):
        if part.get("webhooks"):
            raise DualwebError(
                "the mounted routers declare webhooks, which OpenAPI 3.0 cannot hold: "
                "merge into a 3.1 document (the library's openapi_version setting)"
            )
        part = to_openapi30(part)
    part = _settle_schemas(document, part, rename_schema)
    return merge_documents(document, part)


def add_to_apispec(
    spec: Any,
    app: Any,
    *,
    prefix: str | None = None,
    rename_schema: Callable[[str], str] | None = None,
) -> None:
    """Register the operations of the dualweb routers mounted on ``app`` on an apispec spec.

    ``spec`` is an ``apispec.APISpec`` (flask-smorest's ``api.spec``); what
    ``merge_into(spec.to_dict(), app, ...)`` would add is registered through
    its public methods (``components.schema``, ``components.security_scheme``,
    ``path``, ``tag``), so the document the library serves, and its command
    line export, include it. Call it once the app's routes are all declared;
    a second call adds only what is new.

    The spec's plugins see each path: flask-smorest's Flask plugin takes only
    paths of its own views, so give its ``Api`` a plugin that also takes a
    path as given (see docs/existing-documents.md).
    """
    before = spec.to_dict()
    merged = merge_into(before, app, prefix=prefix, rename_schema=rename_schema)
    registers = {
        "schemas": spec.components.schema,
        "securitySchemes": spec.components.security_scheme,
    }
    had = before.get("components", {})
    for section, entries in merged.get("components", {}).items():
        new = {name: value for name, value in entries.items() if name not in had.get(section, {})}
        if new and section not in registers:
            raise DualwebError(f"components.{section} cannot be added to an apispec spec")
        for name, value in new.items():
            registers[section](name, value)
    paths = before.get("paths", {})
    for path, item in merged.get("paths", {}).items():
        operations = {key: op for key, op in item.items() if key not in paths.get(path, {})}
        if operations:
            spec.path(path=path, operations=operations)
    tags = {tag.get("name") for tag in before.get("tags", [])}
    for tag in merged.get("tags", []):
        if tag.get("name") not in tags:
            spec.tag(tag)


def _check_version(document: dict[str, Any]) -> None:
    if "swagger" in document:
        raise DualwebError(
            f"this document is Swagger {document['swagger']}: dualweb's operations are "
            "OpenAPI 3 and cannot be added to it (2.0 has no anyOf, oneOf or nullable, and one "
            "body schema for every media type); serve dualweb's own document beside it "
            "(flask-restx writes only Swagger 2.0: see docs/existing-documents.md)"
        )
    version = str(document.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        raise DualwebError(
            f"dualweb merges into an OpenAPI 3.0 or 3.1 document; this one says "
            f"openapi={document.get('openapi')!r}"
        )


def _mounted_part(app: Any, prefix: str | None) -> dict[str, Any]:
    """The document of the routers mounted on ``app`` (under ``prefix``), as mounted."""
    registry = app_registry(app)
    sites: dict[str, DocsSite] = registry.get("sites", {}) if registry else {}
    if not sites:
        raise DualwebError(
            "no dualweb router is mounted on this app (with dualweb.flask.mount or "
            "dualweb.starlette.mount; dualweb.fastapi.mount documents its routers in the "
            "FastAPI app's own document already)"
        )
    if prefix is not None:
        if prefix not in sites:
            raise DualwebError(f"no dualweb router is mounted on this app under {prefix!r}")
        sites = {prefix: sites[prefix]}
    part: dict[str, Any] = {}
    for site in sites.values():
        part = merge_documents(part, site.document())
    return part


def _settle_schemas(
    document: dict[str, Any], part: dict[str, Any], rename: Callable[[str], str] | None
) -> dict[str, Any]:
    """``part`` with its schemas renamed where ``document`` has different ones of their names."""
    theirs = document.get("components", {}).get("schemas", {})
    ours = part.get("components", {}).get("schemas", {})
    clashes = sorted(name for name in ours if name in theirs and theirs[name] != ours[name])
    if not clashes:
        return part
    if rename is None:
        raise DualwebError(
            f"the document already has different schemas named {', '.join(clashes)}: rename "
            "the dualweb model(s), or pass rename_schema= (for example "
            "lambda name: name + '-v2') to give dualweb's another name"
        )
    names = {name: rename(name) for name in clashes}
    for old, new in names.items():
        if (new in ours and new not in names) or (new in theirs and theirs[new] != ours[old]):
            raise DualwebError(f"rename_schema({old!r}) gave {new!r}, a name in use already")
    renamed: dict[str, Any] = _rename_refs(part, names)
    schemas = renamed["components"]["schemas"]
    renamed["components"]["schemas"] = {names.get(n, n): s for n, s in schemas.items()}
    return renamed


def _rename_refs(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every reference to a renamed schema (``$ref``, a discriminator's
    ``mapping``) pointing at its new name."""
    if isinstance(value, list):
        return [_rename_refs(item, names) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _rename_refs(item, names) for key, item in value.items()}
    if isinstance(out.get("$ref"), str):
        out["$ref"] = _renamed_ref(out["$ref"], names)
    discriminator = out.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
        mapping = {key: _renamed_ref(ref, names) for key, ref in discriminator["mapping"].items()}
        out["discriminator"] = {**discriminator, "mapping": mapping}
    return out


def _renamed_ref(ref: str, names: dict[str, str]) -> str:
    if ref.startswith(_SCHEMA_REF) and ref[len(_SCHEMA_REF) :] in names:
        return _SCHEMA_REF + names[ref[len(_SCHEMA_REF) :]]
    return ref

"""Checks every host makes when mounting, kept here so that they cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..exceptions import DualwebError
from ..openapi.site import DocsSite, docs_site
from ..routing import Router
from .lifespan import AppLifespan
from .misses import Misses
from .socket_operation import SocketOperation
from .table import RouteTable

__all__ = [
    "app_lifespan",
    "app_misses",
    "check_clashes",
    "check_new_mount",
    "find_socket",
    "join_lifespan",
    "mount_router",
]


def check_new_mount(mounts: list[tuple[Router, str]], router: Router, prefix: str) -> None:
    """Refuse to mount the same router twice under the same prefix of one app."""
    for mounted, mounted_prefix in mounts:
        if mounted is router and mounted_prefix == prefix:
            where = f" under prefix {prefix!r}" if prefix else ""
            raise DualwebError(f"this router is already mounted on this app{where}")


def check_clashes(existing: Iterable[tuple[str, Iterable[str]]], table: RouteTable) -> None:
    """Refuse a table's operations where an app already routes their path shape and methods.

    ``existing`` are the app's routes as (shape, methods) pairs, each shape with
    its parameters blanked as ``PathTemplate.shape`` blanks them.
    """
    taken: dict[str, set[str]] = {}
    for shape, methods in existing:
        taken.setdefault(shape, set()).update(methods)
    for op in table.operations:
        clash = taken.get(op.template.shape, set()) & op.methods
        if clash:
            raise DualwebError(f"{sorted(clash)} {op.path} is already routed by this app")


def mount_router(
    registry: dict[str, Any],
    router: Router,
    prefix: str,
    docs: dict[str, Any],
    offline_docs: bool | None,
    register: Any,
    *,
    errors: str = "fastapi",
) -> Any:
    """The one mounting procedure of the Flask and Starlette hosts.

    ``registry`` is per-app state the host keeps on its app; ``register(table)``
    adds a ``RouteTable``'s routes to the app the host's way and returns what
    ``mount`` gives back. The first mount under a prefix also registers the docs
    site's routes there. The app's ``Misses`` learn of both, in mount order.
    """
    mounts: list[tuple[Router, str]] = registry.setdefault("mounts", [])
    check_new_mount(mounts, router, prefix)
    sites: dict[str, DocsSite] = registry.setdefault("sites", {})
    site, created = docs_site(sites, prefix, docs, offline_docs)
    misses = app_misses(registry)
    root_path = site.options["root_path"]
    table = RouteTable(router, prefix, errors=errors, root_path=root_path)
    result = register(table)
    misses.add(table, prefix + router.prefix)
    if created:
        docs_table = RouteTable(site.router(), prefix, root_path=root_path)
        register(docs_table)
        misses.add(docs_table, "")  # the pages add no prefix of their own
    site.add(router)
    mounts.append((router, prefix))
    return result


def app_misses(registry: dict[str, Any]) -> Misses:
    """What answers the requests no route of the app's mounted routers takes."""
    misses: Misses = registry.setdefault("misses", Misses())
    return misses


def find_socket(
    registry: dict[str, Any], path: str
) -> tuple[RouteTable, SocketOperation, dict[str, Any]] | None:
    """The socket route of the app's mounted routers that takes ``path`` (the first, in
    mount then declaration order, as FastAPI's router tries them), with its table and
    its converted path parameters; None when none does.

    For a front that serves another host's socket routes itself (the bridge).
    """
    for table in app_misses(registry).tables:
        for op in table.sockets:
            params = op.template.match(path)
            if params is not None:
                return table, op, params
    return None


def app_lifespan(registry: dict[str, Any]) -> AppLifespan:
    """The lifespan of the routers mounted on the app whose per-app state is ``registry``."""
    lifespan: AppLifespan = registry.setdefault("lifespan", AppLifespan())
    return lifespan


def join_lifespan(registry: dict[str, Any], router: Router) -> bool:
    """Add ``router`` to its app's lifespan: True the first time that lifespan has
    something to run, when the host is to install it on the app (once)."""
    lifespan = app_lifespan(registry)
    lifespan.add(router)
    if registry.get("lifespan_installed") or not lifespan.declared:
        return False
    registry["lifespan_installed"] = True
    return True

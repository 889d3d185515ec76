"""Paths whose methods the two apps split: ``combine``'s warning at build time.

The primary owns a path as soon as one of its routes matches it, whatever the method: a
method that only the fallback has there is answered by the primary with 405 and never
reaches the fallback. Both route tables are read (Starlette/FastAPI routes, dualweb's
groups, routers and apps under a ``Mount``; a Flask app's URL map); when either cannot be
read, nothing is said. A fallback path without parameters is tried on the primary's own
routing, so ``/items/new`` under the primary's ``/items/{id}`` is seen too; a path with
parameters is compared with the primary's paths of the same shape (parameters blanked).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ._kinds import is_asgi, logger
from ._owners import _inner_router, _starlette_router, _unwrap

# Each app answers these for its own paths (Flask both for every rule, Starlette HEAD for a
# GET route): they say nothing about where a route lives.
_IMPLIED = frozenset({"HEAD", "OPTIONS"})
# The methods named as the primary's at a path it is asked about by its routing.
_USUAL = ("GET", "POST", "PUT", "PATCH", "DELETE")

# What the primary does with a method at a path: serves it, refuses it (405), or anything
# else (no route there, a redirect, a table it cannot be asked).
_SERVED, _REFUSED, _OTHER = "served", "refused", "other"


class SplitPathWarning(UserWarning):
    """``combine``: methods of a fallback path that the primary owns and answers with 405."""


@dataclass(frozen=True)
class _Route:
    path: str  # as its app writes it
    shape: str  # its parameters blanked as ``{}``
    methods: frozenset[str] | None  # None: every method
    static: bool  # no parameters


@dataclass(frozen=True)
class _Table:
    routes: list[_Route]
    # (path, method) -> _SERVED, _REFUSED or _OTHER, by the app's own routing; None: cannot ask
    match: Callable[[str, str], str] | None


@dataclass(frozen=True)
class _Split:
    refused: frozenset[str]  # the fallback's methods the primary answers with 405
    paths: tuple[str, ...]  # the primary's paths that own it
    served: frozenset[str]  # the methods the primary serves there


def warn_split_paths(primary: Any, fallback: Any, *, asgi: bool) -> None:
    """Warn once per fallback path whose methods, or some of them, the primary refuses."""
    try:
        splits = _splits(primary, fallback, asgi=asgi)
    except Exception:  # a route table read in a way its app did not foresee: say nothing
        logger.debug("combine could not compare the two apps' routes", exc_info=True)
        return
    for path, split in splits:
        warnings.warn(_message(path, split), SplitPathWarning, stacklevel=3)


def _splits(primary: Any, fallback: Any, *, asgi: bool) -> list[tuple[str, _Split]]:
    front = _table(primary, asgi=asgi)
    behind = _table(fallback, asgi=is_asgi(fallback))
    if front is None or behind is None:
        return []
    shapes = _by_shape(front.routes)
    splits = []
    for path, (route, methods) in _by_path(behind.routes).items():
        if route.static and front.match is not None:
            split = _asked(front.match, path, methods)
        else:
            split = _compared(shapes, route, methods)
        if split is not None:
            splits.append((path, split))
    return splits


def _message(path: str, split: _Split) -> str:
    refused = ", ".join(sorted(split.refused))
    served = ", ".join(sorted(split.served))
    them = "them" if len(split.refused) > 1 else "it"
    return (
        f"combine: {refused} {path} is routed by the fallback, but the primary routes "
        f"{' and '.join(split.paths)}{f' ({served})' if served else ''} and answers {them} "
        f"with 405 Method Not Allowed: the fallback never sees {them}. Move all of a path's "
        "methods to the primary together."
    )


def _declared(methods: Iterable[str]) -> frozenset[str]:
    methods = frozenset(methods)
    return methods - _IMPLIED or methods


def _by_path(routes: list[_Route]) -> dict[str, tuple[_Route, frozenset[str]]]:
    """The fallback's declared methods per path as written (Flask may split them in rules)."""
    paths: dict[str, tuple[_Route, frozenset[str]]] = {}
    for route in routes:
        if route.methods is None:  # every method: none the primary could take from it
            continue
        first, methods = paths.get(route.path, (route, frozenset()))
        paths[route.path] = (first, methods | _declared(route.methods))
    return paths


def _by_shape(routes: list[_Route]) -> dict[str, tuple[tuple[str, ...], frozenset[str] | None]]:
    """The primary's paths and methods per shape; None where a route takes every method."""
    shapes: dict[str, tuple[tuple[str, ...], frozenset[str] | None]] = {}
    for route in routes:
        paths, methods = shapes.get(route.shape, ((), frozenset()))
        if route.path not in paths:
            paths = (*paths, route.path)
        if methods is not None and route.methods is not None:
            methods |= route.methods
        else:
            methods = None
        shapes[route.shape] = (paths, methods)
    return shapes


def _compared(
    shapes: dict[str, tuple[tuple[str, ...], frozenset[str] | None]],
    route: _Route,
    methods: frozenset[str],
) -> _Split | None:
    paths, served = shapes.get(route.shape, ((), None))
    if served is None:
        return None
    refused = methods - served
    return _Split(refused, paths, _declared(served)) if refused else None


def _asked(match: Callable[[str, str], str], path: str, methods: frozenset[str]) -> _Split | None:
    refused = frozenset(m for m in methods if match(path, m) == _REFUSED)
    if not refused:
        return None
    served = frozenset(m for m in (*_USUAL, *methods) if match(path, m) == _SERVED)
    return _Split(refused, (path,), served)


# --- reading an app's route table ----------------------------------------------------------


def _table(app: Any, *, asgi: bool) -> _Table | None:
    for inner in _unwrap(app):
        if asgi:
            router = _starlette_router(inner)
            if router is not None:
                match = functools.partial(_starlette_match, router)
                return _Table(list(_starlette_routes(router, "")), match)
        elif hasattr(inner, "url_map") and hasattr(inner, "config"):
            return _Table(list(_flask_routes(inner)), _flask_matcher(inner))
    return None


def _starlette_routes(router: Any, prefix: str) -> Iterator[_Route]:
    from starlette.routing import Host, Mount, Route

    from .._core.paths import PathTemplate

    for route in router.routes:
        if isinstance(route, Route):  # FastAPI's APIRoute too
            path = prefix + route.path
            methods = frozenset(route.methods) if route.methods else None
            yield _Route(path, PathTemplate.shape_of(path), methods, "{" not in path)
        elif isinstance(route, Mount):
            inner = _inner_router(route.app)
            if inner is not None:  # any other mounted app owns its whole prefix
                yield from _starlette_routes(inner, prefix + route.path)
        elif not isinstance(route, Host) and isinstance(getattr(route, "routes", None), list):
            yield from _starlette_routes(route, prefix)  # dualweb's group of a router's routes


def _starlette_match(router: Any, path: str, method: str) -> str:
    from starlette.routing import Match

    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    found = _best_match(router, scope)
    return _SERVED if found == Match.FULL else _REFUSED if found == Match.PARTIAL else _OTHER


def _best_match(router: Any, scope: dict[str, Any]) -> Any:
    """The match Starlette's router acts on: the first full one, else a partial one (405)."""
    from starlette.routing import Host, Match, Mount

    best = Match.NONE
    for route in router.routes:
        match, child_scope = route.matches(dict(scope))
        if match == Match.FULL and isinstance(route, (Mount, Host)):
            inner = _inner_router(route.app)
            if inner is not None:
                match = _best_match(inner, {**scope, **child_scope})
        if match == Match.FULL:
            return match
        if match == Match.PARTIAL:
            best = match
    return best


def _flask_routes(app: Any) -> Iterator[_Route]:
    from .._flask_rules import rule_shape

    for rule in app.url_map.iter_rules():
        methods = frozenset(rule.methods) if rule.methods else None
        yield _Route(rule.rule, rule_shape(rule.rule), methods, not rule.arguments)


def _flask_matcher(app: Any) -> Callable[[str, str], str] | None:
    from werkzeug.exceptions import MethodNotAllowed

    try:
        adapter = app.url_map.bind(app.config.get("SERVER_NAME") or "localhost")
    except Exception:  # a map this cannot bind: paths are compared by shape only
        return None

    def match(path: str, method: str) -> str:
        try:
            adapter.match(path, method=method)
        except MethodNotAllowed:
            return _REFUSED
        except Exception:  # no rule, or a redirect to the canonical URL: not a split
            return _OTHER
        return _SERVED

    return match

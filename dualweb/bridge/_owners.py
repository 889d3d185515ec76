"""Who owns a request: ``primary``'s route table decides, before ``primary`` runs.

A Starlette/FastAPI app is asked with the ASGI scope, a Flask app with the WSGI environ;
either is found through middleware that keeps the app it wraps as ``.app``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._kinds import Matcher, Scope, logger


def _unwrap(app: Any) -> Iterator[Any]:
    """``app`` and the apps it wraps through ``.app`` (middleware), outermost first."""
    seen: set[int] = set()
    while app is not None and id(app) not in seen:
        seen.add(id(app))
        yield app
        app = getattr(app, "app", None)


def matcher_for(primary: Any, *, asgi: bool) -> Matcher:
    """``combine``'s default ``match``: true for a request ``primary``'s route table has."""
    for app in _unwrap(primary):
        if asgi:
            router = _starlette_router(app)
            if router is not None:
                return lambda scope: _starlette_owns(router, scope)
        elif hasattr(app, "url_map") and hasattr(app, "create_url_adapter"):
            return lambda environ: _flask_owns(app, environ)
    kind = "Starlette/FastAPI" if asgi else "Flask"
    raise TypeError(
        f"cannot find the route table of {primary!r} (expected a {kind} app, or middleware "
        "that keeps it as .app); pass match=... to decide which requests it serves"
    )


def _starlette_router(app: Any) -> Any:
    """The Starlette router of ``app`` (an app with ``.router`` or a router itself), or None."""
    from starlette.routing import Router

    if isinstance(app, Router):
        return app
    router = getattr(app, "router", None)
    return router if isinstance(router, Router) else None


def _starlette_owns(router: Any, scope: Scope) -> bool:
    """Whether ``router`` has a route for ``scope``: a full match or a method mismatch (405).

    Mounted (and Host) routers and Starlette/FastAPI apps are looked into: a path under
    their prefix that they have no route for is not theirs. Any other mounted app owns its
    whole prefix. A path that ``router`` would redirect to its slash twin is its own too.
    Matching works on shallow copies, so ``scope`` is left as it came.
    """
    from starlette.routing import Match

    from ..starlette import route_path

    if _has_route(router, scope):
        return True
    if scope["type"] == "http" and getattr(router, "redirect_slashes", False):
        path = scope["path"]
        routed = route_path(scope)
        if routed != "/":
            twin = dict(scope)
            twin["path"] = path.rstrip("/") if routed.endswith("/") else path + "/"
            if _has_route(router, twin):
                return True
    low_priority = getattr(router, "_match_low_priority", None)  # FastAPI's frontend routes
    if low_priority is not None:
        try:
            return bool(low_priority(dict(scope))[0] != Match.NONE)
        except Exception:  # a private FastAPI API: if it changes, those routes are not seen
            logger.debug("FastAPI low-priority routes could not be matched", exc_info=True)
    return False


def _has_route(router: Any, scope: Scope) -> bool:
    from starlette.routing import Host, Match, Mount

    for route in router.routes:
        match, child_scope = route.matches(dict(scope))
        if match == Match.NONE:
            continue
        if match == Match.FULL and isinstance(route, (Mount, Host)):
            inner = _inner_router(route.app)
            if inner is not None and not _starlette_owns(inner, {**scope, **child_scope}):
                continue
        return True
    return False


def _inner_router(app: Any) -> Any:
    for inner in _unwrap(app):
        router = _starlette_router(inner)
        if router is not None:
            return router
    return None


def _flask_owns(app: Any, environ: dict[str, Any]) -> bool:
    """Whether the Flask ``app`` has a rule for ``environ``.

    A match, a method mismatch (405) and a redirect to the canonical URL (strict slashes)
    are the app's; only "no rule" (404) goes to the fallback, and so does a rule for the
    other kind of request (a socket where the app has only an HTTP rule, or the other way
    round), as a Starlette router's routes match only their own kind. If the URL adapter
    cannot be built (an untrusted host, say), the app answers with its own error.
    """
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import RequestRedirect, WebsocketMismatch

    try:
        adapter = app.create_url_adapter(app.request_class(environ))
    except Exception:
        return True
    if adapter is None:
        return True
    try:
        adapter.match()
    except RequestRedirect:
        return True
    except (NotFound, WebsocketMismatch):
        return False
    except Exception:  # MethodNotAllowed and the like: the app answers
        return True
    return True

"""Requests no route takes, answered as FastAPI answers them.

FastAPI's router tries its routes in order: the first that matches the path and the
method answers; else the first that matches the path alone gives 405, with its own
methods in ``allow``; else, when a route matches the path's trailing-slash twin, a
307 redirect there (no body); else 404. The errors are ``{"detail": ...}`` JSON.

Starlette's router decides the same way (a host only words its 404 and 405 as
FastAPI does); Werkzeug decides otherwise (a 308 with an HTML body, ``allow`` with
every rule's methods, ``//`` merged), so the Flask host asks ``Misses.decide``.

A mount *reaches* the paths under its prefix (the mount's prefix and the router's
own): there a path no route takes answers FastAPI's 404. Elsewhere (a router at the
root of an app) the app's own 404 page stays, so that an app's own URLs keep it.
"""

from __future__ import annotations

import http
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from ..responses import JSONResponse, RedirectResponse, Response
from .table import RouteTable

__all__ = ["Miss", "Misses", "method_not_allowed", "not_found"]

#: What the host's own router found for a path no route takes with this method:
#: no rule, a rule with other methods, or a redirect of its own.
HostFound = Literal["nothing", "other_methods", "redirect"]


def not_found() -> Response:
    """FastAPI's 404 for a path no route matches."""
    return JSONResponse({"detail": http.HTTPStatus(404).phrase}, status_code=404)


def method_not_allowed(methods: Collection[str]) -> Response:
    """FastAPI's 405, ``allow`` listing the methods of the route the path matched.

    (FastAPI lists them in a set's order, which changes from process to process;
    sorted here.)
    """
    return JSONResponse(
        {"detail": http.HTTPStatus(405).phrase},
        status_code=405,
        headers={"allow": ", ".join(sorted(methods))},
    )


@dataclass(frozen=True)
class Miss:
    """FastAPI's answer to one request no route takes."""

    status: int
    allow: frozenset[str] = frozenset()
    #: For a redirect: the path (the request's trailing-slash twin) to send the client to.
    twin: str = ""

    def response(self, twin_url: str = "") -> Response:
        """The answer; a redirect needs the twin's absolute URL (query string kept)."""
        if self.status == 405:
            return method_not_allowed(self.allow)
        if self.status == 307:
            return RedirectResponse(twin_url)
        return not_found()


class Misses:
    """The routers mounted on one app, as seen by requests that none of their routes take."""

    __slots__ = ("reaches", "tables")

    def __init__(self) -> None:
        self.tables: list[RouteTable] = []
        self.reaches: list[str] = []

    def add(self, table: RouteTable, reach: str) -> None:
        """A mounted table, in mount order; ``reach``: the prefix whose paths it answers
        for ("" for none)."""
        self.tables.append(table)
        if reach and reach not in self.reaches:
            self.reaches.append(reach)

    def covers(self, path: str) -> bool:
        """Whether ``path`` is under a mount's prefix, where a miss is FastAPI's 404."""
        return any(path == reach or path.startswith(reach + "/") for reach in self.reaches)

    def allowed(self, path: str) -> frozenset[str] | None:
        """The methods of the first route (in mount, then declaration order) whose path
        matches ``path``; None when no route's does."""
        for table in self.tables:
            op = table.first_match(path)
            if op is not None:
                return op.methods
        return None

    def twin(self, path: str) -> str | None:
        """``path``'s trailing-slash twin, when a route matches it (FastAPI redirects there)."""
        if path == "/":
            return None
        twin = path.rstrip("/") if path.endswith("/") else path + "/"
        if any(table.first_match(twin) is not None for table in self.tables):
            return twin
        return None

    def decide(self, method: str, path: str, found: HostFound) -> Miss | None:
        """FastAPI's answer where the host's router took no route for ``method`` and
        ``path``; None leaves the host's own answer (a path none of these routes
        concerns, outside every prefix, or routed by the app's own routes).
        """
        methods = self.allowed(path)
        if methods is not None:
            return None if method in methods else Miss(405, allow=methods)
        if found != "other_methods":  # FastAPI redirects only a path no route matches
            twin = self.twin(path)
            if twin is not None:
                return Miss(307, twin=twin)
        if found == "nothing" and self.covers(path):
            return Miss(404)
        return None

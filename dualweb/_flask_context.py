"""A Flask app's application context, for handlers that another host serves.

Handlers moved from a Flask app to a dualweb Router and served by FastAPI or Starlette
(directly, or on the ASGI side of ``dualweb.bridge.combine``) often still use what lives in
the Flask app's context: Flask-SQLAlchemy's ``db.session`` and ``Model.query``,
``current_app.config``, other extensions. ``app_context(app)`` is a dependency that runs the
rest of the request inside that context; ``AppContextMiddleware`` does it around every
request of an ASGI app. Both are public in ``dualweb.flask``; this is a tool module, built on
Flask's public API, not part of the Flask host.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, MutableMapping
from typing import Any

import flask

from .requests import Request

__all__ = ["AppContextMiddleware", "app_context"]

_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_ASGIApp = Callable[[_Scope, _Receive, _Send], Awaitable[None]]

AppContextDependency = Callable[[], AsyncIterator[None]]

_EXTENSION = "dualweb.app_context"


def app_context(app: flask.Flask, *, request: bool = False) -> AppContextDependency:
    """A dependency that runs the rest of the request inside ``app``'s application context.

    ``request=True``: inside a request context of ``app`` made from the request (its
    method, URL, headers and cookies; not its body), for code that needs one beside the
    application context — ``url_for`` without ``SERVER_NAME`` (in a model's property, say),
    ``flask.request``'s headers, the session. Without it, such code raises Flask's "outside
    of request context" error.

    Use it first among a router's dependencies:
    ``Router(dependencies=[Depends(app_context(flask_app))])``. The context is pushed
    before the other dependencies run and popped after their teardown and the background
    tasks, with the app's ``teardown_appcontext`` functions (Flask-SQLAlchemy removes its
    session there), on every host: sync and async dependencies and handlers all see it.
    Where an app context of ``app`` is active already (a route that ``app`` itself serves),
    it is used as it is, as Flask does. The same function for the same app, every time:
    a key for ``dependency_overrides``, and called once per request however often used.
    """
    key = f"{_EXTENSION}.request" if request else _EXTENSION
    dependency: AppContextDependency | None = app.extensions.get(key)
    if dependency is None:
        dependency = app.extensions[key] = _dependency_for(app, request)
    return dependency


def _dependency_for(app: flask.Flask, request: bool) -> AppContextDependency:
    # NOTE: async, so that it runs in the request's own task on an event loop; a ``def``
    # dependency would run in a worker thread, whose context changes stay there.
    if request:

        async def flask_request_context(incoming: Request) -> AsyncIterator[None]:
            with _within_request(app, incoming.scope):
                yield

        flask_request_context.__qualname__ = f"app_context({app.name!r}, request=True)"
        return flask_request_context  # type: ignore[return-value]

    async def flask_app_context() -> AsyncIterator[None]:
        with _within(app):
            yield

    flask_app_context.__qualname__ = f"app_context({app.name!r})"
    return flask_app_context


class AppContextMiddleware:
    """ASGI middleware: each HTTP and WebSocket request runs inside ``flask_app``'s context.

    For an ASGI app as a whole — its native routes and exception handlers too — where
    ``app_context`` covers a router: ``fastapi_app.add_middleware(AppContextMiddleware,
    flask_app=flask_app)``; ``request=True``: a request context of ``flask_app`` made from
    each request, as ``app_context(..., request=True)`` pushes.
    """

    def __init__(self, app: _ASGIApp, flask_app: flask.Flask, request: bool = False) -> None:
        self.app = app  # (``.app``: the bridge finds the route table of what it wraps)
        self.flask_app = flask_app
        self.request = request

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        within = _within_request(self.flask_app, scope) if self.request else _within(self.flask_app)
        with within:
            await self.app(scope, receive, send)


@contextlib.contextmanager
def _within(app: flask.Flask) -> Iterator[None]:
    if flask.has_app_context() and flask.current_app._get_current_object() is app:  # type: ignore[attr-defined]
        # As Flask's own request does: it pushes no app context where one of the app is.
        yield
        return
    with app.app_context():
        yield


@contextlib.contextmanager
def _within_request(app: flask.Flask, scope: Mapping[str, Any]) -> Iterator[None]:
    if flask.has_request_context() and flask.current_app._get_current_object() is app:  # type: ignore[attr-defined]
        yield
        return
    # The request as Werkzeug's test environ builder takes it: the path under the root
    # path, the base URL with the root path, the query string, the headers.
    root_path: str = scope.get("root_path", "")
    path: str = scope.get("path", "/")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :] or "/"
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in scope.get("headers", ())
    ]
    host = next((value for name, value in headers if name.lower() == "host"), None)
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    scheme = scope.get("scheme", "http")
    if scheme in ("ws", "wss"):
        scheme = "http" if scheme == "ws" else "https"
    with app.test_request_context(
        path,
        base_url=f"{scheme}://{host}{root_path}",
        method=scope.get("method", "GET"),
        headers=headers,
        query_string=bytes(scope.get("query_string", b"")).decode("latin-1"),
    ):
        yield

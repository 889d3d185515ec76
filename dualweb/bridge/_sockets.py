"""WebSockets through the bridge, in either direction.

a2wsgi carries no socket: behind an ASGI front it closes every socket a WSGI app would
get, and in front of an ASGI app it has no way to hand one over. So the bridge carries
the sockets of dualweb's routes itself:

- **ASGI front, Flask fallback**: the socket routes of the dualweb routers mounted on the
  Flask app are framework-free operations; the front serves them natively, with the
  Starlette host's socket endpoint, inside a request context of the Flask app (where the
  Flask host serves them). A socket view of Flask's own (flask-sock) stays unreachable.
- **WSGI front (Flask), ASGI fallback**: the Flask host's channel for the upgrade request
  (the test client's in-memory socket, or the server's socket handed over) already speaks
  ASGI's socket messages: the fallback gets its ``receive`` and ``send`` as they are, on
  the bridge's loop thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._core.hosting import find_socket
from .._core.registry import app_registry
from .._core.socket_operation import SocketOperation
from .._core.table import RouteTable
from ._kinds import Receive, Scope, Send, logger
from ._owners import _unwrap


def is_upgrade(environ: dict[str, Any]) -> bool:
    """Whether a WSGI request asks for a WebSocket."""
    return str(environ.get("HTTP_UPGRADE", "")).lower() == "websocket"


def _flask_app(app: Any) -> Any:
    """The Flask app ``app`` is or wraps (through ``.app``), or None."""
    for inner in _unwrap(app):
        if hasattr(inner, "url_map") and hasattr(inner, "wsgi_app"):
            return inner
    return None


async def _refuse(send: Send) -> None:
    # Closed before accept, as FastAPI's router closes a socket no route takes.
    await send({"type": "websocket.close", "code": 1000, "reason": ""})


class FlaskSockets:
    """The ASGI front's answer to a socket its primary does not route: the socket routes
    of the dualweb routers mounted on the Flask ``fallback``, served here; any other socket
    closed before ``accept`` (1000)."""

    def __init__(self, fallback: Any) -> None:
        self.app = _flask_app(fallback)
        #: The Flask rules already named in a log record (once each).
        self._named: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app is None:  # a WSGI app of another kind: nothing to look into
            await _refuse(send)
            return
        from ..starlette import route_path

        registry = app_registry(app)
        path = route_path(scope)
        found = None if registry is None else find_socket(registry, path)
        if registry is None or found is None:
            self._name_unreachable(path)
            await _refuse(send)
            return
        await self._serve(scope, receive, send, registry, *found)

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        registry: dict[str, Any],
        table: RouteTable,
        op: SocketOperation,
        params: dict[str, Any],
    ) -> None:
        import asyncio

        import flask

        from .._flask_context import _within_request
        from ..flask import startup
        from ..starlette import _SocketEndpoint

        app = self.app
        # The lifespan state a Flask request starts with (the Flask host's hook copies it
        # onto `g`), its lifespan started first where the front's own did not start it.
        state = await asyncio.to_thread(startup, app) if registry.get("lifespan_installed") else {}
        child = {**scope, "path_params": params, "app": app}
        if table.root_path:
            child["root_path"] = table.root_path  # a mount's root_path, as the hosts serve under
        # NOTE: as the Flask host serves it: in a request context of the Flask app (its
        # extensions, `current_app`, `g`), `g` the socket's state.
        with _within_request(app, scope):
            namespace: dict[str, Any] = vars(flask.g._get_current_object())
            namespace.update(state)
            child["state"] = namespace
            await _SocketEndpoint(op)(child, receive, send)

    def _name_unreachable(self, path: str) -> None:
        """Log, once per rule, a socket of the Flask app's own that the front cannot reach."""
        rule = self._native_rule(path)
        if rule is None or rule in self._named:
            return
        self._named.add(rule)
        logger.warning(
            "combine: a WebSocket to %s is for the Flask fallback's socket route %s, which "
            "the ASGI front cannot reach (a2wsgi carries no socket; only the socket routes "
            "of dualweb routers mounted on the Flask app are served): closed before accept",
            path,
            rule,
        )

    def _native_rule(self, path: str) -> str | None:
        try:
            adapter = self.app.url_map.bind("localhost", url_scheme="ws")
            rule, _ = adapter.match(path, return_rule=True)
        except Exception:  # no socket rule (or one this cannot match without a request)
            return None
        return str(rule.rule)


def open_channel(primary: Any, environ: dict[str, Any]) -> tuple[Any, Callable[[Any], Any]]:
    """The Flask host's channel for an upgrade request under the WSGI front, and the
    function that makes the WSGI response ending it.

    Raises:
        LookupError: there is no channel: its message names the cause.
    """
    app = _flask_app(primary)
    if app is None or app_registry(app) is None:
        raise LookupError(
            f"the primary ({primary!r}) is not a Flask app with a dualweb router mounted: "
            "only the Flask host takes a socket over from a WSGI server (mount a dualweb "
            "Router on it, even an empty one)"
        )
    from .._flask_sockets import open_channel as open_flask_channel
    from ..flask import socket_answer

    try:
        channel = open_flask_channel(environ)
    except Exception as exc:
        raise LookupError(f"the WSGI server handed no socket over: {exc}") from exc
    return channel, socket_answer


def socket_scope(environ: dict[str, Any], channel: Any) -> Scope:
    """The ASGI scope of an upgrade request, as a2wsgi makes an HTTP request's."""
    from a2wsgi.asgi import build_scope

    # NOTE: a2wsgi's own conversion, so that a socket's scope (headers, root path, client)
    # is what an HTTP request's is on the same front.
    scope: dict[str, Any] = dict(build_scope(environ))  # type: ignore[arg-type]
    del scope["method"]
    scope["type"] = "websocket"
    scope["scheme"] = "wss" if scope["scheme"] == "https" else "ws"
    offered = str(environ.get("HTTP_SEC_WEBSOCKET_PROTOCOL", ""))
    scope["subprotocols"] = [name.strip() for name in offered.split(",") if name.strip()]
    scope["extensions"] = {"websocket.http.response": {}} if channel.denial_supported else {}
    return scope

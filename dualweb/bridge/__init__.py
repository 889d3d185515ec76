"""One app out of two: serve ``primary``'s routes, hand every other request to ``fallback``.

``combine(primary, fallback)`` is the strangler-fig migration: a FastAPI app in front of a
Flask app (or a Flask app in front of a FastAPI app) answers the routes it has and passes
everything else, unchanged, to the other one, through a2wsgi. The returned app is of
``primary``'s kind: ASGI when ``primary`` is ASGI, WSGI when it is WSGI.

The decision is made from ``primary``'s route table, before ``primary`` runs, never from a
404 it answers: a handler's own 404 stays a 404, a path ``primary`` has no route for goes to
``fallback``, and a method ``primary`` lacks on a path it routes is its 405 (``combine``
warns of such paths with a ``SplitPathWarning``). See docs/bridge.md for the rules and the
limits.

This is a host-side package: a2wsgi, Starlette and Werkzeug are imported in its modules,
lazily, only for the apps that need them.
"""

from __future__ import annotations

from .._extras import require

require("dualweb.bridge", "bridge", "a2wsgi")

# ``combine`` and the two fronts are the API; the ``name as name`` imports keep the other
# names the module had before it was a package importable from here.
from ._asgi_front import ASGIBridge
from ._combine import combine
from ._kinds import ASGIApp as ASGIApp
from ._kinds import Matcher as Matcher
from ._kinds import Message as Message
from ._kinds import Receive as Receive
from ._kinds import Scope as Scope
from ._kinds import Send as Send
from ._kinds import WSGIApp as WSGIApp
from ._kinds import logger as logger
from ._split import SplitPathWarning
from ._wsgi_front import SHUTDOWN_TIMEOUT as SHUTDOWN_TIMEOUT
from ._wsgi_front import WSGIBridge

__all__ = ["ASGIBridge", "SplitPathWarning", "WSGIBridge", "combine"]

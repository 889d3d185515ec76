"""What the bridge's modules share: the shapes of ASGI and WSGI apps and how to tell them
apart, the logger, and the key that carries a request's disconnect signal."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

# The package's name for every module's records, so that one logger configures the bridge.
logger = logging.getLogger("dualweb.bridge")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Matcher = Callable[[Any], bool]

#: The scope key (ASGI front) and environ key (WSGI front) that carry a request's
#: disconnect signal across a2wsgi's thread boundary.
GONE_KEY = "dualweb.bridge.gone"


def is_asgi(app: Any) -> bool:
    if not callable(app):
        raise TypeError(f"not a WSGI or ASGI app: {app!r}")
    if hasattr(app, "wsgi_app"):  # Flask, and apps shaped like it
        return False
    if inspect.iscoroutinefunction(app):
        return True
    return inspect.iscoroutinefunction(type(app).__call__)

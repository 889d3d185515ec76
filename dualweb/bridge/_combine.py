"""``combine``: the front of ``primary``'s kind, deciding by ``primary``'s route table."""

from __future__ import annotations

from typing import Any

from ._asgi_front import ASGIBridge
from ._kinds import Matcher, is_asgi
from ._owners import matcher_for
from ._split import warn_split_paths
from ._wsgi_front import WSGIBridge


def combine(
    primary: Any,
    fallback: Any,
    *,
    threads: int = 10,
    match: Matcher | None = None,
) -> Any:
    """One app that serves ``primary``'s routes and hands every other request to ``fallback``.

    ``primary`` and ``fallback`` are each a WSGI app (a Flask app, any WSGI callable) or an
    ASGI app (FastAPI, Starlette, any ASGI callable); the result is of ``primary``'s kind.

    - ``threads``: the size of the thread pool that runs a WSGI ``fallback`` behind an ASGI
      ``primary`` (a2wsgi's ``workers``, 10 by default). Under a WSGI front, the WSGI
      server's own threads serve every request and ``threads`` is not used.
    - ``match``: who owns a request, for a ``primary`` whose route table the bridge cannot
      find: called with the ASGI scope (ASGI ``primary``) or the WSGI environ (WSGI
      ``primary``), true when ``primary`` serves it. By default it is read from the route
      table of a Starlette/FastAPI app (``app.router.routes``) or a Flask app
      (``app.url_map``), also through middleware that keeps the app as ``.app``.

    Where both route tables can be read (and ``match`` is not given), a ``SplitPathWarning``
    names each path with methods in the fallback that the primary answers with 405,
    because one of its routes owns the path.
    """
    if threads < 1:
        raise ValueError("threads must be at least 1")
    primary_is_asgi = is_asgi(primary)
    owns = match if match is not None else matcher_for(primary, asgi=primary_is_asgi)
    if match is None:
        warn_split_paths(primary, fallback, asgi=primary_is_asgi)
    if primary_is_asgi:
        return ASGIBridge(primary, fallback, owns, threads=threads)
    return WSGIBridge(primary, fallback, owns)

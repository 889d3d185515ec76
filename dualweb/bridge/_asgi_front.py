"""The ASGI front: ``primary`` is ASGI; a WSGI ``fallback`` runs in a2wsgi's thread pool, an
ASGI one beside ``primary`` with a lifespan of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._kinds import GONE_KEY, ASGIApp, Matcher, Message, Receive, Scope, Send, is_asgi
from ._lifespan import FlaskLifespan, Lifespan, flask_lifespan
from ._sockets import FlaskSockets


class ASGIBridge:
    """An ASGI app: ``primary``'s routes, then ``fallback`` (WSGI through a2wsgi, or ASGI).

    Lifespan events go to ``primary``; an ASGI ``fallback`` gets its own lifespan run next to
    it (started before ``primary``'s startup completes, shut down after its shutdown), and so
    does a Flask ``fallback`` with dualweb routers mounted (their lifespans).
    """

    def __init__(self, primary: Any, fallback: Any, owns: Matcher, *, threads: int = 10) -> None:
        self.primary = primary
        self.fallback = fallback
        self.threads = threads
        self._owns = owns
        self._fallback_is_asgi = is_asgi(fallback)
        self._fallback_lifespan: Lifespan | FlaskLifespan | None = (
            Lifespan(fallback) if self._fallback_is_asgi else flask_lifespan(fallback)
        )
        self._behind: ASGIApp = (
            fallback if self._fallback_is_asgi else _WSGIBehindASGI(fallback, threads)
        )
        # A WSGI app cannot take a socket: the front serves the dualweb socket routes of a
        # Flask fallback itself, and closes the others.
        self._sockets: ASGIApp | None = None if self._fallback_is_asgi else FlaskSockets(fallback)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(scope, receive, send)
        elif kind in ("http", "websocket") and self._owns(scope):
            await self.primary(scope, receive, send)
        elif kind == "websocket" and self._sockets is not None:
            await self._sockets(scope, receive, send)
        else:
            if self._fallback_lifespan is not None:
                scope = self._fallback_lifespan.request_scope(scope)
            await self._behind(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        runner = self._fallback_lifespan
        if runner is None:
            await self.primary(scope, receive, send)
            return

        async def send_through(message: Message) -> None:
            kind = message["type"]
            if kind == "lifespan.startup.complete":
                try:
                    await runner.startup()
                except Exception as exc:
                    message = {"type": "lifespan.startup.failed", "message": str(exc)}
            elif kind == "lifespan.shutdown.complete":
                try:
                    await runner.shutdown()
                except Exception as exc:
                    message = {"type": "lifespan.shutdown.failed", "message": str(exc)}
            await send(message)

        await self.primary(scope, receive, send_through)


class _WSGIBehindASGI:
    """A WSGI app as an ASGI app, through a2wsgi's ``WSGIMiddleware``, that notices a
    client that went away.

    a2wsgi runs the WSGI app in its thread pool and iterates its response there; uvicorn
    drops what is sent after a disconnect without telling, so a2wsgi would iterate a
    streaming response to its end. Here a task watches ``receive`` for
    ``http.disconnect`` and sets a flag the thread checks between chunks: the response is
    closed (its generator's ``finally`` runs) and the thread is free again. The request body
    is handed to the WSGI app one message at a time (one message read ahead at most).
    """

    def __init__(self, app: Any, threads: int) -> None:
        from a2wsgi import WSGIMiddleware

        adapter: Any = WSGIMiddleware  # a2wsgi's types are narrower than the ASGI spec's
        self.app = app
        self.middleware: Any = adapter(self._watched, workers=threads)

    def _watched(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # NOTE: a2wsgi's input ends where the ASGI body ends, as a server's input for a
        # chunked body does; said so (as gunicorn says it), Werkzeug reads a body that has
        # no Content-Length instead of taking it for an empty one.
        environ["wsgi.input_terminated"] = True
        scope = environ.get("asgi.scope") or {}
        gone = scope.get(GONE_KEY)
        iterable = self.app(environ, start_response)
        if gone is None:
            return iterable
        return _until_gone(iterable, gone)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.middleware(scope, receive, send)
            return
        gone = threading.Event()
        inbox: asyncio.Queue[Message] = asyncio.Queue(maxsize=1)
        failure: list[BaseException] = []

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    gone.set()
                    await inbox.put(message)
                    return
                await inbox.put(message)

        async def receive_body() -> Message:
            return await inbox.get()

        async def send_unless_gone(message: Message) -> None:
            # Never raise into a2wsgi: its sender task would die and the WSGI thread
            # would block on a full queue. Remember the error and raise it at the end.
            if gone.is_set():
                return
            try:
                await send(message)
            except BaseException as exc:
                gone.set()
                failure.append(exc)

        watcher = asyncio.ensure_future(watch())
        try:
            await self.middleware({**scope, GONE_KEY: gone}, receive_body, send_unless_gone)
        finally:
            gone.set()
            watcher.cancel()
        if failure and not isinstance(failure[0], OSError):
            raise failure[0]


def _until_gone(iterable: Iterable[bytes], gone: threading.Event) -> Iterator[bytes]:
    try:
        for chunk in iterable:
            if gone.is_set():
                break
            yield chunk
            if gone.is_set():
                break
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()

"""One app out of two: serve ``primary``'s routes, hand every other request to ``fallback``.

``combine(primary, fallback)`` is the strangler-fig migration: a FastAPI app in front of a
Flask app (or a Flask app in front of a FastAPI app) answers the routes it has and passes
everything else, unchanged, to the other one, through a2wsgi. The returned app is of
``primary``'s kind: ASGI when ``primary`` is ASGI, WSGI when it is WSGI.

The decision is made from ``primary``'s route table, before ``primary`` runs, never from a
404 it answers: a handler's own 404 stays a 404, a path ``primary`` has no route for goes to
``fallback``. See docs/bridge.md for the rules and the limits.

This is a host-side module: a2wsgi, Starlette and Werkzeug are imported here, lazily, only
for the apps that need them.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from ._kinds import GONE_KEY, ASGIApp, Matcher, Message, Receive, Scope, Send, is_asgi, logger
from ._lifespan import Lifespan
from ._owners import matcher_for

__all__ = ["ASGIBridge", "WSGIBridge", "combine"]

#: How long ``close()`` waits for the ASGI fallback's shutdown.
SHUTDOWN_TIMEOUT = 30.0


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
    """
    if threads < 1:
        raise ValueError("threads must be at least 1")
    primary_is_asgi = is_asgi(primary)
    owns = match if match is not None else matcher_for(primary, asgi=primary_is_asgi)
    if primary_is_asgi:
        return ASGIBridge(primary, fallback, owns, threads=threads)
    return WSGIBridge(primary, fallback, owns)


# --- the ASGI front -------------------------------------------------------------------------


class ASGIBridge:
    """An ASGI app: ``primary``'s routes, then ``fallback`` (WSGI through a2wsgi, or ASGI).

    Lifespan events go to ``primary``; an ASGI ``fallback`` gets its own lifespan run next to
    it (started before ``primary``'s startup completes, shut down after its shutdown).
    """

    def __init__(self, primary: Any, fallback: Any, owns: Matcher, *, threads: int = 10) -> None:
        self.primary = primary
        self.fallback = fallback
        self.threads = threads
        self._owns = owns
        self._fallback_is_asgi = is_asgi(fallback)
        self._fallback_lifespan = Lifespan(fallback) if self._fallback_is_asgi else None
        self._behind: ASGIApp = (
            fallback if self._fallback_is_asgi else _WSGIBehindASGI(fallback, threads)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(scope, receive, send)
        elif kind in ("http", "websocket") and self._owns(scope):
            await self.primary(scope, receive, send)
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
        scope = environ.get("asgi.scope") or {}
        gone = scope.get(GONE_KEY)
        iterable = self.app(environ, start_response)
        if gone is None:
            return iterable
        return _until_gone(iterable, gone)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.middleware(scope, receive, send)  # a websocket is closed by a2wsgi
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


# --- the WSGI front -------------------------------------------------------------------------


class WSGIBridge:
    """A WSGI app: ``primary``'s routes, then ``fallback`` (ASGI through a2wsgi, or WSGI).

    An ASGI ``fallback`` runs on an event loop in a thread of its own, one per process,
    started with the fallback's lifespan startup at the first request handed to it (or by
    ``start()``), and shut down with its lifespan shutdown by ``close()``, which also runs
    at process exit (``atexit``).
    """

    def __init__(self, primary: Any, fallback: Any, owns: Matcher) -> None:
        self.primary = primary
        self.fallback = fallback
        self._owns = owns
        self._behind: Any = _ASGIBehindWSGI(fallback) if is_asgi(fallback) else fallback

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self._owns(environ):
            return self.primary(environ, start_response)  # type: ignore[no-any-return]
        return self._behind(environ, start_response)  # type: ignore[no-any-return]

    def start(self) -> None:
        """Start the ASGI fallback (its loop and lifespan startup) now, in this process.

        For a server that forks workers, call it in the worker (gunicorn's
        ``post_worker_init``), not before the fork: a thread does not survive a fork.
        """
        if isinstance(self._behind, _ASGIBehindWSGI):
            self._behind.start()

    def close(self) -> None:
        """Run the ASGI fallback's lifespan shutdown and stop its loop (idempotent)."""
        if isinstance(self._behind, _ASGIBehindWSGI):
            self._behind.close()


class _Connection:
    """One request under the WSGI front: tells the ASGI side when the client is gone."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.closed = False
        self.finished = False
        self._future: asyncio.Future[None] | None = None

    def close_from_thread(self) -> None:
        if self.finished or self.closed:
            return
        self.closed = True
        self.loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(None)

    def gone(self) -> asyncio.Future[None]:
        if self._future is None:
            self._future = self.loop.create_future()
            if self.closed:
                self._future.set_result(None)
        return self._future


class _ASGIBehindWSGI:
    """An ASGI app as a WSGI app, through a2wsgi's ``ASGIMiddleware``, with its lifespan
    run (a2wsgi does not) and client disconnects passed on to it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._middleware: Any = None
        self._lifespan: Lifespan | None = None
        self._failure: BaseException | None = None
        self._atexit = False

    def start(self) -> None:
        if self._pid == os.getpid():
            if self._failure is not None:
                raise RuntimeError("the ASGI fallback's startup failed") from self._failure
            return
        with self._lock:
            if self._pid == os.getpid():
                return self.start()
            from a2wsgi import ASGIMiddleware

            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="dualweb-bridge-loop", daemon=True
            )
            thread.start()
            lifespan = Lifespan(self.app)
            self._failure = None
            try:
                asyncio.run_coroutine_threadsafe(lifespan.startup(), loop).result()
            except BaseException as exc:
                logger.exception("the ASGI fallback's lifespan startup failed")
                self._failure = exc
            self._loop, self._thread, self._lifespan = loop, thread, lifespan
            adapter: Any = ASGIMiddleware  # a2wsgi's types are narrower than the ASGI spec's
            self._middleware = adapter(self._serve, loop=loop)
            self._pid = os.getpid()
            if not self._atexit:
                atexit.register(self.close)
                self._atexit = True
        self.start()

    def close(self) -> None:
        with self._lock:
            if self._pid != os.getpid():  # not started here (or inherited through a fork)
                return
            loop, thread, lifespan = self._loop, self._thread, self._lifespan
            self._pid = self._loop = self._thread = self._lifespan = self._middleware = None
            assert loop is not None and thread is not None and lifespan is not None
            try:
                if self._failure is None:
                    future = asyncio.run_coroutine_threadsafe(lifespan.shutdown(), loop)
                    future.result(timeout=SHUTDOWN_TIMEOUT)
            except Exception:
                logger.exception("the ASGI fallback's lifespan shutdown failed")
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(timeout=SHUTDOWN_TIMEOUT)
                if not thread.is_alive():
                    loop.close()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        self.start()
        loop, middleware = self._loop, self._middleware
        assert loop is not None
        connection = _Connection(loop)
        environ[GONE_KEY] = connection
        return _Closing(middleware(environ, start_response), connection)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        environ = scope.get("wsgi_environ") or {}
        connection: _Connection | None = environ.get(GONE_KEY)
        if self._lifespan is not None:
            scope = self._lifespan.request_scope(scope)
        if connection is None:
            await self.app(scope, receive, send)
            return
        gone = connection.gone()

        async def race(step: Awaitable[Any]) -> tuple[bool, Any]:
            task = asyncio.ensure_future(step)
            await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                return True, task.result()
            task.cancel()
            return False, None

        async def receive_or_disconnect() -> Message:
            if gone.done():
                return {"type": "http.disconnect"}
            done, message = await race(receive())
            return message if done else {"type": "http.disconnect"}

        async def send_or_raise(message: Message) -> None:
            if gone.done():
                raise OSError("the client disconnected")
            done, _ = await race(send(message))
            if not done:
                raise OSError("the client disconnected")

        try:
            await self.app(scope, receive_or_disconnect, send_or_raise)
        except Exception:
            if not gone.done():
                raise
            # The client is gone: nobody to answer. Not raised into a2wsgi, which would keep
            # the error (and, through its traceback, the app's frames and generators) alive.
            logger.debug("the ASGI fallback failed after the client disconnected", exc_info=True)


class _Closing:
    """The WSGI response of the ASGI fallback: ``close()`` before its end means the client
    is gone (the server stopped iterating), which the ASGI app then hears of."""

    def __init__(self, iterable: Iterable[bytes], connection: _Connection) -> None:
        self._iterator = iter(iterable)
        self._connection = connection

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except StopIteration:
            self._connection.finished = True
            raise

    def close(self) -> None:
        self._connection.close_from_thread()
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()

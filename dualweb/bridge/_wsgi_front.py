"""The WSGI front: ``primary`` is WSGI, an ASGI ``fallback`` runs on the bridge's own loop
thread, one per process, with its lifespan and the client's disconnects."""

from __future__ import annotations

import asyncio
import contextvars
import errno
import os
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from .._core.concurrency import LoopThread, at_process_exit
from ._kinds import GONE_KEY, Matcher, Message, Receive, Scope, Send, is_asgi, logger
from ._lifespan import Lifespan, flask_lifespan
from ._sockets import is_upgrade, open_channel, socket_scope

#: How long ``close()`` waits for the ASGI fallback's shutdown.
SHUTDOWN_TIMEOUT = 30.0


class WSGIBridge:
    """A WSGI app: ``primary``'s routes, then ``fallback`` (ASGI through a2wsgi, or WSGI).

    An ASGI ``fallback`` runs on an event loop in a thread of its own, one per process,
    started with the fallback's lifespan startup at the first request handed to it (or by
    ``start()``), and shut down with its lifespan shutdown by ``close()``, which also runs
    at process exit (``concurrency.at_process_exit``).
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
        if isinstance(self._behind, _ASGIBehindWSGI) and is_upgrade(environ):
            return self._behind.socket(self.primary, environ, start_response)
        return self._behind(environ, start_response)  # type: ignore[no-any-return]

    def start(self) -> None:
        """Start the lifespans now, in this process: the ASGI fallback's (its loop and
        lifespan startup), and those of dualweb routers mounted on a Flask side.

        For a server that forks workers, call it in the worker (gunicorn's
        ``post_worker_init``), not before the fork: a thread does not survive a fork.
        """
        if isinstance(self._behind, _ASGIBehindWSGI):
            self._behind.start()
        for app in (self.primary, self.fallback):
            if flask_lifespan(app) is not None:
                from ..flask import startup

                startup(app)

    def close(self) -> None:
        """Run the lifespans' shutdown (idempotent), and stop the ASGI fallback's loop."""
        for app in (self.primary, self.fallback):
            if flask_lifespan(app) is not None:
                from ..flask import shutdown

                shutdown(app)
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
        self._thread: LoopThread | None = None
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

            thread = LoopThread("dualweb-bridge-loop")
            lifespan = Lifespan(self.app)
            self._failure = None
            try:
                # (In a context of its own: not the context of the request that started it.)
                contextvars.Context().run(thread.run, lifespan.startup())
            except BaseException as exc:
                logger.exception("the ASGI fallback's lifespan startup failed")
                self._failure = exc
            self._loop, self._thread, self._lifespan = thread.loop, thread, lifespan
            adapter: Any = ASGIMiddleware  # a2wsgi's types are narrower than the ASGI spec's
            self._middleware = adapter(self._serve, loop=thread.loop)
            self._pid = os.getpid()
            if not self._atexit:
                at_process_exit(self.close)
                self._atexit = True
        self.start()

    def close(self) -> None:
        with self._lock:
            if self._pid != os.getpid():  # not started here (or inherited through a fork)
                return
            thread, lifespan = self._thread, self._lifespan
            self._pid = self._loop = self._thread = self._lifespan = self._middleware = None
            assert thread is not None and lifespan is not None
            try:
                if self._failure is None:
                    contextvars.Context().run(thread.run, lifespan.shutdown(), SHUTDOWN_TIMEOUT)
            except Exception:
                logger.exception("the ASGI fallback's lifespan shutdown failed")
            finally:
                thread.stop(SHUTDOWN_TIMEOUT)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        self.start()
        loop, middleware = self._loop, self._middleware
        assert loop is not None
        connection = _Connection(loop)
        environ[GONE_KEY] = connection
        _decodable(environ)
        _watch_body(environ, connection)
        return _Closing(middleware(environ, start_response), connection)

    def socket(
        self, primary: Any, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """An upgrade request for the fallback: the primary's Flask host takes the socket
        over, and its channel carries the fallback's messages, on the loop thread, until
        the fallback is done with it."""
        try:
            channel, answer = open_channel(primary, environ)
        except LookupError as exc:
            # NOTE: answered, not raised: without a channel the socket cannot even be
            # refused, and a client would wait for an answer that never comes.
            logger.error(
                "combine: a WebSocket to %s cannot reach the fallback: %s", _path(environ), exc
            )
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")]
            )
            return [b"Internal Server Error"]
        self.start()
        thread = self._thread
        assert thread is not None
        _decodable(environ)
        scope = socket_scope(environ, channel)
        if self._lifespan is not None:
            scope = self._lifespan.request_scope(scope)
        # (In a context of its own, as a server gives each request.)
        contextvars.Context().run(thread.run, self.app(scope, channel.receive, channel.send))
        return answer(channel)(environ, start_response)  # type: ignore[no-any-return]

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

        answered = False

        async def send_or_raise(message: Message) -> None:
            nonlocal answered
            last = message["type"] == "http.response.body" and not message.get("more_body")
            delivered = not gone.done() and (await race(send(message)))[0]
            if not delivered and message["type"] == "http.response.body" and not last:
                # A stream's next chunk, the client gone: raised, so that its generator stops.
                raise OSError("the client disconnected")
            # The start and the last body are dropped once the client is gone, as uvicorn
            # and granian drop what is sent after a disconnect: the answer is over either
            # way, and what runs after it (teardown, background tasks) runs as there.
            answered = answered or last

        try:
            await self.app(scope, receive_or_disconnect, send_or_raise)
        except Exception:
            if answered:
                # NOTE: a2wsgi has finished the WSGI response at the answer's last body and
                # would drop this error unseen (Starlette's ServerErrorMiddleware re-raises
                # what an exception handler answered, for the server to log): log it here.
                logger.exception("the ASGI fallback raised after its answer")
                return
            if not gone.done():
                raise
            # The client is gone: nobody to answer. Not raised into a2wsgi, which would keep
            # the error (and, through its traceback, the app's frames and generators) alive.
            logger.debug("the ASGI fallback failed after the client disconnected", exc_info=True)


def _watch_body(environ: dict[str, Any], connection: _Connection) -> None:
    """Make a request body that ends before its ``Content-Length`` a disconnect.

    A WSGI server's input ends early (reads ``b""``) when the client leaves mid-upload; a2wsgi
    would pass that on as empty chunks, more to come, for as long as the ASGI app asks, and
    the app would never hear of the disconnect. Here the ASGI app hears it at once, and the
    thread leaves a2wsgi's loop with ``ConnectionResetError``.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    body = environ.get("wsgi.input")
    if length > 0 and body is not None:
        environ["wsgi.input"] = _Body(body, length, connection)


class _Body:
    """A request body with a known length: read to its end, or the client is gone."""

    def __init__(self, body: Any, length: int, connection: _Connection) -> None:
        self._body = body
        self._left = length
        self._connection = connection

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._body.read(size)
        self._left -= len(data)
        if not data and size != 0 and self._left > 0:
            self._connection.close_from_thread()
            raise ConnectionResetError(
                errno.ECONNRESET, "the client disconnected before the end of its request body"
            )
        return data


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


def _decodable(environ: dict[str, Any]) -> None:
    """Make the environ's path and query string ones a2wsgi can turn into a scope.

    a2wsgi decodes the path as strict UTF-8 and the query string as ASCII, and fails on
    anything else (a client's ``/%FF``, or a raw byte above 127 in a query string): the
    request would end as the server's 500. An ASGI server gives the app what it could
    decode (uvicorn: the path with U+FFFD in place of what is not UTF-8, the query string
    as it came); so does this, with the query string's bytes percent-encoded.
    """
    for key in ("SCRIPT_NAME", "PATH_INFO"):
        raw = str(environ.get(key, "")).encode("latin-1")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            environ[key] = raw.decode("utf-8", "replace").encode("utf-8").decode("latin-1")
    query = str(environ.get("QUERY_STRING", ""))
    if not query.isascii():
        environ["QUERY_STRING"] = quote(query.encode("latin-1"), safe=_QUERY_SAFE)


# Every printable ASCII character but the space: what may stand in a query string as it is.
_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def _path(environ: dict[str, Any]) -> str:
    return str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))

"""Running an ASGI fallback's lifespan beside the front's: a2wsgi does not, and the front's
server only runs ``primary``'s."""

from __future__ import annotations

import asyncio
from typing import Any

from ._kinds import Message, Scope, logger


class Lifespan:
    """Runs an ASGI app's lifespan protocol as a server does (uvicorn's ``lifespan="auto"``):
    an app that fails before it answers the startup event does not do lifespan."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.supported = True
        self._task: asyncio.Future[None] | None = None
        self._inbox: asyncio.Queue[Message] | None = None
        self._started: asyncio.Future[None] | None = None
        self._stopped: asyncio.Future[None] | None = None

    def request_scope(self, scope: Scope) -> Scope:
        if not self.state:
            return scope
        return {**scope, "state": dict(self.state)}

    async def startup(self) -> None:
        loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._started = loop.create_future()
        self._stopped = loop.create_future()
        self._task = asyncio.ensure_future(self._run())
        await self._inbox.put({"type": "lifespan.startup"})
        await self._started

    async def shutdown(self) -> None:
        if self._task is None or self._task.done() or not self.supported:
            return
        assert self._inbox is not None and self._stopped is not None
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._stopped

    async def _run(self) -> None:
        assert self._inbox is not None and self._started is not None
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        try:
            await self.app(scope, self._inbox.get, self._send)
        except BaseException as exc:
            if not self._started.done():
                self.supported = False
                logger.debug("the ASGI fallback does not do lifespan", exc_info=True)
            self._settle(exc)
            if not isinstance(exc, Exception):
                raise
        self._settle(None)

    def _settle(self, exc: BaseException | None) -> None:
        assert self._started is not None and self._stopped is not None
        if not self._started.done():
            self._started.set_result(None)
        if not self._stopped.done():
            if exc is None or not self.supported:
                self._stopped.set_result(None)
            else:
                self._stopped.set_exception(RuntimeError(f"lifespan ended with {exc!r}"))

    async def _send(self, message: Message) -> None:
        assert self._started is not None and self._stopped is not None
        kind = message["type"]
        text = message.get("message", "")
        if kind == "lifespan.startup.complete":
            self._started.set_result(None)
        elif kind == "lifespan.startup.failed":
            self._started.set_exception(RuntimeError(f"lifespan startup failed: {text}"))
        elif kind == "lifespan.shutdown.complete":
            self._stopped.set_result(None)
        elif kind == "lifespan.shutdown.failed":
            self._stopped.set_exception(RuntimeError(f"lifespan shutdown failed: {text}"))


class FlaskLifespan:
    """The lifespan of the dualweb routers mounted on a Flask app behind an ASGI front:
    run with the front's own (in a worker thread), rather than at the first request the
    Flask app serves and at process exit. The Flask app gives its requests the state."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request_scope(self, scope: Scope) -> Scope:
        return scope

    async def startup(self) -> None:
        from ..flask import startup

        await asyncio.to_thread(startup, self.app)

    async def shutdown(self) -> None:
        from ..flask import shutdown

        await asyncio.to_thread(shutdown, self.app)


def flask_lifespan(app: Any) -> FlaskLifespan | None:
    """``FlaskLifespan`` for a Flask app with dualweb routers mounted, else None."""
    if hasattr(app, "wsgi_app") and "dualweb" in getattr(app, "extensions", {}):
        return FlaskLifespan(app)
    return None

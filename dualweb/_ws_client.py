"""The test client's WebSocket sessions, the same on every host.

A session is Starlette's test session (what FastAPI's tests use), raising
dualweb's exceptions, over one of two links to the app: an ASGI app runs as a
task on the client's event loop portal; a WSGI (Flask) app runs in a thread of
its own, with an in-memory channel in its environ (``dualweb.websocket``) that
the Flask host uses in place of a server's socket. Either way the session sees
the app's messages themselves, so a close before ``accept`` keeps its reason
(a real server turns it into an HTTP 403), and an exception the app does not
handle is raised in the test.
"""

from __future__ import annotations

import contextlib
import json
import math
import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx2

from ._core.mailbox import Mailbox
from .websockets import WebSocketDisconnect

__all__ = [
    "ASGILink",
    "InMemorySocket",
    "WSGILink",
    "WebSocketDenialResponse",
    "WebSocketTestSession",
]

Message = dict[str, Any]

#: How long a session waits for the app's next message before it gives up.
TIMEOUT = 30.0


class WebSocketDenialResponse(httpx2.Response, WebSocketDisconnect):  # type: ignore[misc]
    """The app answered the handshake with an HTTP response instead of accepting: its
    ``status_code``, ``headers`` and ``content``, as a response (and a disconnect)."""

    def __init__(
        self, status_code: int, headers: list[tuple[bytes, bytes]], content: bytes
    ) -> None:
        httpx2.Response.__init__(self, status_code, headers=headers, content=content)
        WebSocketDisconnect.__init__(self, 1000, "")

    def __str__(self) -> str:
        return f"the app denied the WebSocket with HTTP {self.status_code}"


class WebSocketTestSession:
    """A WebSocket to the app under test: Starlette's ``WebSocketTestSession`` surface.

    Entering it connects (``WebSocketDisconnect`` if the app closes first,
    ``WebSocketDenialResponse`` if it answers with HTTP); leaving it closes with
    1000, waits for the app to end, and raises the app's own exception, if any.
    """

    __test__ = False

    def __init__(self, link: ASGILink | WSGILink) -> None:
        self._link = link
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] | None = None

    def __enter__(self) -> WebSocketTestSession:
        self._link.start()
        try:
            self.send({"type": "websocket.connect"})
            message = self.receive()
            self._raise_on_close(message)
        except BaseException:
            self._link.end()
            raise
        self.accepted_subprotocol = message.get("subprotocol")
        self.extra_headers = message.get("headers")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.close(1000)
        finally:
            self._link.end()

    def _raise_on_close(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
        if kind == "websocket.http.response.start":
            body: list[bytes] = []
            while True:
                part = self.receive()
                body.append(part.get("body", b""))
                if not part.get("more_body", False):
                    break
            raise WebSocketDenialResponse(message["status"], message["headers"], b"".join(body))

    def send(self, message: Message) -> None:
        """Hands one message to the app (``websocket.receive``, ``websocket.disconnect``)."""
        self._link.send(message)

    def send_text(self, data: str) -> None:
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: str = "text") -> None:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send({"type": "websocket.receive", "text": text})
        else:
            self.send({"type": "websocket.receive", "bytes": text.encode("utf-8")})

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason})

    def receive(self) -> Message:
        """The app's next message, as it sent it."""
        return self._link.receive()

    def receive_text(self) -> str:
        message = self.receive()
        self._raise_on_close(message)
        text: str = message["text"]
        return text

    def receive_bytes(self) -> bytes:
        message = self.receive()
        self._raise_on_close(message)
        data: bytes = message["bytes"]
        return data

    def receive_json(self, mode: str = "text") -> Any:
        message = self.receive()
        self._raise_on_close(message)
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)


class ASGILink:
    """An ASGI app's socket, run as a task on a portal of the client's."""

    def __init__(self, app: Any, scope: dict[str, Any], portal_factory: Callable[[], Any]) -> None:
        self.app = app
        self.scope = scope
        self.portal_factory = portal_factory
        self._stack = contextlib.ExitStack()
        self._ended = threading.Event()
        self._gone = False

    def start(self) -> None:
        stack = self._stack
        self.portal = portal = stack.enter_context(self.portal_factory())
        future, scope = portal.start_task(self._run)
        stack.callback(future.result)  # the app's own exception, raised in the test
        stack.callback(portal.call, scope.cancel)

    async def _run(self, *, task_status: Any) -> None:
        import anyio

        to_client_tx, to_client_rx = anyio.create_memory_object_stream[Message](math.inf)
        to_app_tx, to_app_rx = anyio.create_memory_object_stream[Message](math.inf)

        async def send(message: Message) -> None:
            if self._gone:
                # As a server says it (ASGI 2.4), once the client has closed.
                raise ConnectionResetError("the client has closed the socket")
            await to_client_tx.send(message)

        with to_client_tx, to_client_rx, to_app_tx, to_app_rx, anyio.CancelScope() as scope:
            self._to_app = to_app_tx
            self._from_app = to_client_rx
            task_status.started(scope)
            try:
                await self.app(self.scope, to_app_rx.receive, send)
            finally:
                self._ended.set()
            await anyio.sleep_forever()  # until the session ends: it may still read

    def send(self, message: Message) -> None:
        if message["type"] == "websocket.disconnect":
            self._gone = True
        self.portal.call(self._to_app.send, message)

    def receive(self) -> Message:
        message: Message = self.portal.call(self._from_app.receive)
        return message

    def end(self) -> None:
        # The app handles the client's leaving (its teardown runs) before it is stopped.
        self._ended.wait(TIMEOUT)
        self._stack.close()


class InMemorySocket:
    """The channel a WSGI app finds in its environ (``dualweb.websocket``): the test's
    messages to the app, and the app's to the test."""

    def __init__(self) -> None:
        self.to_app: Mailbox[Message] = Mailbox()
        self.to_client: queue.SimpleQueue[Message | BaseException | None] = queue.SimpleQueue()
        #: Set once the client has closed: the app's sends then fail, as on a server.
        self.gone = False


class WSGILink:
    """A WSGI app's socket: the app runs in a thread of its own, as a server's worker."""

    def __init__(self, app: Any, environ: dict[str, Any]) -> None:
        self.app = app
        self.environ = environ
        self.socket = InMemorySocket()
        environ["dualweb.websocket"] = self.socket
        self._thread = threading.Thread(target=self._run, name="dualweb test socket", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            return lambda data: None

        try:
            result = self.app(self.environ, start_response)
            for _ in result:  # the view's response after the socket, which nobody reads
                pass
            close = getattr(result, "close", None)
            if close is not None:
                close()
        except BaseException as exc:  # raised in the test, when the session ends
            self._error = exc
            self.socket.to_client.put(exc)
        self.socket.to_client.put(None)  # the app is done: nothing more will come

    def start(self) -> None:
        self._thread.start()

    def send(self, message: Message) -> None:
        if message["type"] == "websocket.disconnect":
            self.socket.gone = True
        self.socket.to_app.put(message)

    def receive(self) -> Message:
        try:
            message = self.socket.to_client.get(timeout=TIMEOUT)
        except queue.Empty:
            raise TimeoutError(f"the app sent nothing for {TIMEOUT} s") from None
        if isinstance(message, BaseException):
            self._error = None  # raised here, not again when the session ends
            raise message
        if message is None:
            self.socket.to_client.put(None)
            raise RuntimeError("the app's socket handler has ended: it sends nothing more")
        return message

    def end(self) -> None:
        self._thread.join(TIMEOUT)
        if self._thread.is_alive():
            raise TimeoutError(f"the app's socket handler did not end within {TIMEOUT} s")
        if self._error is not None:
            error, self._error = self._error, None
            raise error

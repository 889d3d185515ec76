"""The portable ``WebSocket`` handlers see, on every host, and its states and exceptions.

``WebSocket`` is a state machine over the neutral messages of a ``SocketIO``
(see ``dualweb._core.sockets``): the same states, transitions, messages and
error texts as Starlette's (FastAPI's) ``WebSocket``, written here without it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

from ._core.hostio import RequestParts
from ._core.sockets import Message, SocketIO
from .requests import HTTPConnection
from .responses import Response, StreamingResponse

__all__ = [
    "SyncWebSocket",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketDisconnected",
    "WebSocketState",
]

T = TypeVar("T")


class WebSocketState(enum.Enum):
    """Where one side of a socket stands: before, during or after the connection."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3  # the application answered the handshake with an HTTP response


class WebSocketDisconnect(Exception):
    """The client closed the socket, with its close ``code`` and ``reason`` ("" if none)."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""


class WebSocketDisconnected(RuntimeError):
    """The socket was used after its side of the conversation had ended."""


_CONNECTING = WebSocketState.CONNECTING
_CONNECTED = WebSocketState.CONNECTED
_DISCONNECTED = WebSocketState.DISCONNECTED
_RESPONSE = WebSocketState.RESPONSE

#: What the application may send before the handshake, and the state each leads to.
_OPENINGS = {
    "websocket.accept": _CONNECTED,
    "websocket.close": _DISCONNECTED,
    "websocket.http.response.start": _RESPONSE,
}
_MODES = ("text", "binary")
_NOT_ACCEPTED = 'WebSocket is not connected. Need to call "accept" first.'
_BAD_MODE = 'The "mode" argument should be "text" or "binary".'


class WebSocket(HTTPConnection):
    """A socket as FastAPI's ``WebSocket`` shows it, on every host.

    ``client_state`` follows what the client sent (``websocket.connect``, then
    ``websocket.disconnect``), ``application_state`` what the handler sent
    (``accept``, then ``close``). The connection's ``url`` (``ws://`` or
    ``wss://``), ``headers``, ``query_params``, ``path_params``, ``cookies``,
    ``client``, ``state`` and ``app`` are a request's (``HTTPConnection``).
    """

    # NOTE: no __slots__: handlers and libraries set attributes on sockets, as on Starlette's.

    def __init__(self, io: SocketIO, parts: RequestParts | None = None) -> None:
        super().__init__(parts)  # type: ignore[arg-type]  # None only in unit tests
        self._io = io
        self.client_state = _CONNECTING
        self.application_state = _CONNECTING
        #: A send found the connection dropped (then ``application_state`` is DISCONNECTED).
        self._dropped = False

    async def receive(self) -> Message:
        """The next message from the client, checked against the client's state."""
        if self.client_state is _CONNECTING:
            message = await self._io.receive()
            kind = message["type"]
            if kind != "websocket.connect":
                raise RuntimeError(f'Expected ASGI message "websocket.connect", but got {kind!r}')
            self.client_state = _CONNECTED
            return message
        if self.client_state is _CONNECTED:
            message = await self._io.receive()
            kind = message["type"]
            if kind == "websocket.disconnect":
                self.client_state = _DISCONNECTED
            elif kind != "websocket.receive":
                raise RuntimeError(
                    'Expected ASGI message "websocket.receive" or "websocket.disconnect", '
                    f"but got {kind!r}"
                )
            return message
        raise WebSocketDisconnected(
            'Cannot call "receive" once a disconnect message has been received.'
        )

    async def send(self, message: Message) -> None:
        """Sends one message to the client, checked against the application's state.

        Raises:
            WebSocketDisconnect: code 1006, the connection dropped while sending.
        """
        state = self.application_state
        if state is _CONNECTING:
            kind = message["type"]
            after = _OPENINGS.get(kind)
            if after is None:
                raise RuntimeError(
                    'Expected ASGI message "websocket.accept", "websocket.close" or '
                    f'"websocket.http.response.start", but got {kind!r}'
                )
            self.application_state = after
            await self._io.send(message)
        elif state is _CONNECTED:
            kind = message["type"]
            if kind == "websocket.close":
                self.application_state = _DISCONNECTED
            elif kind != "websocket.send":
                raise RuntimeError(
                    f'Expected ASGI message "websocket.send" or "websocket.close", but got {kind!r}'
                )
            try:
                await self._io.send(message)
            except OSError as exc:
                self.application_state = _DISCONNECTED
                self._dropped = True
                raise WebSocketDisconnect(code=1006) from exc
        elif state is _RESPONSE:
            kind = message["type"]
            if kind != "websocket.http.response.body":
                raise RuntimeError(
                    f'Expected ASGI message "websocket.http.response.body", but got {kind!r}'
                )
            if not message.get("more_body", False):
                self.application_state = _DISCONNECTED
            await self._io.send(message)
        else:
            raise WebSocketDisconnected('Cannot call "send" once a close message has been sent.')

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Accepts the connection, first awaiting the client's ``websocket.connect`` if unseen."""
        if self.client_state is _CONNECTING:
            await self.receive()
        await self.send(
            {"type": "websocket.accept", "subprotocol": subprotocol, "headers": headers or []}
        )

    async def send_denial_response(self, response: Response) -> None:
        """Refuses the handshake with an HTTP ``response`` (a 401 or 403 with a body, say).

        Raises:
            RuntimeError: after ``accept``, or where the server cannot send one (the
                ASGI ``websocket.http.response`` extension), as Starlette's does.
        """
        if not self._io.denial_supported:
            raise RuntimeError(
                "The server doesn't support the Websocket Denial Response extension."
            )
        if isinstance(response, StreamingResponse):
            raise RuntimeError("a denial response is sent whole: not a StreamingResponse")
        if self.application_state is not _CONNECTING:
            raise RuntimeError(
                'Cannot call "send_denial_response" once the connection has been accepted '
                "or closed."
            )
        await self.send(
            {
                "type": "websocket.http.response.start",
                "status": response.status_code,
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in response.raw_headers
                ],
            }
        )
        await self.send({"type": "websocket.http.response.body", "body": response.body})

    async def _receive_data(self) -> Message:
        """The next data message; ``WebSocketDisconnect`` if the client left instead."""
        if self.application_state is not _CONNECTED:
            if self._dropped:
                # NOTE: deliberately not Starlette's "call accept first": the connection
                # dropped under a send (say, another member's broadcast), so this receive
                # ends as one on a dropped connection does, and ``iter_*`` ends quietly.
                raise WebSocketDisconnect(code=1006)
            raise WebSocketDisconnected(_NOT_ACCEPTED)
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message["code"], message.get("reason"))
        return message

    async def receive_text(self) -> str:
        """The next text message."""
        text: str = (await self._receive_data())["text"]
        return text

    async def receive_bytes(self) -> bytes:
        """The next binary message."""
        data: bytes = (await self._receive_data())["bytes"]
        return data

    async def receive_json(self, mode: str = "text") -> Any:
        """The next message, JSON-decoded from a text (``mode="text"``) or binary frame."""
        if mode not in _MODES:
            raise RuntimeError(_BAD_MODE)
        message = await self._receive_data()
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)

    def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the client disconnects."""
        return _until_disconnect(self.receive_text)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary messages until the client disconnects."""
        return _until_disconnect(self.receive_bytes)

    def iter_json(self) -> AsyncIterator[Any]:
        """JSON text messages, decoded, until the client disconnects."""
        return _until_disconnect(self.receive_json)

    async def send_text(self, data: str) -> None:
        """Sends a text message."""
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Sends a binary message."""
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Sends ``data`` as compact JSON, in a text (``mode="text"``) or binary frame."""
        if mode not in _MODES:
            raise RuntimeError(_BAD_MODE)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Closes the socket (before ``accept``: refuses it) with ``code`` and ``reason``."""
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    def __repr__(self) -> str:
        path = self._parts.path if self._parts is not None else "?"
        return f"<WebSocket {path} {self.application_state.name}>"


async def _until_disconnect(receive: Callable[[], Awaitable[T]]) -> AsyncIterator[T]:
    """What ``receive`` returns, again and again, until the client disconnects."""
    try:
        while True:
            yield await receive()
    except WebSocketDisconnect:
        pass


#: How a ``SyncWebSocket`` runs one of its socket's coroutines to its end, from the
#: handler's thread: on the event loop the socket belongs to.
BlockOn = Callable[[Coroutine[Any, Any, Any]], Any]


class SyncWebSocket(HTTPConnection):
    """The socket of a ``def`` handler: ``WebSocket``'s methods, blocking.

    Annotate a ``def`` socket handler's parameter with it (an ``async def``
    handler takes ``WebSocket``). The handler runs in a thread of its own for the
    socket's life, on every host, so that it may block between messages without
    holding a worker; each call waits for the socket's event loop to do it.
    """

    def __init__(self, socket: WebSocket, block_on: BlockOn) -> None:
        super().__init__(socket._parts)
        self._state = socket._state
        self.socket = socket
        self._block_on = block_on

    @property
    def state(self) -> Any:
        return self.socket.state

    @property
    def client_state(self) -> WebSocketState:
        return self.socket.client_state

    @property
    def application_state(self) -> WebSocketState:
        return self.socket.application_state

    def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self._block_on(self.socket.accept(subprotocol, headers))

    def receive(self) -> Message:
        message: Message = self._block_on(self.socket.receive())
        return message

    def send(self, message: Message) -> None:
        self._block_on(self.socket.send(message))

    def receive_text(self) -> str:
        text: str = self._block_on(self.socket.receive_text())
        return text

    def receive_bytes(self) -> bytes:
        data: bytes = self._block_on(self.socket.receive_bytes())
        return data

    def receive_json(self, mode: str = "text") -> Any:
        return self._block_on(self.socket.receive_json(mode))

    def iter_text(self) -> Iterator[str]:
        """Text messages until the client disconnects."""
        return _until_disconnect_sync(self.receive_text)

    def iter_bytes(self) -> Iterator[bytes]:
        """Binary messages until the client disconnects."""
        return _until_disconnect_sync(self.receive_bytes)

    def iter_json(self) -> Iterator[Any]:
        """JSON text messages, decoded, until the client disconnects."""
        return _until_disconnect_sync(self.receive_json)

    def send_text(self, data: str) -> None:
        self._block_on(self.socket.send_text(data))

    def send_bytes(self, data: bytes) -> None:
        self._block_on(self.socket.send_bytes(data))

    def send_json(self, data: Any, mode: str = "text") -> None:
        self._block_on(self.socket.send_json(data, mode))

    def send_denial_response(self, response: Response) -> None:
        self._block_on(self.socket.send_denial_response(response))

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self._block_on(self.socket.close(code, reason))

    def __repr__(self) -> str:
        return repr(self.socket).replace("<WebSocket", "<SyncWebSocket", 1)


def _until_disconnect_sync(receive: Callable[[], T]) -> Iterator[T]:
    try:
        while True:
            yield receive()
    except WebSocketDisconnect:
        pass

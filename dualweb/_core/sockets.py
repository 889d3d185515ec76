"""What a host hands to the core for one WebSocket: its message I/O.

A socket's whole behaviour is the sequence of ASGI-shaped messages the
application sends and receives (``websocket.connect``, ``websocket.accept``,
``websocket.receive``, ``websocket.send``, ``websocket.close``,
``websocket.disconnect``, ``websocket.http.response.*``); each server only maps
them to the wire. So the core's ``WebSocket`` talks to a ``SocketIO``: on an
ASGI host the server's own ``receive``/``send`` carry the messages as they
are; on Flask a channel turns frames into the same dicts; in tests a list of
literal messages stands in for the client.
"""

from __future__ import annotations

from collections.abc import Awaitable, MutableMapping
from typing import Any, Protocol

__all__ = ["Message", "SocketIO"]

#: One ASGI-shaped socket message: ``{"type": "websocket.send", "text": "hi"}``.
Message = MutableMapping[str, Any]


class SocketIO(Protocol):
    """The message I/O of one socket, as the host supplies it."""

    #: Whether the host can answer the handshake with an HTTP response (the ASGI
    #: ``websocket.http.response`` extension; Flask always can).
    denial_supported: bool

    def receive(self) -> Awaitable[Message]:
        """The next message from the client side (``websocket.connect`` first)."""
        ...

    def send(self, message: Message, /) -> Awaitable[None]:
        """Hands one message from the application to the client side.

        Raises:
            OSError: the connection is gone; the socket reports it as a
                ``WebSocketDisconnect(1006)``, as Starlette does.
        """
        ...

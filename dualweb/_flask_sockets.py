"""Flask's side of a WebSocket: the socket a WSGI server hands over, as neutral messages.

WSGI has no WebSockets: a server that supports them on Flask puts the raw
connection in the environ (``werkzeug.socket``, ``gunicorn.socket``, eventlet's
and gevent's own ways), and the view, which never returns until the socket is
over, speaks the protocol on it. ``HandOverChannel`` does that with
simple-websocket (wsproto underneath, one reader thread per socket) and offers
the core what every host offers it: ASGI-shaped messages (``SocketIO``, see
``dualweb._core.sockets``), blocking (``receive_sync``/``send_sync``) or awaited
(``receive``/``send``). What the view must then return depends on the server:
``response_before_accept`` and ``response_after_hand_over`` say it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

import flask
from simple_websocket import Server  # type: ignore[import-untyped]
from werkzeug.wrappers import Response
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate
from wsproto.utilities import LocalProtocolError

from ._core.mailbox import Mailbox
from ._core.sockets import Message

__all__ = [
    "HAND_OVER_ERROR",
    "MAX_MESSAGE_SIZE",
    "Denial",
    "HandOverChannel",
    "HandOverError",
    "InMemoryChannel",
    "Refusal",
    "can_hand_over",
    "open_channel",
]

#: The largest message a socket takes by default (uvicorn's default too): a bigger one
#: closes the socket with 1009, rather than being held in memory whole.
MAX_MESSAGE_SIZE = 16 * 1024 * 1024

HAND_OVER_ERROR = (
    "This WSGI server cannot hand the connection over to a WebSocket handler: it puts "
    "no socket in the WSGI environ (granian's and waitress's WSGI servers, a2wsgi and "
    "uWSGI do not). Serve WebSocket routes on Flask with Werkzeug's server (`flask run`, "
    "`app.run()`), gunicorn with `--worker-class gthread` (or `sync`, for short-lived "
    "sockets only: its arbiter kills a worker busy past `--timeout`), eventlet or gevent; "
    "or serve the router on FastAPI or Starlette with an ASGI server "
    "(`granian --interface asgi`, uvicorn)."
)

#: How long the view waits for the client's reply to a close frame before it cuts
#: the connection (seconds).
CLOSE_TIMEOUT = 5.0

_OPEN = ConnectionState.OPEN
#: The states in which the client's close frame has arrived.
_CLOSED_BY_CLIENT = (ConnectionState.REMOTE_CLOSING, ConnectionState.CLOSED)


class HandOverError(RuntimeError):
    """The WSGI server put no socket in the environ: a WebSocket cannot be served."""


def can_hand_over(environ: Mapping[str, Any]) -> bool:
    """Whether the WSGI server that made ``environ`` hands its socket over.

    The same servers simple-websocket takes the socket from: Werkzeug's, gunicorn's
    sync and gthread workers, eventlet's and gevent's.
    """
    return (
        "werkzeug.socket" in environ
        or "gunicorn.socket" in environ
        or "eventlet.input" in environ
        or str(environ.get("SERVER_SOFTWARE", "")).startswith("gevent")
    )


@dataclasses.dataclass
class Refusal:
    """A socket closed before it was accepted: the client gets an HTTP 403.

    The code and reason never reach the client (the handshake carries no close
    frame); they are kept for the record.
    """

    code: int
    reason: str


@dataclasses.dataclass
class Denial:
    """An HTTP response sent instead of accepting the socket (``websocket.http.response.*``)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    complete: bool = False


class HandOverChannel:
    """One WebSocket on the socket a WSGI server hands over, as ASGI-shaped messages.

    Built from the request's environ; nothing is written until the application
    answers the handshake. ``receive`` returns ``websocket.connect`` first, then,
    after ``websocket.accept``, the client's ``websocket.receive`` messages (``text``
    or ``bytes``) in order, and one ``websocket.disconnect`` with the client's close
    ``code`` (1005 if its close frame had none) and ``reason`` ("" if none): 1006 when
    the connection ended without a close frame, 1009 when a message exceeded
    ``max_message_size``. ``send`` writes at once, under a lock, from any thread; a
    ``websocket.send`` after the client has gone raises ``ConnectionResetError``.
    Before ``accept``, ``websocket.close`` is a refusal and
    ``websocket.http.response.*`` a denial: both are recorded (``refusal``,
    ``denial``) for the view to answer with ``response_before_accept``.

    Raises:
        HandOverError: the server put no socket in ``environ`` (``HAND_OVER_ERROR``).
    """

    #: The channel can answer the handshake with an HTTP response of the application's.
    denial_supported = True

    def __init__(
        self,
        environ: Mapping[str, Any],
        *,
        ping_interval: float | None = None,
        max_message_size: int | None = None,
        close_timeout: float = CLOSE_TIMEOUT,
    ) -> None:
        if not can_hand_over(environ):
            raise HandOverError(HAND_OVER_ERROR)
        self._environ = environ
        self._ping_interval = ping_interval
        self._max_message_size = max_message_size
        self._close_timeout = close_timeout
        self._inbox: Mailbox[Message] = Mailbox()
        self._connect_sent = False
        self._last: Message | None = None  # the disconnect, once taken: it stays the answer
        self._connection: _Connection | None = None
        #: How the application closed the socket before accepting it, if it did.
        self.refusal: Refusal | None = None
        #: The HTTP response the application answered the handshake with, if it did.
        self.denial: Denial | None = None

    @property
    def accepted(self) -> bool:
        """Whether the application accepted the socket (the ``101`` was written)."""
        return self._connection is not None

    # -- receiving ------------------------------------------------------------------

    async def receive(self) -> Message:
        """The next message from the client, awaited without blocking the loop."""
        early = self._before_frames()
        if early is not None:
            return early
        return self._taken(await self._inbox.get())

    def receive_sync(self) -> Message:
        """The next message from the client, blocking the calling thread."""
        early = self._before_frames()
        if early is not None:
            return early
        return self._taken(self._inbox.get_sync())

    def _before_frames(self) -> Message | None:
        """What ``receive`` answers without waiting for a frame, if anything."""
        if not self._connect_sent:
            self._connect_sent = True
            return {"type": "websocket.connect"}
        if self._last is not None:
            return self._last
        if self._connection is None:
            if self.refusal is not None or self.denial is not None:
                # As uvicorn answers once the application turned the handshake down.
                return {"type": "websocket.disconnect", "code": 1006, "reason": ""}
            raise RuntimeError(
                "receive() before accept(): nothing reads the client's frames until the "
                "socket is accepted"
            )
        return None

    def _taken(self, message: Message) -> Message:
        if message["type"] == "websocket.disconnect":
            self._last = message
        return message

    # -- sending --------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        """Hands one message to the client (see ``send_sync``).

        NOTE: the write happens on the loop's thread and blocks it until the kernel
        takes the bytes, which is at once unless the client stopped reading: harmless
        on a request thread's own loop, a stall for every socket on a loop that many
        requests share (there the request thread should do the writing).
        """
        self.send_sync(message)

    def send_sync(self, message: Message) -> None:
        """Hands one message to the client, from any thread.

        Raises:
            ConnectionResetError: a ``websocket.send`` after the client has gone.
            RuntimeError: a message that does not fit where the socket stands.
        """
        kind = message["type"]
        connection = self._connection
        if connection is not None:
            if kind == "websocket.send":
                text = message.get("text")
                if text is not None:
                    connection.write(TextMessage(data=text))
                else:
                    connection.write(BytesMessage(data=bytes(message["bytes"])))
            elif kind == "websocket.close":
                connection.close_by_application(
                    int(message.get("code") or 1000), message.get("reason") or ""
                )
            else:
                _unexpected(kind, "after accept")
            return
        if self.refusal is not None or (self.denial is not None and self.denial.complete):
            _unexpected(kind, "once the handshake was answered")
        if self.denial is not None:
            if kind != "websocket.http.response.body":
                _unexpected(kind, "during a denial response")
            self.denial.body += bytes(message.get("body", b""))
            self.denial.complete = not message.get("more_body", False)
        elif kind == "websocket.accept":
            self._connection = _Connection(
                self._environ,
                subprotocol=message.get("subprotocol"),
                headers=message.get("headers") or [],
                inbox=self._inbox,
                ping_interval=self._ping_interval,
                max_message_size=self._max_message_size,
            )
        elif kind == "websocket.close":
            self.refusal = Refusal(int(message.get("code") or 1000), message.get("reason") or "")
        elif kind == "websocket.http.response.start":
            self.denial = Denial(int(message["status"]), list(message.get("headers") or []))
        else:
            _unexpected(kind, "before accept")

    # -- what the view returns ------------------------------------------------------

    def response_before_accept(self) -> Response | None:
        """The HTTP answer to a socket never accepted: 403 for a refusal, the denial.

        ``None`` if the socket was accepted, or if the application answered nothing.
        """
        if self.refusal is not None:
            return _refused()
        return None if self.denial is None else _denied(self.denial)

    def response_after_hand_over(self) -> Response:
        """Ends the socket, then what the view returns to a server that handed it over.

        The socket gets a close frame (1000) if nobody closed it yet, the view waits
        (``close_timeout``) for the client's reply, then cuts the connection if it has
        not come. What the server is then given:

        - Werkzeug: an empty ``Response``. NOTE: Werkzeug writes its ``200`` header
          block onto the finished connection, harmless, and logs ``GET /path 200``; an
          iterable returned without ``start_response`` makes it log an
          ``AssertionError`` and a 500 (measured, design/websockets ``exp2_werkzeug``).
        - gunicorn (sync, gthread): a response whose call raises ``StopIteration``.
          NOTE: gunicorn takes that as "the application handled the connection" and
          closes it, logging only ``DEBUG Closing connection``; an empty ``Response``
          makes it log ``Socket error ... [Errno 9] Bad file descriptor``
          (measured, ``exp2_gthread``).
        - eventlet: its "already handled" marker; gevent: an empty iterable
          (both untested here).

        Raises:
            RuntimeError: the socket was never accepted.
        """
        connection = self._connection
        if connection is None:
            raise RuntimeError("the socket was never accepted: see response_before_accept()")
        connection.finish(self._close_timeout)
        base = _app_response_class()
        mode = connection.mode
        if mode == "werkzeug":
            return base()
        if mode == "gunicorn":
            return _handed_over(base, _handed_over_by_gunicorn)()
        if mode == "eventlet":
            return _handed_over(base, _handed_over_by_eventlet)()
        return _handed_over(base, _handed_over_elsewhere)()


def _unexpected(kind: str, where: str) -> NoReturn:
    raise RuntimeError(f"Unexpected ASGI message {kind!r} {where}.")


class _Connection(Server):  # type: ignore[misc]
    """simple-websocket's server, answering the handshake the application's way.

    Constructing it writes the ``101`` (with the application's subprotocol and extra
    headers, which ``Server`` cannot add) and starts the reader thread, which this
    class taps: each complete message goes to the channel's mailbox as it arrives,
    and the disconnect when the reader ends. Every write on the socket, the
    reader's (pongs, close replies) and the application's, goes through one lock.
    """

    sock: Any  # the handed-over socket, then the wrapper that serializes its writes

    def __init__(
        self,
        environ: Mapping[str, Any],
        *,
        subprotocol: str | None,
        headers: Iterable[tuple[bytes, bytes]],
        inbox: Mailbox[Message],
        ping_interval: float | None,
        max_message_size: int | None,
    ) -> None:
        # Set before ``Server.__init__``, which calls ``handshake`` and starts the reader.
        self._chosen = subprotocol
        self._extra_headers = list(headers)
        self._inbox = inbox
        self._write_lock = threading.Lock()
        self.closed_by_application = False
        self.raw: socket.socket | None = None
        super().__init__(
            environ,
            ping_interval=ping_interval,
            max_message_size=max_message_size,
            thread_class=lambda target: _Reader(target, self._reader_ended),
            event_class=lambda: _Doorbell(self._frames_arrived),
        )

    def handshake(self) -> None:
        """Answers the client's handshake with the application's choices."""
        self.raw = self.sock
        self.sock = _SerialSocket(self.sock, self._write_lock)
        self.ws.receive_data(_request_head(self.environ))
        request = next(self.ws.events(), None)
        if not isinstance(request, Request):
            raise ConnectionError(f"not a WebSocket handshake: {request!r}")
        accept = AcceptConnection(
            subprotocol=self._chosen,
            extensions=[PerMessageDeflate()],
            extra_headers=self._extra_headers,
        )
        self.sock.send(self.ws.send(accept))
        self.subprotocol = self._chosen
        self.connected = True

    def write(self, event: Event) -> None:
        """Writes one message frame.

        Raises:
            ConnectionResetError: the client has gone, or either side closed.
        """
        with self._write_lock:
            if not self.connected or self.ws.state is not _OPEN:
                raise ConnectionResetError("the WebSocket client has gone")
            try:
                data = self.ws.send(event)
            except LocalProtocolError as exc:  # closed by the reader meanwhile
                raise ConnectionResetError("the WebSocket client has gone") from exc
            self._sendall(data)

    def close_by_application(self, code: int, reason: str) -> None:
        """Sends the application's close frame; nothing if the connection is over."""
        with self._write_lock:
            if not self.connected or self.ws.state is not _OPEN:
                return  # as websockets' close() after the peer's: nothing left to say
            self.closed_by_application = True
            data = self.ws.send(CloseConnection(code=code, reason=reason))
            with contextlib.suppress(OSError):
                self._sendall(data)

    def finish(self, timeout: float) -> None:
        """Closes the socket (1000) if nobody did, and waits for the reader to end."""
        self.close_by_application(1000, "")
        self.thread.join(timeout)
        if self.thread.is_alive() and self.raw is not None:
            # The client never replied to the close frame: cut the connection, which
            # ends the reader's recv().
            with contextlib.suppress(OSError):
                self.raw.shutdown(socket.SHUT_RDWR)
            self.thread.join(timeout)

    def _sendall(self, data: bytes) -> None:
        assert self.raw is not None
        self.raw.sendall(data)

    # -- on the reader thread -------------------------------------------------------

    def _frames_arrived(self) -> None:
        """Moves the messages simple-websocket buffered to the mailbox, in order."""
        buffer = self.input_buffer
        while buffer:
            data = buffer.pop(0)
            if isinstance(data, str):
                self._inbox.put({"type": "websocket.receive", "text": data})
            else:
                self._inbox.put({"type": "websocket.receive", "bytes": bytes(data)})

    def _reader_ended(self) -> None:
        """Posts the last messages, then the disconnect, with the code that ended it."""
        self._frames_arrived()
        code, reason = self._ending()
        self._inbox.put({"type": "websocket.disconnect", "code": code, "reason": reason})

    def _ending(self) -> tuple[int, str]:
        state = self.ws.state
        if state in _CLOSED_BY_CLIENT and not self.closed_by_application:
            return int(self.close_reason), self.close_message or ""
        if self.closed_by_application:
            # NOTE: simple-websocket keeps no code for the reply to our close frame (its
            # own reply to it fails in wsproto's CLOSED state); 1005 is what uvicorn
            # reports to a receive after the application closed.
            return (1005, "") if state is ConnectionState.CLOSED else (1006, "")
        limit = self.max_message_size
        if limit and self.incoming_message_len > limit:
            return 1009, "Message is too big"
        # NOTE: a connection that ended without a close frame leaves simple-websocket's
        # close_reason at 1005 (measured: a client that shuts its TCP down); RFC 6455
        # and the ASGI servers call that 1006.
        return 1006, ""


class _SerialSocket:
    """The handed-over socket as simple-websocket's reader sees it: writes under a lock."""

    def __init__(self, sock: socket.socket, lock: threading.Lock) -> None:
        self._sock = sock
        self._lock = lock

    def recv(self, size: int) -> bytes:
        return self._sock.recv(size)

    def send(self, data: bytes) -> int:
        # NOTE: simple-websocket calls send(), which may write part of the bytes;
        # sendall() writes them all, and the lock keeps frames whole between threads.
        with self._lock:
            self._sock.sendall(data)
        return len(data)

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        # NOTE: the reader closes the socket when the conversation ends, but on Werkzeug
        # the request's buffered reader and writer still hold it open, and Werkzeug,
        # once the view returns, drains what the client sent last with a blocking read:
        # a close reply the reader never read (after it closed for a too-big message)
        # kept the connection open until the client gave up (measured: 5 s, the
        # client's timeout). Shutting it down ends the TCP connection here and then.
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


class _Doorbell(threading.Event):
    """simple-websocket's wake-up event, which also tells the connection frames came."""

    def __init__(self, ring: Callable[[], None]) -> None:
        super().__init__()
        self._ring = ring

    def set(self) -> None:
        super().set()
        self._ring()


class _Reader(threading.Thread):
    """simple-websocket's reader thread, which tells the connection when it ends."""

    def __init__(self, target: Callable[[], None], ended: Callable[[], None]) -> None:
        # A daemon: a reader stuck on a silent client must not keep the process alive.
        super().__init__(target=target, daemon=True)
        self._ended = ended

    def run(self) -> None:
        try:
            super().run()
        finally:
            self._ended()


def _request_head(environ: Mapping[str, Any]) -> bytes:
    """The client's handshake request, rebuilt from the environ for wsproto to read."""
    lines = [b"GET / HTTP/1.1"]
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-")
            # WSGI carries header values as latin-1 strings
            lines.append(f"{name}: {value}".encode("latin-1"))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _refused() -> Response:
    """The answer to a socket closed before ``accept``: an empty 403, as uvicorn's."""
    response = _app_response_class()(status=403)
    del response.headers["Content-Type"]
    return response


def _denied(denial: Denial) -> Response:
    """The application's HTTP answer to the handshake, as a response of the app's class."""
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in denial.headers]
    response = _app_response_class()(denial.body, status=denial.status, headers=headers)
    if not any(name.lower() == "content-type" for name, _ in headers):
        del response.headers["Content-Type"]
    return response


def _app_response_class() -> type[Response]:
    """The response class of the app serving this request (Flask's, outside one)."""
    if flask.has_app_context():
        return flask.current_app.response_class
    return flask.Response


def _handed_over_by_gunicorn(environ: Any, start_response: Any) -> NoReturn:
    # gunicorn takes StopIteration as "the application handled the connection".
    raise StopIteration


def _handed_over_by_eventlet(environ: Any, start_response: Any) -> Any:
    from eventlet import wsgi  # type: ignore[import-not-found]

    local = getattr(wsgi, "WSGI_LOCAL", None)
    if local is not None:
        local.already_handled = True
    return getattr(wsgi, "ALREADY_HANDLED", [])


def _handed_over_elsewhere(environ: Any, start_response: Any) -> Any:
    return []


#: The hand-over classes made so far, by response class and WSGI call.
_HANDED_OVER: dict[tuple[type[Response], Callable[[Any, Any], Any]], type[Response]] = {}


def _handed_over(base: type[Response], call: Callable[[Any, Any], Any]) -> type[Response]:
    """A subclass of the app's response class whose WSGI call is ``call``, made once.

    NOTE: a subclass of the app's own class, made once per class: Flask coerces a
    view's response of any other class with ``force_type``, which reassigns its
    ``__class__`` and so drops an overridden ``__call__`` (measured: gunicorn then
    wrote headers on the closed socket and logged ``[Errno 9] Bad file descriptor``
    for every socket).
    """

    made = _HANDED_OVER.get((base, call))
    if made is None:

        def __call__(self: Response, environ: Any, start_response: Any) -> Any:
            return call(environ, start_response)

        made = type(f"HandedOver{base.__name__}", (base,), {"__call__": __call__})
        _HANDED_OVER[base, call] = made  # two threads may both make one: either will do
    return made


def open_channel(environ: Mapping[str, Any]) -> HandOverChannel | InMemoryChannel:
    """The socket of this upgrade request: the test client's in-memory one, else the one
    the server hands over.

    Raises:
        HandOverError: the server cannot hand a socket over (``HAND_OVER_ERROR``).
    """
    in_memory = environ.get("dualweb.websocket")
    if in_memory is not None:
        return InMemoryChannel(in_memory)
    return HandOverChannel(environ, max_message_size=MAX_MESSAGE_SIZE)


class InMemoryChannel:
    """The test client's in-memory socket (``environ["dualweb.websocket"]``, made by
    ``dualweb.testing``: its ``to_app`` Mailbox, its ``to_client`` queue, and ``gone``
    once the client has closed), with ``HandOverChannel``'s answers to the view."""

    denial_supported = True

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.accepted = False
        self.denial: Denial | None = None

    async def receive(self) -> Message:
        message: Message = await self.socket.to_app.get()
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if self.socket.gone:
            if kind == "websocket.close":
                return  # (nobody is there to read it)
            raise ConnectionResetError("the client has closed the socket")
        if kind == "websocket.accept":
            self.accepted = True
        elif kind == "websocket.http.response.start":
            self.denial = Denial(int(message["status"]), list(message.get("headers") or []))
        elif kind == "websocket.http.response.body" and self.denial is not None:
            self.denial.body += message.get("body", b"")
        self.socket.to_client.put(dict(message))

    def response_before_accept(self) -> Response | None:
        """The denial as a response, an empty 403 for any other socket never accepted."""
        if self.accepted:
            return None
        return _refused() if self.denial is None else _denied(self.denial)

    def response_after_hand_over(self) -> Response:
        return _app_response_class()()

"""The server process of ``test_flask_sockets_channel``: ``python _flask_sockets_server.py SERVER``.

A raw Flask app (no dualweb routing) whose socket views build a
``HandOverChannel`` and drive it with scripted handlers, blocking or awaited
(``?mode=sync|async``). What the handlers saw is kept in memory and served as
JSON by ``GET /seen``. SERVER is ``werkzeug`` (Werkzeug's threaded server) or
``gthread`` (gunicorn's threaded worker, with threads enough for the tests'
concurrent sockets). The server listens on a free port of 127.0.0.1, which it
prints on its first line of output.
"""

import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, jsonify, request
from werkzeug.wrappers import Response

from dualweb._core.concurrency import drive, run_on_thread_loop
from dualweb._flask_sockets import HandOverChannel
from dualweb.websockets import WebSocket
from tests._servers import listening_socket, run_werkzeug

#: gunicorn gthread's threads: one per open socket (the WSGI thread it blocks), and spares.
GTHREAD_THREADS = 32

app = Flask(__name__)
_lock = threading.Lock()
SEEN: dict[str, Any] = {}


def seen(tag: str, **facts: Any) -> None:
    with _lock:
        SEEN.setdefault(tag, {}).update(facts)


class Blocking:
    """The channel's blocking twins behind an async face: a script awaiting them never
    suspends, so ``drive`` runs it on the WSGI thread with no event loop at all."""

    def __init__(self, channel: HandOverChannel) -> None:
        self.channel = channel

    async def receive(self) -> dict[str, Any]:
        return dict(self.channel.receive_sync())

    async def send(self, message: dict[str, Any]) -> None:
        self.channel.send_sync(message)


def serve(script: Any) -> Response:
    """Runs ``script(io, tag)`` on a channel for this request, then answers the server."""
    limit = request.args.get("max_message_size")
    channel = HandOverChannel(request.environ, max_message_size=int(limit) if limit else None)
    tag = request.args.get("tag", "")
    if request.args.get("mode") == "async":
        run_on_thread_loop(script(channel, tag))
    else:
        drive(script(Blocking(channel), tag))
    connection = channel._connection
    if connection is not None:  # a measurement: what simple-websocket itself reports
        seen(tag, simple_websocket_close_reason=int(connection.close_reason))
    early = channel.response_before_accept()
    if early is not None:
        return early
    return channel.response_after_hand_over()


async def until_disconnect(io: Any, tag: str) -> None:
    while True:
        message = await io.receive()
        if message["type"] == "websocket.disconnect":
            seen(tag, code=message["code"], reason=message.get("reason"))
            return


async def echo(io: Any, tag: str) -> None:
    await io.receive()
    await io.send({"type": "websocket.accept"})
    while True:
        message = await io.receive()
        if message["type"] == "websocket.disconnect":
            seen(tag, code=message["code"], reason=message["reason"])
            break
        if message.get("text") is not None:
            await io.send({"type": "websocket.send", "text": message["text"]})
        else:
            await io.send({"type": "websocket.send", "bytes": message["bytes"]})
    try:
        await io.send({"type": "websocket.send", "text": "too late"})
    except OSError as exc:
        seen(tag, send_after_gone=type(exc).__name__)
    else:
        seen(tag, send_after_gone=None)
    seen(tag, threads=threading.active_count())


async def server_closes(io: Any, tag: str) -> None:
    await io.receive()
    await io.send({"type": "websocket.accept"})
    await io.send({"type": "websocket.send", "text": "closing"})
    await io.send({"type": "websocket.close", "code": 4001, "reason": "bye"})
    await until_disconnect(io, tag)


async def leaves(io: Any, tag: str) -> None:
    """Accepts, says hello and returns without closing: the channel must close (1000)."""
    await io.receive()
    await io.send({"type": "websocket.accept"})
    await io.send({"type": "websocket.send", "text": "hello"})
    seen(tag, left=True)


async def core(io: Any, tag: str) -> None:
    """The core's state machine over the channel: the SocketIO the host will hand it."""
    websocket = WebSocket(io)
    await websocket.accept()
    try:
        async for text in websocket.iter_text():
            await websocket.send_json({"got": text})
    finally:
        seen(tag, client_state=websocket.client_state.name)
    await websocket.close(4002, "done")


async def protocols(io: Any, tag: str) -> None:
    await io.receive()
    offered = request_subprotocols()
    await io.send(
        {
            "type": "websocket.accept",
            "subprotocol": offered[-1],
            "headers": [(b"x-dualweb", b"hand-over")],
        }
    )
    await io.send({"type": "websocket.send", "text": ",".join(offered)})
    await until_disconnect(io, tag)


def request_subprotocols() -> list[str]:
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    return [name.strip() for name in header.split(",") if name.strip()]


async def refuse(io: Any, tag: str) -> None:
    await io.receive()
    await io.send({"type": "websocket.close", "code": 1008, "reason": "not you"})
    after = await io.receive()
    seen(tag, after_refusal=after)


async def deny(io: Any, tag: str) -> None:
    await io.receive()
    headers = [
        (b"content-type", b"application/json"),
        (b"www-authenticate", b"Bearer"),
    ]
    await io.send({"type": "websocket.http.response.start", "status": 401, "headers": headers})
    await io.send(
        {"type": "websocket.http.response.body", "body": b'{"detail":', "more_body": True}
    )
    await io.send({"type": "websocket.http.response.body", "body": b'"Not authenticated"}'})
    seen(tag, denied=True)


for name, script in {
    "echo": echo,
    "server-closes": server_closes,
    "leaves": leaves,
    "core": core,
    "protocols": protocols,
    "refuse": refuse,
    "deny": deny,
}.items():
    app.add_url_rule(
        f"/{name}",
        endpoint=name,
        view_func=lambda script=script: serve(script),
        websocket=True,
    )


@app.get("/seen")
def show_seen() -> Any:
    with _lock:
        readers = sum("simple_websocket" in thread.name for thread in threading.enumerate())
        return jsonify(seen=SEEN, threads=threading.active_count(), readers=readers)


@app.get("/plain")
def plain() -> str:
    return "plain"


def run_gthread(sock: Any) -> None:
    """gunicorn's gthread worker on ``sock``, with ``GTHREAD_THREADS`` threads."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", [f"fd://{sock.fileno()}"])
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", GTHREAD_THREADS)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 5)
            self.cfg.set("loglevel", "info")

        def load(self) -> Any:
            return app

    Server().run()


def main(server: str) -> None:
    sock = listening_socket()
    print(sock.getsockname()[1], flush=True)
    if server == "werkzeug":
        run_werkzeug(app, sock)
    else:
        run_gthread(sock)


if __name__ == "__main__":
    main(sys.argv[1])

"""Experiment 2: a tiny flask-sock-like app (sync handler via flask_sock; async handler bridged to
simple-websocket's blocking calls by a thread-safe event, on the WSGI thread's own loop)."""
import asyncio, threading, time, json, os
from flask import Flask, request, Response, jsonify
from flask_sock import Sock
import simple_websocket
from simple_websocket import Server, ConnectionClosed

app = Flask(__name__)
sock = Sock(app)
LOG = []
ACTIVE = {"n": 0, "max": 0}
lock = threading.Lock()

def log(*a):
    with lock: LOG.append(" ".join(map(str, a)))

@app.get("/info")
def info():
    e = request.environ
    return jsonify(server=e.get("SERVER_SOFTWARE"), werkzeug_socket="werkzeug.socket" in e,
                   gunicorn_socket="gunicorn.socket" in e, threads=threading.active_count(),
                   keys=sorted(k for k in e if not k.startswith("HTTP_")), log=LOG, active=ACTIVE)

@sock.route("/echo")
def echo(ws):
    with lock: ACTIVE["n"] += 1; ACTIVE["max"] = max(ACTIVE["max"], ACTIVE["n"])
    try:
        while True:
            m = ws.receive()
            ws.send("echo:" + m)
    except ConnectionClosed as e:
        log("echo closed", ws.close_reason, repr(ws.close_message), "threads", threading.active_count())
        raise
    finally:
        with lock: ACTIVE["n"] -= 1

@app.route("/deny", websocket=True)
def deny():
    # "close before accept": answer HTTP 403 and never upgrade
    return Response(status=403)

class BridgedEvent(threading.Event):
    """simple-websocket's reader thread sets it; it also wakes a waiter on an asyncio loop."""
    def __init__(self):
        super().__init__(); self.loop = None; self.async_event = None
    def set(self):
        super().set()
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.async_event.set)

async def areceive(ws):
    ev = ws.event
    while True:
        ev.async_event.clear()
        if ws.input_buffer:
            return ws.input_buffer.pop(0)
        if not ws.connected:
            raise ConnectionClosed(ws.close_reason, ws.close_message)
        await ev.async_event.wait()

async def async_echo_handler(ws):
    n = 0
    try:
        while True:
            m = await areceive(ws)
            ws.send("aecho:" + m); n += 1
    except ConnectionClosed:
        log("async echo closed", ws.close_reason, "after", n)

_local = threading.local()
def thread_loop():
    loop = getattr(_local, "loop", None)
    if loop is None:
        loop = _local.loop = asyncio.new_event_loop()
    return loop

def finish(ws):
    class WebSocketResponse(Response):
        def __call__(self, environ, start_response):
            if ws.mode == "gunicorn":
                raise StopIteration()
            return super().__call__(environ, start_response)
    return WebSocketResponse()

@app.route("/async-echo", websocket=True)
def async_echo():
    loop = thread_loop()
    ev_holder = {}
    def make_event():
        ev = BridgedEvent(); ev.loop = loop; ev.async_event = asyncio.Event()
        return ev
    ws = Server(request.environ, event_class=make_event)
    loop.run_until_complete(async_echo_handler(ws))
    try: ws.close()
    except Exception: pass
    return finish(ws)

@app.route("/mode", websocket=True)
def mode():
    """Which after-return the server tolerates: ?after=werkzeug|stop|empty|response"""
    after = request.args.get("after", "flasksock")
    ws = Server(request.environ)
    ws.send(ws.mode)
    try: ws.close()
    except Exception: pass
    if after == "join":
        ws.thread.join(5)
        return Response()
    if after == "dropped":
        ws.thread.join(5)
        class D(Response):
            def __call__(self, environ, start_response):
                raise ConnectionAbortedError("websocket handed over")
        return D()
    if after == "empty":
        return Response(b"")  # normal 200 response written to a closed socket
    if after == "iter":
        class R(Response):
            def __call__(self, environ, start_response): return []
        return R()
    return finish(ws)

from wsproto.events import CloseConnection
class GracefulServer(Server):
    """close() sends the close frame but leaves the reader running until the peer's close
    reply arrives (or a timeout), so the socket is not closed with unread data (RST)."""
    def close(self, reason=None, message=None, timeout=5.0):
        if not self.connected:
            raise ConnectionClosed(self.close_reason, self.close_message)
        try:
            self.sock.send(self.ws.send(CloseConnection(reason or 1000, message)))
        except OSError:
            self.connected = False
            return
        self.thread.join(timeout)   # the reader ends on the peer's close reply
        self.connected = False

@app.route("/quick", websocket=True)
def quick():
    cls = GracefulServer if request.args.get("graceful") else Server
    ws = cls(request.environ)
    ws.send("hi")
    ws.close(4002, "done")
    ws.thread.join(5)
    return finish(ws)

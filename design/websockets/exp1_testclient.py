"""Experiment 1a: native FastAPI 0.165 through Starlette's TestClient.websocket_connect."""
import sys; sys.path.insert(0, "/tmp/ws-study")
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
import fa_app

c = TestClient(fa_app.app)
def probe(name, fn):
    fa_app.LOG.clear()
    try:
        r = fn()
        print(f"{name}: OK {r!r}")
    except BaseException as e:
        extra = f" code={getattr(e,'code',None)} reason={getattr(e,'reason',None)!r}" if isinstance(e, WebSocketDisconnect) else ""
        print(f"{name}: RAISED {type(e).__module__}.{type(e).__name__}: {str(e)[:200]}{extra}")
    if fa_app.LOG: print("   log:", fa_app.LOG)

def echo():
    with c.websocket_connect("/echo") as ws:
        ws.send_text("a"); r = ws.receive_text()
    return r
probe("echo (client leaves with)", echo)
def echo_close():
    with c.websocket_connect("/echo") as ws:
        ws.send_text("a"); ws.receive_text(); ws.close(code=4000, reason="bye")
probe("echo close 4000", echo_close)
def items():
    with c.websocket_connect("/items/3?q=5", headers={"x-token": "t"}, cookies={"session": "s"}) as ws:
        return ws.receive_json()
probe("items ok", items)
def items_bad():
    with c.websocket_connect("/items/abc?q=x") as ws:
        return ws.receive_json()
probe("items invalid", items_bad)
def dep():
    with c.websocket_connect("/dep") as ws:
        ws.send_text("1"); r = ws.receive_text()
    return r
probe("dep", dep)
def dep_raise():
    with c.websocket_connect("/dep-raise") as ws:
        pass
probe("dep-raise", dep_raise)
for path in ["/raise-before", "/raise-after", "/wsexc-before", "/wsexc-after", "/http-before", "/http-after",
             "/bearer", "/sync", "/close-before", "/return-noclose"] + sys.argv[1:]:
    def f(path=path):
        with c.websocket_connect(path) as ws:
            return ws.receive()
    probe(path, f)
def bearer_ok():
    with c.websocket_connect("/bearer", headers={"authorization": "Bearer abc"}) as ws:
        return ws.receive_text()
probe("bearer ok", bearer_ok)
def js():
    with c.websocket_connect("/json", subprotocols=["x", "chat"]) as ws:
        ws.send_json({"a": 1}); r = ws.receive_json()
        return r, ws.accepted_subprotocol, ws.extra_headers
probe("json", js)
def rbt():
    with c.websocket_connect("/receive-bytes-on-text") as ws:
        ws.send_text("t"); return ws.receive()
probe("receive_bytes on text", rbt)
def nomatch():
    with c.websocket_connect("/nope") as ws:
        return ws.receive()
probe("no route", nomatch)

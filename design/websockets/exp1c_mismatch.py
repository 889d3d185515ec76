"""Experiment 1c: HTTP GET on a websocket path, websocket on an HTTP path (native FastAPI, and Werkzeug rules)."""
import sys; sys.path.insert(0, "/tmp/ws-study")
from fastapi.testclient import TestClient
import fa_app
from fastapi import WebSocketDisconnect
c = TestClient(fa_app.app)
r = c.get("/echo"); print("FastAPI GET /echo (ws route):", r.status_code, r.text)
try:
    with c.websocket_connect("/log") as ws: ws.receive()
except WebSocketDisconnect as e: print("FastAPI ws to GET route /log:", "WebSocketDisconnect", e.code, repr(e.reason))
import flask
app = flask.Flask("x")
app.add_url_rule("/ws", "ws", lambda: "view", websocket=True)
app.add_url_rule("/http", "http", lambda: "http")
t = app.test_client()
print("Flask GET /ws (websocket rule):", t.get("/ws").status_code)
up = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"}
print("Flask upgrade /http (http rule):", t.get("/http", headers=up).status_code)
print("Flask upgrade /ws:", t.get("/ws", headers=up).status_code, t.get("/ws", headers=up).text)

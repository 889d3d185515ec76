"""CORS as each framework's own tool gives it, for dualweb routes: Flask-CORS on Flask,
Starlette's CORSMiddleware on FastAPI and Starlette, with a browser's preflight."""

import flask
import flask_cors
from starlette.middleware.cors import CORSMiddleware

from dualweb import Router
from dualweb.testing import build_app, client_for_app

ORIGIN = "https://app.example"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def router():
    router = Router()

    @router.put("/notes/{note_id}")
    def replace(note_id: int, body: dict) -> dict:
        return {"id": note_id, **body}

    return router


def app_with_cors(host):
    app = build_app(router(), host)
    if isinstance(app, flask.Flask):
        flask_cors.CORS(app, origins=[ORIGIN])
    else:
        app.add_middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_methods=["*"],
                           allow_headers=["*"])  # fmt: skip
    return app


def test_a_preflight_then_the_request(host):
    client = client_for_app(app_with_cors(host))
    preflight = client.options("/notes/7", headers=PREFLIGHT)
    assert preflight.status_code == 200  # a browser refuses a preflight that is not "ok"
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    answer = client.put("/notes/7", json={"text": "hi"}, headers={"Origin": ORIGIN})
    assert answer.json() == {"id": 7, "text": "hi"}
    assert answer.headers["access-control-allow-origin"] == ORIGIN


def test_another_origin_gets_no_cors_headers(host):
    client = client_for_app(app_with_cors(host))
    answer = client.put("/notes/7", json={}, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers

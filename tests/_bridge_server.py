"""A bridge under a real server, for ``test_bridge``: ``python _bridge_server.py FRONT DIR [N]``.

FRONT is ``asgi-front`` (a FastAPI primary in front of a Flask fallback, under uvicorn,
root path ``/mount``) or ``wsgi-front`` (a Flask primary in front of a FastAPI fallback,
under gunicorn's gthread worker, ``SCRIPT_NAME=/mount``). DIR receives marker files: the
ASGI app's lifespan startup and shutdown, and the end of the slow streams. THREADS is the
bridge's ``threads`` (N). The server prints its port on its first line of output.

Both sides have the same paths with the same meaning: the primary answers ``/new``,
``/owned-404`` (its handler's own 404), ``POST /only-post`` and a dualweb Router at
``/dw-new``; the fallback answers ``/old``, ``/echo/...``, ``/upload``, ``/stream``,
``/slow``, ``/block``, ``/pid``, a dualweb Router at ``/dw-old``, and also ``/owned-404``
and ``GET /only-post`` with a 200, which must never be reached through the bridge.
"""

import asyncio
import hashlib
import os
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dualweb import HTTPException, Router
from dualweb.bridge import SplitPathWarning, combine
from tests._helpers import released_chunks, released_chunks_async, wait_for_file
from tests._servers import listening_socket, run_gunicorn, run_uvicorn

ROOT = "/mount"
SLOW_LIMIT = 30.0  # a slow stream that nobody stops ends after this long
CHUNK = 64 * 1024


def dualweb_router(side: str) -> Router:
    router = Router()

    @router.get("/hello/{name}")
    def hello(name: str, shout: bool = False) -> dict:
        return {"side": side, "hello": name.upper() if shout else name}

    @router.get("/missing")
    def missing() -> dict:
        raise HTTPException(404, detail=f"{side} dualweb route says no")

    return router


class Concurrency:
    """How many requests ran at once, at most."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.threads: set[str] = set()

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.threads.add(threading.current_thread().name)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


# --- Flask --------------------------------------------------------------------------------


def flask_app(role: str, markers: Path) -> Any:
    import flask

    from dualweb.flask import mount

    app = flask.Flask("bridge_" + role, static_folder=None)
    if role == "primary":

        @app.get("/new")
        def new():
            return {"served_by": "flask"}

        @app.get("/owned-404")
        def owned_404():
            return {"detail": "the primary's handler says 404"}, 404

        @app.post("/only-post")
        def only_post():
            return {"posted": True}

        mount(app, dualweb_router("flask"), prefix="/dw-new")
        return app

    concurrency = Concurrency()

    @app.get("/old")
    def old():
        return {"served_by": "flask"}

    @app.get("/owned-404")
    def shared_404():
        return {"served_by": "flask fallback, wrongly"}

    @app.get("/only-post")
    def shared_only_post():
        return {"served_by": "flask fallback, wrongly"}

    @app.route("/echo/<path:rest>", methods=["GET", "POST", "PUT"])
    def echo(rest):
        request = flask.request
        response = flask.jsonify(
            served_by="flask",
            method=request.method,
            rest=rest,
            path=request.path,
            root_path=request.script_root,
            raw_path=request.environ.get("RAW_URI") or request.environ["PATH_INFO"],
            query_string=request.query_string.decode("latin-1"),
            query=[list(pair) for pair in request.args.items(multi=True)],
            headers={
                k.lower(): v for k, v in request.headers.items() if k.lower().startswith("x-")
            },
            cookies=dict(request.cookies),
            body=request.get_data(as_text=True),
        )
        response.headers["X-Echo"] = "one"
        response.headers.add("X-Echo", "two")
        response.set_cookie("first", "1", path="/")
        response.set_cookie("second", "2 and more", httponly=True)
        response.status_code = 203
        return response

    @app.post("/upload")
    def upload():
        digest = hashlib.sha256()
        size = 0
        stream = flask.request.stream
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        return {"size": size, "sha256": digest.hexdigest()}

    @app.get("/stream")
    def stream():
        return flask.Response(released_chunks(flask.request.args["release"]), mimetype="text/plain")

    @app.get("/slow")
    def slow():
        name = flask.request.args["name"]

        def chunks():
            started = time.monotonic()
            sent = 0
            try:
                while time.monotonic() - started < SLOW_LIMIT:
                    yield b"tick %d\n" % sent
                    sent += 1
                    time.sleep(0.05)
            finally:
                (markers / f"slow-{name}").write_text(
                    f"{sent} {time.monotonic() - started:.2f} {threading.current_thread().name}"
                )

        return flask.Response(chunks(), mimetype="text/plain")

    @app.get("/block")
    def block():
        concurrency.enter()
        try:
            wait_for_file(flask.request.args["release"])
        finally:
            concurrency.leave()
        return {"peak": concurrency.peak, "threads": len(concurrency.threads)}

    @app.get("/peak")
    def peak():
        return {"peak": concurrency.peak, "threads": sorted(concurrency.threads)}

    @app.get("/pid")
    def pid():
        return {"pid": os.getpid()}

    mount(app, dualweb_router("flask"), prefix="/dw-old")
    return app


# --- FastAPI ------------------------------------------------------------------------------


def fastapi_app(role: str, markers: Path) -> Any:
    import contextlib

    import fastapi
    from fastapi.responses import JSONResponse, StreamingResponse

    from dualweb.fastapi import mount

    @contextlib.asynccontextmanager
    async def lifespan(app: Any):
        (markers / "startup").write_text(str(os.getpid()))
        yield {"started_by": "lifespan"}
        (markers / "shutdown").write_text(str(os.getpid()))

    app = fastapi.FastAPI(lifespan=lifespan)
    if role == "primary":
        included = fastapi.APIRouter()

        @included.get("/new")
        def new(request: fastapi.Request):
            return {
                "served_by": "fastapi",
                "started": (markers / "startup").exists(),
                "state": request.state.started_by,
                "root_path": request.scope.get("root_path"),
            }

        @included.get("/owned-404")
        def owned_404():
            raise fastapi.HTTPException(404, "the primary's handler says 404")

        @included.post("/only-post")
        def only_post():
            return {"posted": True}

        app.include_router(included)
        mount(app, dualweb_router("fastapi"), prefix="/dw-new")
        return app

    @app.get("/old")
    def old(request: fastapi.Request):
        return {
            "served_by": "fastapi",
            "started": (markers / "startup").exists(),
            "state": request.state.started_by,
        }

    @app.get("/owned-404")
    def shared_404():
        return {"served_by": "fastapi fallback, wrongly"}

    @app.get("/only-post")
    def shared_only_post():
        return {"served_by": "fastapi fallback, wrongly"}

    @app.api_route("/echo/{rest:path}", methods=["GET", "POST", "PUT"])
    async def echo(rest: str, request: fastapi.Request):
        body = await request.body()
        root_path = request.scope.get("root_path", "")
        response = JSONResponse(
            {
                "served_by": "fastapi",
                "method": request.method,
                "rest": rest,
                "path": request.url.path[len(root_path) :],
                "root_path": root_path,
                "query_string": request.scope["query_string"].decode("latin-1"),
                "query": [list(pair) for pair in request.query_params.multi_items()],
                "headers": {k: v for k, v in request.headers.items() if k.startswith("x-")},
                "cookies": dict(request.cookies),
                "body": body.decode(),
            },
            status_code=203,
        )
        response.headers.append("X-Echo", "one")
        response.headers.append("X-Echo", "two")
        response.set_cookie("first", "1", path="/")
        response.set_cookie("second", "2 and more", httponly=True)
        return response

    @app.post("/upload")
    async def upload(request: fastapi.Request):
        digest = hashlib.sha256()
        size = 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return {"size": size, "sha256": digest.hexdigest()}

    @app.get("/stream")
    async def stream(release: str):
        return StreamingResponse(released_chunks_async(release), media_type="text/plain")

    @app.get("/slow")
    async def slow(name: str):
        async def chunks():
            started = time.monotonic()
            sent = 0
            try:
                while time.monotonic() - started < SLOW_LIMIT:
                    yield b"tick %d\n" % sent
                    sent += 1
                    await asyncio.sleep(0.05)
            finally:
                (markers / f"slow-{name}").write_text(f"{sent} {time.monotonic() - started:.2f}")

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/pid")
    def pid():
        return {"pid": os.getpid()}

    mount(app, dualweb_router("fastapi"), prefix="/dw-old")
    return app


# --- servers ------------------------------------------------------------------------------


def main(front: str, markers: Path, threads: int) -> None:
    # The fallback's GET /only-post is split from the primary's POST on purpose: the test
    # shows the primary's 405 where combine warns of it.
    warnings.simplefilter("ignore", SplitPathWarning)
    sock = listening_socket()
    if front == "asgi-front":
        app = combine(
            fastapi_app("primary", markers), flask_app("fallback", markers), threads=threads
        )
        print(sock.getsockname()[1], flush=True)
        run_uvicorn(app, sock, lifespan="on", root_path=ROOT)
    elif front == "wsgi-front":
        os.environ["SCRIPT_NAME"] = ROOT  # gunicorn's root path
        app = combine(
            flask_app("primary", markers), fastapi_app("fallback", markers), threads=threads
        )
        print(sock.getsockname()[1], flush=True)
        run_gunicorn(app, sock)
    else:
        raise SystemExit(f"unknown front {front!r}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 10)

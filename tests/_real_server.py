"""A server process for ``test_real_servers``: ``python _real_server.py SERVER``.

SERVER is one of ``SERVERS``: Flask under Werkzeug's threaded server or under
gunicorn's threaded worker (gthread), FastAPI or Starlette under uvicorn. The
server listens on a free port of 127.0.0.1, which it prints on its first line
of output. It runs alone in its process so that the test can read the server's
own memory from ``/proc``.
"""

import hashlib
import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dualweb import Router, UploadFile
from dualweb.responses import StreamingResponse
from dualweb.testing import build_app
from tests._helpers import released_chunks, released_chunks_async

#: The server names, and the host each one serves.
SERVERS = {
    "flask-werkzeug": "flask",
    "flask-gunicorn": "flask",
    "fastapi-uvicorn": "fastapi",
    "starlette-uvicorn": "starlette",
}
CHUNK = 1024 * 1024
LIMIT = 1024 * 1024

router = Router()


@router.get("/ping")
def ping() -> dict:
    return {"ok": True}


# A streaming response yields its first chunk, then waits until the test
# creates the file ``release`` names: the rest cannot be sent before.


@router.get("/stream-sync")
def stream_sync(release: str):
    return StreamingResponse(released_chunks(release), media_type="text/plain")


@router.get("/stream-async")
async def stream_async(release: str):
    return StreamingResponse(released_chunks_async(release), media_type="text/plain")


# Uploads are read in chunks; the answer tells their size and checksum.


@router.post("/upload")
async def upload(file: UploadFile) -> dict:
    digest = hashlib.sha256()
    size = 0
    while chunk := await file.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest(), "filename": file.filename}


@router.post("/upload-sync")
def upload_sync(file: UploadFile) -> dict:
    digest = hashlib.sha256()
    size = 0
    while chunk := file.file.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest(), "filename": file.filename}


@router.post("/limited", max_body_size=LIMIT)
async def limited(file: UploadFile) -> dict:
    return {"size": file.size}


def _gunicorn(app: Any, sock: socket.socket) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", [f"fd://{sock.fileno()}"])
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 2)
            self.cfg.set("loglevel", "warning")

        def load(self) -> Any:
            return app

    Server().run()


def main(server: str) -> None:
    app = build_app(router, SERVERS[server])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    print(sock.getsockname()[1], flush=True)
    if server == "flask-werkzeug":
        from werkzeug.serving import make_server

        make_server("127.0.0.1", 0, app, threaded=True, fd=sock.fileno()).serve_forever()
    elif server == "flask-gunicorn":
        _gunicorn(app, sock)
    else:
        import uvicorn

        config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False, ws="none")
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1])

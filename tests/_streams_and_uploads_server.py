"""The server process of ``test_streams_and_uploads_on_real_servers``:
``python _streams_and_uploads_server.py SERVER``.

SERVER is one of ``SERVERS``: Flask under Werkzeug's threaded server or under
gunicorn's threaded worker (gthread), FastAPI or Starlette under uvicorn. The
server listens on a free port of 127.0.0.1, which it prints on its first line
of output. It runs alone in its process so that the test can read the server's
own memory from ``/proc``.
"""

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dualweb import Router, UploadFile
from dualweb.responses import StreamingResponse
from dualweb.testing import build_app
from tests._helpers import released_chunks, released_chunks_async
from tests._servers import listening_socket, run_gunicorn, run_uvicorn, run_werkzeug

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


def main(server: str) -> None:
    app = build_app(router, SERVERS[server])
    sock = listening_socket()
    print(sock.getsockname()[1], flush=True)
    if server == "flask-werkzeug":
        run_werkzeug(app, sock)
    elif server == "flask-gunicorn":
        run_gunicorn(app, sock)
    else:
        run_uvicorn(app, sock)


if __name__ == "__main__":
    main(sys.argv[1])

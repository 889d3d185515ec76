"""Behaviour that only a real server shows: streamed responses and uploads that stay off the heap.

Each host runs under a real server, in a process of its own, over a real
socket: Flask under Werkzeug's threaded server and under gunicorn's threaded
worker, FastAPI and Starlette under uvicorn (see ``_streams_and_uploads_server.py``;
other behaviour on real servers is tested with the feature it belongs to).

- A ``StreamingResponse`` is sent chunk by chunk: the client reads the first
  chunk while the generator is still blocked, waiting for the test to let it go.
- A 200 MB upload is streamed to a temporary file, not held in memory: the
  server's peak resident memory (``VmHWM``) is read from ``/proc`` before and
  after the upload; a route with a ``max_body_size`` answers the same upload
  with 413 at once.
"""

import contextlib
import hashlib
import http.client
import json
import random
import select
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests._helpers import RELEASE_TIMEOUT
from tests._servers import ServerProcess, server_process
from tests._streams_and_uploads_server import SERVERS

HERE = Path(__file__).resolve().parent

#: How long a client waits for bytes before the test fails (a buffering host never sends them).
READ_TIMEOUT = 3.0
assert READ_TIMEOUT < RELEASE_TIMEOUT

MB = 1024 * 1024
UPLOAD_SIZE = 200 * MB
#: What the server's peak memory may grow by while it takes a 200 MB upload.
MEMORY_BUDGET = 60 * MB
BOUNDARY = "dualweb-real-server-test-6b1f0c2d9e"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process memory from /proc"
)


@pytest.fixture(params=list(SERVERS))
def server(request) -> Iterator[ServerProcess]:
    with server_process([str(HERE / "_streams_and_uploads_server.py"), request.param]) as running:
        yield running


# --- streaming ------------------------------------------------------------------------------


def _read_at_least(response: http.client.HTTPResponse, size: int) -> bytes:
    # read1 returns what has arrived (for a chunked body, from the current chunk)
    # and blocks only until some bytes come, or the socket times out.
    data = b""
    while len(data) < size:
        more = response.read1(size - len(data))
        if not more:
            break
        data += more
    return data


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_streaming_response_first_chunk_arrives_before_the_generator_finishes(
    server, kind, tmp_path
):
    release = tmp_path / "release"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=READ_TIMEOUT)
    try:
        connection.request("GET", f"/stream-{kind}?release={quote(str(release))}")
        response = connection.getresponse()
        assert response.status == 200, server.output()
        assert response.getheader("content-type", "").startswith("text/plain")
        # A host that buffers the body sends nothing until the generator ends,
        # which cannot happen before ``release`` exists: the read times out.
        assert _read_at_least(response, len(b"first\n")) == b"first\n"
        release.touch()
        assert response.read() == b"second\nthird\n"
    finally:
        release.touch()
        connection.close()


# --- uploads --------------------------------------------------------------------------------


def _peak_memory(pid: int) -> dict[int, int]:
    """The peak resident memory (VmHWM, in bytes) of the server process and of its
    children (gunicorn's master forks the worker that serves), by pid."""
    peaks = {}
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that has just ended
            pids += [int(child) for child in (task / "children").read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[each] = int(line.split()[1]) * 1024
    return peaks


def _growth(before: dict[int, int], after: dict[int, int]) -> int:
    """How much the peaks grew, over the processes measured both times."""
    assert before.keys() == after.keys(), "the server's processes changed"
    return sum(after[pid] - before[pid] for pid in before)


class _Upload:
    """A multipart body with one file of ``size`` bytes, generated as it is sent."""

    def __init__(self, size: int, chunk: int = MB) -> None:
        self.size = size
        self.chunk = chunk
        self.head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.content_length = len(self.head) + size + len(self.tail)
        self.headers = {
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(self.content_length),
        }
        self.sha256 = hashlib.sha256()
        self._block = random.Random(size).randbytes(chunk)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        sent = 0
        number = 0
        while sent < self.size:
            # Every chunk differs (its number leads it), so a lost or repeated chunk shows.
            block = (number.to_bytes(8, "big") + self._block[8:])[: self.size - sent]
            self.sha256.update(block)
            sent += len(block)
            number += 1
            yield block
        yield self.tail


def _post(port: int, path: str, upload: _Upload) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, body=iter(upload), headers=upload.headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _post_until_answered(port: int, path: str, upload: _Upload) -> tuple[int, bytes, int]:
    """Send ``upload`` as a client does, but stop once the server answers; returns the
    status, the response body and how many body bytes were sent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in upload.headers.items()) + "\r\n"
        sock.sendall(head.encode())
        sent = 0
        try:
            for chunk in upload:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: read its answer
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read(), sent
    finally:
        sock.close()


def _warm_up(server: ServerProcess) -> None:
    # Imports, the parser, the first temporary file: before any baseline is taken.
    warm = _Upload(3 * MB)
    status, body = _post(server.port, "/upload", warm)
    assert status == 200, server.output()
    assert json.loads(body)["sha256"] == warm.sha256.hexdigest()


@pytest.mark.parametrize("path", ["/upload", "/upload-sync"])
def test_a_200_mb_upload_streams_to_disk(server, path):
    _warm_up(server)
    before = _peak_memory(server.pid)
    upload = _Upload(UPLOAD_SIZE)
    started = time.monotonic()
    status, body = _post(server.port, path, upload)
    elapsed = time.monotonic() - started
    growth = _growth(before, _peak_memory(server.pid))
    assert status == 200, server.output()
    assert json.loads(body) == {
        "size": UPLOAD_SIZE,
        "sha256": upload.sha256.hexdigest(),
        "filename": "big.bin",
    }
    print(
        f"\n{path}: {UPLOAD_SIZE // MB} MB in {elapsed:.1f}s, server peak RSS +{growth / MB:.1f} MB"
    )
    assert growth < MEMORY_BUDGET


def test_a_200_mb_upload_beyond_max_body_size_is_refused_at_once(server):
    _warm_up(server)
    before = _peak_memory(server.pid)
    upload = _Upload(UPLOAD_SIZE, chunk=64 * 1024)
    started = time.monotonic()
    status, body, sent = _post_until_answered(server.port, "/limited", upload)
    elapsed = time.monotonic() - started
    growth = _growth(before, _peak_memory(server.pid))
    assert (status, json.loads(body)) == (413, {"detail": "Content Too Large"}), server.output()
    print(
        f"\n413 after {elapsed:.2f}s and {sent / MB:.1f} MB sent, server peak RSS "
        f"+{growth / MB:.1f} MB"
    )
    assert elapsed < 5
    assert sent < UPLOAD_SIZE // 10
    assert growth < 20 * MB
    # The server goes on serving.
    assert _post(server.port, "/upload", _Upload(MB))[0] == 200

"""The in-process harness: ASGI and WSGI apps called directly, no sockets.

ASGI apps get a scope and ``receive``/``send`` callables on one event loop;
WSGI apps get an environ and ``start_response`` from a plain thread, as a
threaded server calls them. Each measurement sends the same request ``n``
times in a row and reports requests per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

ITEM = json.dumps({"name": "Teapot", "price": 12.5, "tags": ["kitchen"]}).encode()

#: endpoint name -> (method, path, query, body, expected status)
ENDPOINTS: dict[str, tuple[str, str, str, bytes, int]] = {
    "ping": ("GET", "/ping", "", b"", 200),
    "get_item": ("GET", "/items/42", "q=teapot&limit=5", b"", 200),
    "post_item": ("POST", "/items", "", ITEM, 201),
    "deps": ("GET", "/deps", "", b"", 200),
    "invalid_422": ("GET", "/items/abc", "limit=5", b"", 422),
    "big_1mb": ("GET", "/big", "", b"", 200),
    "big_typed": ("GET", "/big/typed", "", b"", 200),
    "stream_jsonl": ("GET", "/stream", "", b"", 200),
    # The same, served by handlers without a return annotation (the peers: the same routes).
    "get_item_plain": ("GET", "/plain/items/42", "q=teapot&limit=5", b"", 200),
    "post_item_plain": ("POST", "/plain/items", "", ITEM, 201),
    "big_plain": ("GET", "/plain/big", "", b"", 200),
}


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    headers = [(b"host", b"bench"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    if body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    return headers


class ASGIDriver:
    """Calls an ASGI app on a private event loop, lifespan started once."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._lifespan_done: asyncio.Future[Any] | None = None
        self.loop.run_until_complete(self._startup())

    async def _startup(self) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        started = asyncio.get_running_loop().create_future()
        await queue.put({"type": "lifespan.startup"})

        async def receive() -> dict[str, Any]:
            return await queue.get()

        async def send(message: dict[str, Any]) -> None:
            if message["type"].startswith("lifespan.startup") and not started.done():
                started.set_result(message["type"])

        self._queue = queue
        task = asyncio.ensure_future(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
        )
        await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        self._task = task

    def close(self) -> None:
        self._queue.put_nowait({"type": "lifespan.shutdown"})
        with contextlib.suppress(Exception):
            self.loop.run_until_complete(asyncio.wait_for(self._task, 5))
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def run(self, endpoint: str, n: int) -> float:
        method, path, query, body, expected = ENDPOINTS[endpoint]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": _headers(body),
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        return self.loop.run_until_complete(self._run(scope, body, expected, n))

    async def _run(self, template: dict[str, Any], body: bytes, expected: int, n: int) -> float:
        app = self.app
        status: list[int] = []
        done = asyncio.Event()

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif not message.get("more_body", False):
                done.set()

        start = time.perf_counter()
        for _ in range(n):
            sent = False
            done.clear()

            async def receive() -> dict[str, Any]:
                # As a server: the body, then a disconnect once the response is complete
                # (a streaming response listens for it).
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                await done.wait()
                return {"type": "http.disconnect"}

            await app(dict(template), receive, send)
        elapsed = time.perf_counter() - start
        _check(status, expected, n)
        return n / elapsed


class WSGIDriver:
    """Calls a WSGI app from a plain worker thread, as a threaded server does."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def close(self) -> None:
        pass

    def run(self, endpoint: str, n: int) -> float:
        method, path, query, body, expected = ENDPOINTS[endpoint]
        template = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "50000",
            "HTTP_HOST": "bench",
            "HTTP_USER_AGENT": "bench",
            "HTTP_ACCEPT": "*/*",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if body:
            template["CONTENT_TYPE"] = "application/json"
            template["CONTENT_LENGTH"] = str(len(body))
        result: dict[str, Any] = {}

        def work() -> None:
            app = self.app
            status: list[str] = []

            def start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
                status.append(code)
                return lambda data: None

            start = time.perf_counter()
            for _ in range(n):
                environ = dict(template)
                environ["wsgi.input"] = io.BytesIO(body)
                iterable = app(environ, start_response)
                try:
                    for _chunk in iterable:
                        pass
                finally:
                    close = getattr(iterable, "close", None)
                    if close is not None:
                        close()
            result["rate"] = n / (time.perf_counter() - start)
            result["status"] = [int(s.split()[0]) for s in status]

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        _check(result["status"], expected, n)
        return float(result["rate"])


def _check(statuses: list[int], expected: int, n: int) -> None:
    if len(statuses) != n or any(code != expected for code in statuses):
        wrong = sorted({code for code in statuses if code != expected})
        raise RuntimeError(f"expected {n} x {expected}, got {len(statuses)} answers {wrong}")


def driver_for(kind: str, app: Any) -> ASGIDriver | WSGIDriver:
    return ASGIDriver(app) if kind == "asgi" else WSGIDriver(app)


Factory = Callable[[], Any]

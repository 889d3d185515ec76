"""Declaring and mounting many routes: time and memory per route.

``python -m benchmarks.routes [--routes 1000]`` declares N operations with path,
query and body parameters and a response model, then mounts the router on each
host, and reports the time of each step and the memory the routes hold, and what one
request to the first and to the last of the routes costs on each host (in-process).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import time
import tracemalloc
import warnings
from typing import Annotated, Any

from pydantic import BaseModel

import dualweb
from dualweb import Query
from dualweb.testing import build_app


class Payload(BaseModel):
    name: str
    size: int = 0


def declare(count: int) -> dualweb.Router:
    router = dualweb.Router()
    for index in range(count):

        def handler(
            item_id: int, payload: Payload, q: Annotated[str | None, Query(max_length=9)] = None
        ) -> Payload:
            return payload

        handler.__name__ = f"handler_{index}"
        router.add_api_route(f"/r{index}/{{item_id}}", handler, methods=["POST"])
    return router


def _mount(router: dualweb.Router, target: str) -> Any:
    if target == "fastapi":
        return build_app(router, target)
    return build_app(router, target, openapi_url=None)


def measure(count: int) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    result: dict[str, Any] = {"routes": count}
    # Time first, without tracemalloc (which slows Python down several times over).
    start = time.perf_counter()
    router = declare(count)
    result["declare_seconds"] = time.perf_counter() - start
    for target in ("flask", "fastapi", "starlette"):
        start = time.perf_counter()
        _mount(router, target)
        result[f"mount_{target}_seconds"] = time.perf_counter() - start
    # Then memory: what the declared routes hold, and what each host's mount adds.
    gc.collect()
    tracemalloc.start()
    router = declare(count)
    result["bytes_per_route_declared"] = tracemalloc.get_traced_memory()[0] / count
    tracemalloc.stop()
    for target in ("flask", "fastapi", "starlette"):
        gc.collect()
        tracemalloc.start()
        app = _mount(router, target)
        result[f"bytes_per_route_mounted_{target}"] = tracemalloc.get_traced_memory()[0] / count
        tracemalloc.stop()
        del app
    result.update(request_times(router, count))
    return result


_BODY = b'{"name": "x", "size": 1}'


def _asgi_rate(app: Any, path: str, n: int) -> float:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"24")]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1"}
    scope.update(method="POST", scheme="http", path=path, raw_path=path.encode())
    scope.update(query_string=b"", root_path="", headers=headers, state={})
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": _BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run() -> float:
        start = time.perf_counter()
        for _ in range(n):
            await app(dict(scope), receive, send)
        return (time.perf_counter() - start) / n

    seconds = asyncio.run(run())
    if set(statuses) != {200}:
        raise RuntimeError(f"{path}: {sorted(set(statuses))}")
    return seconds


def _wsgi_rate(app: Any, path: str, n: int) -> float:
    environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": path}
    environ.update(QUERY_STRING="", SERVER_NAME="bench", SERVER_PORT="80")
    environ.update(SERVER_PROTOCOL="HTTP/1.1", CONTENT_TYPE="application/json")
    environ.update({"CONTENT_LENGTH": "24", "wsgi.url_scheme": "http"})
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return None

    start = time.perf_counter()
    for _ in range(n):
        request = dict(environ)
        request["wsgi.input"] = io.BytesIO(_BODY)
        for _chunk in app(request, start_response):
            pass
    seconds = (time.perf_counter() - start) / n
    if {status[:3] for status in statuses} != {"200"}:
        raise RuntimeError(f"{path}: {sorted(set(statuses))}")
    return seconds


def request_times(router: dualweb.Router, count: int, n: int = 2000) -> dict[str, Any]:
    """Microseconds per request to the first and to the last route, on each host."""
    times: dict[str, Any] = {}
    for target in ("flask", "fastapi", "starlette"):
        app = _mount(router, target)
        rate = _wsgi_rate if target == "flask" else _asgi_rate
        for label, index in (("first", 0), ("last", count - 1)):
            rate(app, f"/r{index}/1", 200)  # warm up
            best = min(rate(app, f"/r{index}/1", n) for _ in range(3))
            times[f"request_{label}_route_{target}_us"] = round(best * 1e6, 1)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=1000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.routes), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Declaring and mounting many routes: time and memory per route.

``python -m benchmarks.routes [--routes 1000]`` declares N operations with path,
query and body parameters and a response model, then mounts the router on each
host, and reports the time of each step and the memory the routes hold.
"""

from __future__ import annotations

import argparse
import gc
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
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=1000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.routes), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

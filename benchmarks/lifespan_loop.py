"""What a lifespan costs a Flask app's requests: ``python -m benchmarks.lifespan_loop``.

On Flask, an app whose routers have a lifespan runs its async code on the lifespan's event
loop, in a thread of its own (what the lifespan opened is bound to that loop): an ``async
def`` handler then pays a hand-over to that thread and back, two thread wake-ups. A ``def``
handler stays on the server's thread and pays only for the state copied into ``g``.

The same two handlers are served by two Flask apps, one without a lifespan and one with,
called through their WSGI entry point in one process, interleaved round by round; each
round reports microseconds per request, and the medians are printed (``--rounds``,
``--requests``). Run it under ``taskset -c 0`` as well: on one CPU the wake-ups are
switches, where the scheduler places the threads they may rouse an idle CPU
(``benchmarks.wakeups``).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import flask
from werkzeug.test import EnvironBuilder

import dualweb.flask
from dualweb import Router


def make_app(with_lifespan: bool) -> flask.Flask:
    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        yield {"pool": object()}

    router = Router(lifespan=lifespan) if with_lifespan else Router()

    @router.get("/async")
    async def on_loop() -> dict[str, bool]:
        return {"ok": True}

    @router.get("/sync")
    def on_thread() -> dict[str, bool]:
        return {"ok": True}

    app = flask.Flask(f"lifespan_{with_lifespan}")
    dualweb.flask.mount(app, router)
    return app


def per_request(app: flask.Flask, path: str, requests: int) -> float:
    """Microseconds per request through the app's WSGI entry point."""
    environ = EnvironBuilder(path=path).get_environ()

    def start_response(*args: Any) -> None:
        pass

    started = time.perf_counter()
    for _ in range(requests):
        body = app(dict(environ), start_response)
        for _chunk in body:
            pass
        body.close()  # type: ignore[attr-defined]
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000)
    options = parser.parse_args()
    apps = {"without lifespan": make_app(False), "with lifespan": make_app(True)}
    for app in apps.values():
        per_request(app, "/async", 200)  # starts the lifespan; warms both up
    for path in ("/async", "/sync"):
        rounds: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(options.rounds):
            for name, app in apps.items():
                rounds[name].append(per_request(app, path, options.requests))
        medians = {name: statistics.median(values) for name, values in rounds.items()}
        print(
            f"GET {path}: "
            + ", ".join(f"{name} {value:.1f} µs" for name, value in medians.items())
            + f" (+{medians['with lifespan'] - medians['without lifespan']:.1f} µs)"
        )
    for app in apps.values():
        dualweb.flask.shutdown(app)


if __name__ == "__main__":
    main()

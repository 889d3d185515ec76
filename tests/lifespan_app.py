"""One router with a lifespan, served by real servers in ``test_lifespan_servers``.

The lifespan writes ``startup PID`` and ``shutdown PID`` lines to the file named by
``DUALWEB_LIFESPAN_LOG``, and yields state a request reads back: which process
started it, and a lock made on its event loop. ``flask_app``, ``fastapi_app`` and
``starlette_app`` serve the router on each host.
"""

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import fastapi
import flask
import starlette.applications

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import Request, Router


def _record(event: str) -> None:
    with open(os.environ["DUALWEB_LIFESPAN_LOG"], "a") as log:
        log.write(f"{event} {os.getpid()}\n")


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    _record("startup")
    yield {"started_in": os.getpid(), "lock": asyncio.Lock()}
    _record("shutdown")


router = Router(lifespan=lifespan)


@router.get("/pid")
async def pid(request: Request) -> dict[str, int]:
    async with request.state.lock:  # made on the lifespan's loop
        return {"pid": os.getpid(), "started_in": request.state.started_in}


@router.get("/slow")
def slow(request: Request) -> dict[str, int]:
    time.sleep(0.5)  # keeps a synchronous worker busy, so that the next request goes elsewhere
    return {"pid": os.getpid(), "started_in": request.state.started_in}


flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, router)

fastapi_app = fastapi.FastAPI()
dualweb.fastapi.mount(fastapi_app, router)

starlette_app = starlette.applications.Starlette()
dualweb.starlette.mount(starlette_app, router)

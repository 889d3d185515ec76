"""One router, mounted on each host (an app keeps only its own host)."""

import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import fastapi
import flask
import starlette.applications

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette
from dualweb import (
    BackgroundTasks,
    Depends,
    HTTPException,
    Query,
    Request,
    Router,
)

# A file where the app notes what it does, one line per event with
# the process id (the page's tests read it); unset, nothing is written.
EVENTS = os.environ.get("APP_EVENTS")


def note(event: str) -> None:
    if EVENTS:
        with open(EVENTS, "a", encoding="utf-8") as log:
            log.write(f"{event} {os.getpid()}\n")


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    note("startup")  # in each worker process
    yield
    note("shutdown")


router = Router(lifespan=lifespan)

ITEMS = {1: "Chair", 2: "Lamp"}


@router.get("/health", include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/items/{item_id}")
def read_item(item_id: int, request: Request) -> dict[str, Any]:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    # The link a client would follow: behind a proxy, the proxy's URL.
    url = request.url_for("read_item", item_id=item_id)
    return {"id": item_id, "name": ITEMS[item_id], "url": str(url)}


def session() -> Iterator[str]:
    """Stands in for a database session, opened for one request."""
    note("session opened")
    yield "session"
    note("session closed")


@router.get("/report")
def report(
    db: Annotated[str, Depends(session)],
    tasks: BackgroundTasks,
    seconds: Annotated[float, Query(ge=0, le=10)] = 1.0,
) -> dict[str, str]:
    time.sleep(seconds)  # slow work; a def handler holds its thread
    tasks.add_task(note, "report mailed")
    return {"report": "ready"}


flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, router)

fastapi_app = fastapi.FastAPI()
dualweb.fastapi.mount(fastapi_app, router)

starlette_app = starlette.applications.Starlette()
dualweb.starlette.mount(starlette_app, router)

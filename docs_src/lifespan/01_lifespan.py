import contextlib
from typing import Annotated

from dualweb import Depends, Request, Router
from dualweb.testing import TestClient

events = []


class Pool:
    """Stands in for a database pool."""

    def __init__(self) -> None:
        self.open = True

    def connection(self) -> str:
        return "a connection"


@contextlib.asynccontextmanager
async def lifespan(app):
    pool = Pool()
    events.append("pool opened")
    yield {"pool": pool}
    pool.open = False
    events.append("pool closed")


router = Router(lifespan=lifespan)


def connection(request: Request) -> str:
    return request.state.pool.connection()


@router.get("/items")
def items(conn: Annotated[str, Depends(connection)]) -> dict:
    return {"using": conn}


for target in ("flask", "fastapi", "starlette"):
    with TestClient(router, target) as client:  # startup on entering, shutdown on leaving
        assert client.get("/items").json() == {"using": "a connection"}
    assert events == ["pool opened", "pool closed"]
    events.clear()

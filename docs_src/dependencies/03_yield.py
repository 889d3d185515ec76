from typing import Annotated

from dualweb import BackgroundTasks, Depends, HTTPException, Router
from dualweb.testing import TestClient

router = Router()
events = []


class NotFound(Exception):
    pass


def database():
    events.append("open db")
    try:
        yield "db"
    except NotFound:
        events.append("rollback")
        raise HTTPException(status_code=404, detail="No such order") from None
    finally:
        events.append("close db")


def transaction(db: Annotated[str, Depends(database)]):
    events.append("begin")
    yield f"tx on {db}"
    events.append("commit")  # not reached when the handler raised


def lock():
    events.append("lock")
    yield
    events.append("unlock")


@router.get("/orders/{order_id}")
def read_order(
    order_id: int,
    tasks: BackgroundTasks,
    tx: Annotated[str, Depends(transaction)],
    _: Annotated[None, Depends(lock, scope="function")],
):
    events.append("handler")
    if order_id == 0:
        raise NotFound()
    tasks.add_task(events.append, "email sent")
    return {"order": order_id, "tx": tx}


for target in ("flask", "fastapi", "starlette"):
    events.clear()
    client = TestClient(router, target)
    assert client.get("/orders/1").json() == {"order": 1, "tx": "tx on db"}
    assert events == [
        "open db",
        "begin",
        "lock",
        "handler",
        "unlock",  # scope="function": before the response is sent
        "email sent",
        "commit",
        "close db",  # after it, background tasks first
    ]

    events.clear()
    response = client.get("/orders/0")
    assert response.status_code == 404
    assert events == ["open db", "begin", "lock", "handler", "rollback", "close db"]

from typing import Annotated

from dualweb import Depends, Router
from dualweb.testing import TestClient

router = Router()


async def get_settings():
    return {"env": "production"}


def get_db(settings: Annotated[dict, Depends(get_settings)]):
    return f"db for {settings['env']}"


@router.get("/env")
def env(db: Annotated[str, Depends(get_db)]):
    return {"db": db}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    assert client.get("/env").json() == {"db": "db for production"}

    router.dependency_overrides[get_settings] = lambda: {"env": "test"}
    assert client.get("/env").json() == {"db": "db for test"}

    router.dependency_overrides.clear()
    assert client.get("/env").json() == {"db": "db for production"}

    # As on FastAPI's app, the mapping itself may be replaced, or set to None (FastAPI's
    # testing tutorial does both); the next request sees the change.
    router.dependency_overrides = {get_settings: lambda: {"env": "staging"}}
    assert client.get("/env").json() == {"db": "db for staging"}

    router.dependency_overrides = None
    assert client.get("/env").json() == {"db": "db for production"}
    router.dependency_overrides = {}

from typing import Annotated

from dualweb import Cookie, Depends, HTTPException, Router
from dualweb.testing import TestClient

router = Router()
calls = []


def session_id(session: str = Cookie(default="")):
    calls.append("session")
    return session


async def current_user(sid: Annotated[str, Depends(session_id)]):
    if sid != "abc":
        raise HTTPException(status_code=401, detail="Not logged in")
    return {"name": "ann"}


CurrentUser = Annotated[dict, Depends(current_user)]


def greeting(user: CurrentUser):
    return f"Hello {user['name']}"


@router.get("/me")
def me(
    user: CurrentUser,
    text: Annotated[str, Depends(greeting)],
    sid: Annotated[str, Depends(session_id)],
):
    return {"user": user, "text": text}


for target in ("flask", "fastapi", "starlette"):
    calls.clear()
    client = TestClient(router, target)
    client.cookies.set("session", "abc")
    assert client.get("/me").json() == {"user": {"name": "ann"}, "text": "Hello ann"}
    assert calls == ["session"]  # used three times, called once
    client.cookies.clear()
    assert client.get("/me").status_code == 401

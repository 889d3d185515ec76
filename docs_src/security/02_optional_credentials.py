from typing import Annotated, Optional

from dualweb import Depends, HTTPException, Router
from dualweb.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from dualweb.testing import TestClient

router = Router()
bearer = HTTPBearer(auto_error=False)
header_key = APIKeyHeader(name="X-API-Key", auto_error=False)
cookie_key = APIKeyCookie(name="session", auto_error=False)


def caller(
    token: Annotated[Optional[HTTPAuthorizationCredentials], Depends(bearer)],
    api_key: Annotated[Optional[str], Depends(header_key)],
    session: Annotated[Optional[str], Depends(cookie_key)],
) -> str:
    if token is not None:
        return f"token {token.credentials}"
    if api_key is not None:
        return f"key {api_key}"
    if session is not None:
        return f"session {session}"
    raise HTTPException(401, "Sign in first", headers={"WWW-Authenticate": "Bearer"})


@router.get("/whoami")
def whoami(who: Annotated[str, Depends(caller)]):
    return {"who": who}


@router.get("/public")
def public(token: Annotated[Optional[HTTPAuthorizationCredentials], Depends(bearer)]):
    return {"signed_in": token is not None}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    assert client.get("/whoami", headers={"Authorization": "Bearer t0k"}).json() == {
        "who": "token t0k"
    }
    assert client.get("/whoami", headers={"X-API-Key": "k3y"}).json() == {"who": "key k3y"}
    assert client.get("/whoami", headers={"Cookie": "session=s1"}).json() == {"who": "session s1"}
    assert client.get("/whoami").json() == {"detail": "Sign in first"}
    assert client.get("/public").json() == {"signed_in": False}

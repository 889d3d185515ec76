from typing import Annotated, Optional

from dualweb import Depends, Request, Router
from dualweb.security import OAuth2PasswordBearer
from dualweb.testing import TestClient


class TokenInCookieOrHeader(OAuth2PasswordBearer):
    """A bearer token, or the `token` cookie that the web front end sets."""

    async def __call__(self, request: Request) -> Optional[str]:
        cookie = request.cookies.get("token")
        if cookie:
            return cookie
        return await super().__call__(request)


router = Router()
token_scheme = TokenInCookieOrHeader(tokenUrl="token")


@router.get("/token")
def show_token(token: Annotated[str, Depends(token_scheme)]):
    return {"token": token}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    assert client.get("/token", headers={"Cookie": "token=c00kie"}).json() == {"token": "c00kie"}
    assert client.get("/token", headers={"Authorization": "Bearer h3ader"}).json() == {
        "token": "h3ader"
    }
    assert client.get("/token").status_code == 401

import secrets
from typing import Annotated

from dualweb import Depends, HTTPException, Router, status
from dualweb.security import HTTPBasic, HTTPBasicCredentials
from dualweb.testing import TestClient

router = Router()
security = HTTPBasic(realm="shop")


def current_username(credentials: Annotated[HTTPBasicCredentials, Depends(security)]) -> str:
    # Compare in constant time, so response times give nothing away.
    good_user = secrets.compare_digest(credentials.username.encode(), b"alice")
    good_password = secrets.compare_digest(credentials.password.encode(), b"wonderland")
    if not (good_user and good_password):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": 'Basic realm="shop"'},
        )
    return credentials.username


@router.get("/users/me")
def read_current_user(username: Annotated[str, Depends(current_username)]):
    return {"username": username}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    response = client.get("/users/me", auth=("alice", "wonderland"))
    assert response.json() == {"username": "alice"}

    # No credentials: the scheme answers by itself.
    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == 'Basic realm="shop"'

    # A header that is not valid Basic (bad base64, no colon) gets the same 401.
    response = client.get("/users/me", headers={"Authorization": "Basic not-base64!"})
    assert response.status_code == 401

    response = client.get("/users/me", auth=("alice", "guess"))
    assert response.json() == {"detail": "Incorrect username or password"}

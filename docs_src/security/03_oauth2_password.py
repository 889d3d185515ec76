from typing import Annotated

from dualweb import Depends, HTTPException, Router
from dualweb.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from dualweb.testing import TestClient

router = Router()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
USERS = {"alice": {"password": "wonderland", "full_name": "Alice Liddell"}}


@router.post("/token")
def login(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]):
    user = USERS.get(form_data.username)
    if user is None or form_data.password != user["password"]:
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    # A real application returns a signed token (a JWT, say), never the user name.
    return {"access_token": form_data.username, "token_type": "bearer"}


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    user = USERS.get(token)
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="Invalid authentication credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


@router.get("/users/me")
def me(user: Annotated[dict, Depends(current_user)]):
    return {"full_name": user["full_name"]}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    token = client.post("/token", data={"username": "alice", "password": "wonderland"}).json()
    assert token == {"access_token": "alice", "token_type": "bearer"}

    response = client.get("/users/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.json() == {"full_name": "Alice Liddell"}

    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"

    # The form is validated like any other: a missing password is a 422.
    response = client.post("/token", data={"username": "alice"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]

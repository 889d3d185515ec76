from typing import Annotated

from dualweb import Depends, HTTPException, Router, Security
from dualweb.security import OAuth2PasswordBearer, SecurityScopes
from dualweb.testing import TestClient

router = Router()
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    scopes={"me": "Read information about the current user.", "items": "Read items."},
)
# Token -> the scopes granted to it. A real application decodes a signed token instead.
TOKENS = {"alice-token": ("alice", ["me"]), "bob-token": ("bob", ["me", "items"])}


def get_current_user(
    security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]
) -> str:
    if security_scopes.scopes:
        authenticate_value = f'Bearer scope="{security_scopes.scope_str}"'
    else:
        authenticate_value = "Bearer"
    if token not in TOKENS:
        raise HTTPException(
            status_code=401,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": authenticate_value},
        )
    username, granted = TOKENS[token]
    for scope in security_scopes.scopes:
        if scope not in granted:
            raise HTTPException(
                status_code=401,
                detail="Not enough permissions",
                headers={"WWW-Authenticate": authenticate_value},
            )
    return username


def get_current_active_user(
    username: Annotated[str, Security(get_current_user, scopes=["me"])],
) -> str:
    return username


@router.get("/users/me")
def read_users_me(username: Annotated[str, Depends(get_current_active_user)]):
    return {"username": username}


@router.get("/users/me/items")
def read_own_items(username: Annotated[str, Security(get_current_active_user, scopes=["items"])]):
    return [{"item_id": "Foo", "owner": username}]


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    alice = {"Authorization": "Bearer alice-token"}
    bob = {"Authorization": "Bearer bob-token"}

    assert client.get("/users/me", headers=alice).json() == {"username": "alice"}
    assert client.get("/users/me/items", headers=bob).json() == [{"item_id": "Foo", "owner": "bob"}]

    response = client.get("/users/me/items", headers=alice)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not enough permissions"}
    # The handler's scope comes first, then get_current_active_user's.
    assert response.headers["WWW-Authenticate"] == 'Bearer scope="items me"'

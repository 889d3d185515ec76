from typing import Annotated, Optional

from dualweb import Depends, Header, Router
from dualweb.testing import TestClient

router = Router()


async def pagination(skip: int = 0, limit: int = 100):
    return {"skip": skip, "limit": limit}


class Filters:
    def __init__(self, q: Optional[str] = None, tag: Optional[str] = None):
        self.q = q
        self.tag = tag


class RequireHeader:
    """A configurable dependency: the instance is called for each request."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, x_client: str = Header()):
        return f"{self.name}:{x_client}"


@router.get("/items")
def list_items(
    page: Annotated[dict, Depends(pagination)],
    filters: Annotated[Filters, Depends()],  # Depends() with no argument calls the class
    client: str = Depends(RequireHeader("shop")),
):
    return {"page": page, "q": filters.q, "client": client}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    response = client.get("/items?limit=5&q=red", headers={"x-client": "web"})
    assert response.json() == {"page": {"skip": 0, "limit": 5}, "q": "red", "client": "shop:web"}
    # A dependency's parameters are validated like the handler's, with the same 422 errors.
    response = client.get("/items?limit=many")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["query", "limit"],
        ["header", "x-client"],
    ]

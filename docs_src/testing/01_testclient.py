from dualweb import HTTPException, Router
from dualweb.testing import TestClient

router = Router()


@router.get("/items/{item_id}")
def read_item(item_id: int) -> dict:
    if item_id == 0:
        raise HTTPException(404, "Item not found")
    return {"item_id": item_id}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target=target)
    assert client.get("/items/3").json() == {"item_id": 3}
    assert client.get("/items/0").status_code == 404
    assert client.get("/items/x").json()["detail"][0]["type"] == "int_parsing"

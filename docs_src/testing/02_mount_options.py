for target in ("flask", "starlette"):
    client = TestClient(router, target, prefix="/api/v1", title="Items")
    assert client.get("/api/v1/items/1").json() == {"item_id": 1}
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Items"

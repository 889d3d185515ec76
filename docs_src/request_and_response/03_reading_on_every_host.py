from dualweb.testing import TestClient

for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    client.cookies.set("theme", "dark")
    got = client.get("/items/3?tag=a&tag=b", headers={"x-agent": "doc"}).json()
    assert got == {
        "method": "GET",
        "url": "http://testserver/items/3?tag=a&tag=b",
        "path": "/items/3",
        "query": "tag=a&tag=b",
        "base_url": "http://testserver/",
        "tags": ["a", "b"],
        "tag": "b",
        "path_params": {"item_id": "3"},
        "agent": "doc",
        "theme": "dark",
        "client_is_known": True,
    }
    assert client.get("/me", headers={"x-user": "ada"}).json() == {"user": "ada"}

for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    response = client.post("/login", data={"username": "ada", "password": "pw", "remember": "on"})
    assert response.json() == {"username": "ada", "remember": True}
    response = client.post("/login", data={"username": "ada", "password": "pw", "admin": "1"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    assert client.post("/search", data={}).json() == {"filters": None}
    assert client.post("/search", data={"q": "x"}).json() == {"filters": {"q": "x", "limit": 10}}

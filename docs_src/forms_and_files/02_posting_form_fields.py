from dualweb.testing import TestClient

for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    response = client.post(
        "/signup", data={"username": "ada", "age": "36", "tags": ["x", "y"], "ref": "blog"}
    )
    assert response.json() == {"username": "ada", "age": 36, "tags": ["x", "y"], "referrer": "blog"}

    # An empty string counts as not sent, as in FastAPI: the default applies...
    response = client.post("/signup", data={"username": "ada", "age": "36", "ref": ""})
    assert response.json()["referrer"] is None
    # ...and a required field left empty is missing.
    response = client.post("/signup", data={"username": "", "age": "12"})
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "username"], "missing"),
        (["body", "age"], "greater_than_equal"),
    ]

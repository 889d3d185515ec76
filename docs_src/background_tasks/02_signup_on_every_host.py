from dualweb.testing import TestClient

for target in ("flask", "fastapi", "starlette"):
    sent.clear()
    client = TestClient(router, target)
    response = client.post("/signup", params={"email": "ada@example.com"})
    assert (response.status_code, response.json()) == (202, {"queued": True})
    # The test client returns once the exchange is over, tasks included.
    assert sent == ["audit: signup requested", "mail to ada@example.com: Welcome"]

from dualweb.testing import TestClient

from catalog import router


def test_read_item(dualweb_host):
    client = TestClient(router, dualweb_host)
    response = client.get("/items/1")
    assert response.status_code == 200
    assert response.json() == {"id": 1, "name": "Chair", "price": 49.5}


def test_unknown_item(dualweb_host):
    client = TestClient(router, dualweb_host)
    response = client.get("/items/99")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_create_item_needs_the_token(dualweb_host):
    client = TestClient(router, dualweb_host)
    lamp = {"name": "Floor lamp", "price": 35.0}
    assert client.post("/items", json=lamp).status_code == 401
    response = client.post("/items", json=lamp, headers={"X-Token": "let-me-in"})
    assert response.status_code == 201
    assert response.json()["name"] == "Floor lamp"

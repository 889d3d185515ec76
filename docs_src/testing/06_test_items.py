# test_items.py
def test_read_item(dualweb_client):
    assert dualweb_client.get("/items/3").json() == {"item_id": 3}


def test_unknown_item(dualweb_client):
    assert dualweb_client.get("/items/0").json() == {"detail": "Item not found"}

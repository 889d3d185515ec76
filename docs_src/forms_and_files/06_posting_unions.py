for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    card = client.post("/pay", data={"method": "card", "number": "4242"})
    assert card.json() == {"method": "card", "number": "4242"}
    sent = {"method": "invoice", "address": '{"city": "Oslo"}', "copies": ["a", "b"]}
    invoice = client.post("/pay", data=sent)
    assert invoice.json() == {
        "method": "invoice",
        "address": {"city": "Oslo"},
        "copies": ["a", "b"],
    }
    wrong = client.post("/pay", data={"method": "cash"}).json()["detail"][0]
    assert wrong["type"] == "union_tag_invalid"
    missing = client.post("/pay", data={"method": "invoice"}).json()["detail"][0]
    assert missing["loc"] == ["body", "invoice", "address"]

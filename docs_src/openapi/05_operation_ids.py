def tag_and_name(route):
    return f"{route.tags[0]}-{route.name}"


ids = Router()


@ids.get("/orders/{order_id}", tags=["orders"])
def read_order(order_id: int):
    return {"order_id": order_id}


for target in ("flask", "starlette"):
    client = TestClient(ids, target, generate_unique_id_function=tag_and_name)
    document = client.get("/openapi.json").json()
    assert document["paths"]["/orders/{order_id}"]["get"]["operationId"] == "orders-read_order"

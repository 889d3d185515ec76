def tag_and_name(route):
    return f"{route.tags[0]}-{route.name}"


ids = Router()


@ids.get("/orders/{order_id}", tags=["orders"])
def read_order(order_id: int):
    return {"order_id": order_id}


document = (
    TestClient(ids, "flask", generate_unique_id_function=tag_and_name).get("/openapi.json").json()
)
assert document["paths"]["/orders/{order_id}"]["get"]["operationId"] == "orders-read_order"

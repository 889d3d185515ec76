schemas = TestClient(router, "starlette").get("/openapi.json").json()["components"]["schemas"]
assert {"Item-Input", "Item-Output"} <= set(schemas)
schemas = (
    TestClient(router, "starlette", separate_input_output_schemas=False)
    .get("/openapi.json")
    .json()["components"]["schemas"]
)
assert "Item" in schemas

for target in ("flask", "starlette"):
    schemas = TestClient(router, target).get("/openapi.json").json()["components"]["schemas"]
    assert {"Item-Input", "Item-Output"} <= set(schemas)
    schemas = (
        TestClient(router, target, separate_input_output_schemas=False)
        .get("/openapi.json")
        .json()["components"]["schemas"]
    )
    assert "Item" in schemas

document = {
    "openapi": "3.0.3",
    "info": {"title": "Pet shop", "version": "1"},
    "paths": {},
    "components": {"schemas": {"Order": {"type": "object", "properties": {"pet_id": {}}}}},
}
try:
    dualweb.openapi.merge_into(document, app)
except DualwebError as error:
    assert "different schemas named Order" in str(error)
else:
    raise AssertionError("expected a DualwebError")

merged = dualweb.openapi.merge_into(document, app, rename_schema=lambda name: f"{name}-v2")
assert merged["components"]["schemas"]["Order"] == document["components"]["schemas"]["Order"]
body = merged["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]
assert body["schema"] == {"$ref": "#/components/schemas/Order-v2"}

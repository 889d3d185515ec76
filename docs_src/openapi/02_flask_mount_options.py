import flask

import dualweb.flask

app = flask.Flask(__name__)
dualweb.flask.mount(
    app,
    router,
    title="Shop",
    version="2.0",
    summary="Everything we sell",
    openapi_tags=[{"name": "items", "description": "What we sell"}],
    contact={"name": "Shop", "email": "shop@example.com"},
    license_info={"name": "MIT", "identifier": "MIT"},
)
client = app.test_client()
document = client.get("/openapi.json").get_json()
assert document["info"]["title"] == "Shop"
assert document["tags"] == [{"name": "items", "description": "What we sell"}]
assert set(document["paths"]) == {"/items/{item_id}", "/items"}
assert document["paths"]["/items"]["post"]["operationId"] == "create_item_items_post"
assert client.get("/docs").status_code == 200  # Swagger UI
assert client.get("/redoc").status_code == 200  # ReDoc

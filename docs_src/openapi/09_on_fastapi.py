import fastapi

import dualweb.fastapi

app = fastapi.FastAPI(title="Shop")


@app.get("/native/items")
def list_items() -> list[Item]:
    return []


dualweb.fastapi.mount(app, router)
document = app.openapi()
assert set(document["paths"]) == {"/native/items", "/items/{item_id}", "/items"}
assert {"Item-Input", "Item-Output"} <= set(document["components"]["schemas"])

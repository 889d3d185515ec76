import starlette.applications

import dualweb.starlette
from dualweb.exceptions import DualwebError

orders = Router()


@orders.post("/orders", status_code=201)
def create_order(quantity: int):
    return {"quantity": quantity}


app = starlette.applications.Starlette()
dualweb.starlette.mount(app, router, prefix="/api", title="Shop")
dualweb.starlette.mount(app, orders, prefix="/api")  # the same document

try:
    dualweb.starlette.mount(app, Router(), prefix="/api", title="Other")
except DualwebError as error:
    assert "configured by the first mount" in str(error)
else:
    raise AssertionError("expected a DualwebError")

from starlette.testclient import TestClient as StarletteClient

client = StarletteClient(app)
document = client.get("/api/openapi.json").json()
assert set(document["paths"]) == {"/api/items/{item_id}", "/api/items", "/api/orders"}
assert 'url: "/api/openapi.json"' in client.get("/api/docs").text

from flask_restx import Api as RestxApi
from flask_restx import Resource, fields

restx_app = flask.Flask(__name__)
restx = RestxApi(
    restx_app,
    title="Pet shop",
    version="1",
    doc="/docs",
    description="Orders are documented at [/api/docs](/api/docs).",
)
namespace = restx.namespace("pets", description="Pets")
pet = restx.model("Pet", {"id": fields.Integer(readonly=True), "name": fields.String()})


@namespace.route("/")
class RestxPets(Resource):
    @namespace.marshal_list_with(pet)
    def get(self):
        return [{"id": 1, "name": "Rex"}]


dualweb.flask.mount(
    restx_app,
    orders,
    prefix="/api",
    title="Pet shop: orders",
    description="Pets are documented at [/docs](/docs).",
)

client = restx_app.test_client()
theirs = client.get("/swagger.json").get_json()
assert theirs["swagger"] == "2.0" and set(theirs["paths"]) == {"/pets/"}
ours = client.get("/api/openapi.json").get_json()
assert set(ours["paths"]) == {"/api/orders", "/api/orders/{order_id}"}
assert client.get("/docs").status_code == 200 and client.get("/api/docs").status_code == 200

from dualweb.exceptions import DualwebError

try:
    dualweb.openapi.merge_into(theirs, restx_app)
except DualwebError as error:
    assert "Swagger 2.0" in str(error)
else:
    raise AssertionError("expected a DualwebError")

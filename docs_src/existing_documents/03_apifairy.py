import sys
import types

from apifairy import APIFairy, body, response

sys.modules.setdefault(__name__, types.ModuleType(__name__))  # see above: this page only

fairy_app = flask.Flask(__name__)
fairy_app.config.update(APIFAIRY_TITLE="Pet shop", APIFAIRY_VERSION="1")
apifairy = APIFairy(fairy_app)
fairy_pets = flask.Blueprint("pets", __name__)


@fairy_pets.route("/pets", methods=["POST"])
@body(PetSchema)
@response(PetSchema, 201)
def create_pet(pet):
    return {"id": 2, **pet}


fairy_app.register_blueprint(fairy_pets)
dualweb.flask.mount(fairy_app, orders, openapi_url=None)


@apifairy.process_apispec
def add_dualweb(spec):
    return dualweb.openapi.merge_into(spec, fairy_app)


client = fairy_app.test_client()
document = client.get("/apispec.json").get_json()
assert document["openapi"] == "3.0.3"
assert set(document["paths"]) == {"/pets", "/orders", "/orders/{order_id}"}
assert document["paths"]["/pets"]["post"]["operationId"] == "pets_create_pet"
assert client.get("/docs").status_code == 200  # APIFairy's page
assert client.get("/openapi.json").status_code == 404  # dualweb serves none

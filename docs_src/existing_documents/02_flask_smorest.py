from flask_smorest import Api, Blueprint
from flask_smorest.spec.plugins import FlaskPlugin


class PathsAsGiven(FlaskPlugin):
    """flask-smorest's Flask plugin, which also takes a path that has no view of its own."""

    def path_helper(self, rule=None, operations=None, parameters=None, **kwargs):
        if rule is None:
            return None  # the path as given
        return super().path_helper(rule, operations, parameters, **kwargs)


app = flask.Flask(__name__)
app.config.update(
    API_TITLE="Pet shop",
    API_VERSION="1",
    OPENAPI_VERSION="3.0.3",
    OPENAPI_URL_PREFIX="/",
    OPENAPI_SWAGGER_UI_PATH="/docs",
    OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
)
api = Api(app, spec_kwargs={"flask_plugin": PathsAsGiven()})

pets = Blueprint("pets", __name__, url_prefix="/pets", description="Pets")


@pets.route("/")
class Pets(flask.views.MethodView):
    @pets.response(200, PetSchema(many=True))
    def get(self):
        return [{"id": 1, "name": "Rex"}]

    @pets.arguments(PetSchema)
    @pets.response(201, PetSchema)
    def post(self, pet):
        return {"id": 2, **pet}


api.register_blueprint(pets)
dualweb.flask.mount(app, orders, openapi_url=None)  # no second document, no second /docs

# Last, once the app's routes are all declared (at the end of the app factory):
dualweb.openapi.add_to_apispec(api.spec, app)

client = app.test_client()
document = client.get("/openapi.json").get_json()  # flask-smorest's own URL
assert document["openapi"] == "3.0.3"
assert set(document["paths"]) == {"/pets/", "/orders", "/orders/{order_id}"}
assert {"Pet", "Order", "Line", "HTTPValidationError"} <= set(document["components"]["schemas"])
assert document["components"]["securitySchemes"] == {
    "HTTPBearer": {"type": "http", "scheme": "bearer"}
}
assert document["paths"]["/orders"]["post"]["operationId"] == "create_order_orders_post"
assert client.get("/docs").status_code == 200  # flask-smorest's Swagger UI shows it all
assert client.post("/orders", json={"lines": [{"pet_id": 1}]}).status_code == 201

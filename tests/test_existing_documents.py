"""dualweb's operations in the API document a Flask app already publishes.

Each library (flask-smorest, APIFairy, flask-restx) builds a small app with its
own documented API and a dualweb router mounted with its own docs turned off;
the document the library serves, at its own URL, must then hold both parts,
dualweb's as ``dualweb.flask.mount`` serves it on its own (said in OpenAPI 3.0
where the library's document is 3.0), and validate. flask-restx writes
Swagger 2.0, into which nothing of OpenAPI 3 merges: there both documents are
served. Then ``merge_into``'s rules on literal documents: clashes, renames,
tags, versions, prefixes, and the Starlette host.
"""

import copy
import re
from typing import Any

import flask
import flask.views
import marshmallow as ma
import pytest
import starlette.applications
from openapi_spec_validator import validate
from pydantic import BaseModel

import dualweb.flask
import dualweb.starlette
from dualweb import Depends, Router
from dualweb.exceptions import DualwebError
from dualweb.openapi import add_to_apispec, merge_into
from dualweb.openapi._openapi30 import to_openapi30
from dualweb.security import HTTPAuthorizationCredentials, HTTPBearer

ORDERS_TAG = {"name": "orders", "description": "Orders of pets"}
DUALWEB_PATHS = {"/orders", "/orders/{order_id}"}


class Line(BaseModel):
    pet_id: int
    quantity: int = 1


class Order(BaseModel):
    lines: list[Line]
    note: str | None = None
    gift: Line | None = None


def build_orders() -> Router:
    orders = Router(tags=["orders"])
    bearer = HTTPBearer()

    @orders.post("/orders", status_code=201)
    def create_order(order: Order) -> Order:
        return order

    @orders.get("/orders/{order_id}")
    def read_order(
        order_id: int,
        expand: bool = False,
        credentials: HTTPAuthorizationCredentials = Depends(bearer),
    ) -> Order:
        return Order(lines=[Line(pet_id=order_id)])

    return orders


def served_alone(prefix: str = "", **docs: Any) -> dict[str, Any]:
    """The document dualweb.flask.mount serves for the orders router on an app of its own."""
    app = flask.Flask("alone")
    dualweb.flask.mount(app, build_orders(), prefix=prefix, openapi_tags=[ORDERS_TAG], **docs)
    response = app.test_client().get(f"{prefix}/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def assert_holds_dualweb_part(document: dict[str, Any], prefix: str = "") -> None:
    """``document`` has dualweb's paths, schemas and security scheme as mount serves them."""
    alone = served_alone(prefix)
    if document["openapi"].startswith("3.0"):
        alone = to_openapi30(alone)
    for path, item in alone["paths"].items():
        for method, operation in item.items():
            assert document["paths"][path][method] == operation, (path, method)
    schemas = document["components"]["schemas"]
    for name, schema in alone["components"]["schemas"].items():
        assert schemas[name] == schema, name
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == alone["components"]["securitySchemes"]["HTTPBearer"]
    assert ORDERS_TAG in document["tags"]


def mount_orders(app: Any, **docs: Any) -> None:
    # The recipe: the router's operations are served, its own document and pages are not.
    dualweb.flask.mount(app, build_orders(), openapi_url=None, openapi_tags=[ORDERS_TAG], **docs)


def assert_orders_served(client: Any) -> None:
    response = client.post("/orders", json={"lines": [{"pet_id": 1}]})
    assert response.status_code == 201
    assert response.get_json() == {
        "lines": [{"pet_id": 1, "quantity": 1}],
        "note": None,
        "gift": None,
    }
    assert client.post("/orders", json={}).status_code == 422


# --- the mount without its own document ------------------------------------------------------


def test_a_mount_without_its_document_serves_no_page_and_still_merges() -> None:
    app = flask.Flask(__name__)
    mount_orders(app)
    client = app.test_client()
    for url in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(url).status_code == 404, url
    assert_orders_served(client)
    document = merge_into({"openapi": "3.1.0", "info": {"title": "Mine", "version": "1"}}, app)
    assert set(document["paths"]) == DUALWEB_PATHS
    assert document["info"] == {"title": "Mine", "version": "1"}
    assert_holds_dualweb_part(document)
    validate(document)


# --- flask-smorest: the part registered on its apispec spec ----------------------------------


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)


def smorest_app(openapi_version: str, *, own_order_schema: bool = False) -> tuple[Any, Any]:
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
        OPENAPI_VERSION=openapi_version,
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

    if own_order_schema:

        class OrderSchema(ma.Schema):  # flask-smorest names it "Order", as dualweb's model
            pet_id = ma.fields.Int(required=True)

        @pets.route("/<int:pet_id>/last-order")
        @pets.response(200, OrderSchema)
        def last_order(pet_id):
            return {"pet_id": pet_id}

    api.register_blueprint(pets)
    mount_orders(app)
    return app, api


@pytest.mark.parametrize("openapi_version", ["3.0.3", "3.1.0"])
def test_flask_smorest_serves_one_document_with_both_parts(openapi_version: str) -> None:
    app, api = smorest_app(openapi_version)
    add_to_apispec(api.spec, app)
    client = app.test_client()
    document = client.get("/openapi.json").get_json()
    assert document["openapi"] == openapi_version
    assert document["info"] == {"title": "Pet shop", "version": "1"}
    assert set(document["paths"]) == {"/pets/", *DUALWEB_PATHS}
    assert set(document["paths"]["/pets/"]) == {"get", "post"}
    assert document["paths"]["/pets/"]["post"]["requestBody"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Pet"}
    }
    assert "Pet" in document["components"]["schemas"]
    assert {"name": "pets", "description": "Pets"} in document["tags"]
    assert_holds_dualweb_part(document)
    validate(document)
    # Its pages show that document; dualweb's are off; both parts of the API answer.
    assert "/openapi.json" in client.get("/docs").get_data(as_text=True)
    assert client.get("/redoc").status_code == 404
    assert client.get("/pets/").get_json() == [{"id": 1, "name": "Rex"}]
    assert_orders_served(client)
    # `flask openapi print` writes the same document.
    printed = app.test_cli_runner().invoke(args=["openapi", "print"])
    assert printed.exit_code == 0, printed.output
    assert flask.json.loads(printed.output) == document


def test_flask_smorest_in_openapi30_says_optional_fields_its_way() -> None:
    app, api = smorest_app("3.0.3")
    add_to_apispec(api.spec, app)
    schemas = app.test_client().get("/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Order"]["properties"]["note"] == {
        "type": "string",
        "title": "Note",
        "nullable": True,
    }
    assert schemas["Order"]["properties"]["gift"] == {
        "allOf": [{"$ref": "#/components/schemas/Line"}],
        "nullable": True,
    }


def test_flask_smorest_adding_twice_adds_nothing_more() -> None:
    app, api = smorest_app("3.0.3")
    add_to_apispec(api.spec, app)
    once = copy.deepcopy(api.spec.to_dict())
    add_to_apispec(api.spec, app)
    assert api.spec.to_dict() == once


def test_flask_smorest_schema_of_the_same_name_is_an_error_or_renamed() -> None:
    app, api = smorest_app("3.0.3", own_order_schema=True)
    with pytest.raises(DualwebError, match=r"different schemas named Order: .*rename_schema="):
        add_to_apispec(api.spec, app)
    assert "/orders" not in api.spec.to_dict()["paths"]  # nothing was registered

    add_to_apispec(api.spec, app, rename_schema=lambda name: f"{name}-dualweb")
    document = app.test_client().get("/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["Order"]["properties"] == {"pet_id": {"type": "integer"}}  # flask-smorest's
    assert schemas["Order-dualweb"]["properties"]["lines"]["items"] == {
        "$ref": "#/components/schemas/Line"
    }
    body = document["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Order-dualweb"}
    validate(document)


def test_flask_smorest_plugin_takes_only_its_own_views() -> None:
    # Why the recipe gives flask-smorest's Api a plugin: its own takes no path without a rule.
    from flask_smorest import Api

    app = flask.Flask(__name__)
    app.config.update(API_TITLE="Pet shop", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    mount_orders(app)
    with pytest.raises(TypeError, match="rule"):
        add_to_apispec(api.spec, app)


# --- APIFairy: its process_apispec hook ------------------------------------------------------


def apifairy_app(**config: Any) -> Any:
    from apifairy import APIFairy, body, response

    app = flask.Flask(__name__)
    app.config.update(APIFAIRY_TITLE="Pet shop", APIFAIRY_VERSION="1", **config)
    apifairy = APIFairy(app)
    pets = flask.Blueprint("pets", __name__)

    @pets.route("/pets", methods=["POST"])
    @body(PetSchema)
    @response(PetSchema, 201)
    def create_pet(pet):
        return {"id": 2, **pet}

    @pets.route("/pets/<int:pet_id>")
    @response(PetSchema)
    def read_pet(pet_id):
        return {"id": pet_id, "name": "Rex"}

    app.register_blueprint(pets)
    mount_orders(app)

    @apifairy.process_apispec
    def add_dualweb(spec):
        return merge_into(spec, app)

    return app


@pytest.mark.parametrize("openapi_version", [None, "3.1.0"], ids=["default", "3.1.0"])
def test_apifairy_serves_one_document_with_both_parts(openapi_version: str | None) -> None:
    config = {"APIFAIRY_APISPEC_VERSION": openapi_version} if openapi_version else {}
    app = apifairy_app(**config)
    client = app.test_client()
    document = client.get("/apispec.json").get_json()
    assert document["openapi"] == (openapi_version or "3.0.3")
    assert set(document["paths"]) == {"/pets", "/pets/{pet_id}", *DUALWEB_PATHS}
    assert document["paths"]["/pets"]["post"]["operationId"] == "pets_create_pet"
    assert "Pet" in document["components"]["schemas"]
    assert_holds_dualweb_part(document)
    validate(document)
    assert "/apispec.json" in client.get("/docs").get_data(as_text=True)  # its ReDoc page
    assert client.get("/openapi.json").status_code == 404  # dualweb serves none
    assert_orders_served(client)


# --- flask-restx: Swagger 2.0, so two documents ------------------------------------------------


def restx_app() -> Any:
    from flask_restx import Api, Resource, fields

    app = flask.Flask(__name__)
    api = Api(
        app,
        title="Pet shop",
        version="1",
        doc="/docs",
        description="Orders are documented at [/api/docs](/api/docs).",
    )
    pets = api.namespace("pets", description="Pets")
    pet = api.model(
        "Pet", {"id": fields.Integer(readonly=True), "name": fields.String(required=True)}
    )

    @pets.route("/")
    class Pets(Resource):
        @pets.marshal_list_with(pet)
        def get(self):
            return [{"id": 1, "name": "Rex"}]

        @pets.expect(pet)
        @pets.marshal_with(pet, code=201)
        def post(self):
            return {"id": 2, **api.payload}, 201

    dualweb.flask.mount(
        app,
        build_orders(),
        prefix="/api",
        title="Pet shop: orders",
        description="Pets are documented at [/docs](/docs).",
        openapi_tags=[ORDERS_TAG],
    )
    return app


def test_flask_restx_keeps_its_swagger2_document_beside_dualwebs() -> None:
    app = restx_app()
    client = app.test_client()
    theirs = client.get("/swagger.json").get_json()
    assert theirs["swagger"] == "2.0"
    assert set(theirs["paths"]) == {"/pets/"}
    validate(theirs)
    with pytest.raises(DualwebError, match=r"Swagger 2\.0"):
        merge_into(theirs, app)

    ours = client.get("/api/openapi.json").get_json()
    assert set(ours["paths"]) == {f"/api{path}" for path in DUALWEB_PATHS}
    alone = served_alone(
        "/api", title="Pet shop: orders", description="Pets are documented at [/docs](/docs)."
    )
    assert ours == alone
    validate(ours)
    assert client.get("/docs").status_code == 200  # flask-restx's page
    assert client.get("/api/docs").status_code == 200  # dualweb's
    assert client.get("/pets/").get_json() == [{"id": 1, "name": "Rex"}]
    response = client.post("/api/orders", json={"lines": [{"pet_id": 1}]})
    assert response.status_code == 201


# --- merge_into's rules, on literal documents --------------------------------------------------


@pytest.fixture
def app() -> Any:
    app = flask.Flask(__name__)
    mount_orders(app)
    return app


def document_30(**fields: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "Mine", "version": "1"}, "paths": {}, **fields}


def test_the_given_document_is_left_unchanged(app: Any) -> None:
    document = document_30(paths={"/mine": {"get": {"responses": {"200": {"description": "OK"}}}}})
    before = copy.deepcopy(document)
    merged = merge_into(document, app)
    assert document == before
    assert set(merged["paths"]) == {"/mine", *DUALWEB_PATHS}
    merged["paths"]["/orders"]["post"]["summary"] = "changed"
    assert merge_into(document, app)["paths"]["/orders"]["post"]["summary"] == "Create Order"


def test_an_identical_schema_is_kept_once(app: Any) -> None:
    ours = to_openapi30(served_alone())["components"]["schemas"]
    document = document_30(components={"schemas": {"Line": ours["Line"]}})
    merged = merge_into(document, app)
    assert merged["components"]["schemas"]["Line"] == ours["Line"]
    validate(merged)


def test_a_different_schema_of_the_same_name_is_an_error(app: Any) -> None:
    document = document_30(
        components={"schemas": {"Line": {"type": "string"}, "Order": {"type": "integer"}}}
    )
    with pytest.raises(DualwebError, match="different schemas named Line, Order"):
        merge_into(document, app)


def test_rename_schema_renames_dualwebs_and_every_reference_to_it(app: Any) -> None:
    theirs = {"type": "object", "properties": {"code": {"type": "integer"}}}
    document = document_30(components={"schemas": {"ValidationError": theirs}})
    merged = merge_into(document, app, rename_schema=lambda name: f"{name}-v2")
    schemas = merged["components"]["schemas"]
    assert schemas["ValidationError"] == theirs
    assert schemas["ValidationError-v2"]["required"] == ["loc", "msg", "type"]
    # dualweb's HTTPValidationError (unrenamed) now refers to the renamed one.
    assert schemas["HTTPValidationError"]["properties"]["detail"]["items"] == {
        "$ref": "#/components/schemas/ValidationError-v2"
    }
    refs = str(merged["paths"])
    assert "#/components/schemas/HTTPValidationError" in refs
    validate(merged)


def test_rename_schema_to_a_name_in_use_is_an_error(app: Any) -> None:
    document = document_30(components={"schemas": {"Line": {"type": "string"}}})
    with pytest.raises(DualwebError, match=r"rename_schema\('Line'\) gave 'Order'"):
        merge_into(document, app, rename_schema=lambda name: "Order")


def test_a_discriminator_mapping_follows_a_rename() -> None:
    from typing import Annotated, Literal

    from pydantic import Field

    class Cat(BaseModel):
        kind: Literal["cat"]

    class Dog(BaseModel):
        kind: Literal["dog"]

    class Pen(BaseModel):
        pet: Annotated[Cat | Dog, Field(discriminator="kind")]

    router = Router()

    @router.post("/pens")
    def create_pen(pen: Pen) -> None:
        return None

    app = flask.Flask(__name__)
    dualweb.flask.mount(app, router, openapi_url=None)
    document = {"openapi": "3.1.0", "info": {"title": "Mine", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": {"Cat": {"type": "string"}}}
    merged = merge_into(document, app, rename_schema=lambda name: f"{name}2")
    union = merged["components"]["schemas"]["Pen"]["properties"]["pet"]
    assert union["oneOf"] == [
        {"$ref": "#/components/schemas/Cat2"},
        {"$ref": "#/components/schemas/Dog"},
    ]
    assert union["discriminator"]["mapping"] == {
        "cat": "#/components/schemas/Cat2",
        "dog": "#/components/schemas/Dog",
    }
    assert merged["components"]["schemas"]["Cat"] == {"type": "string"}
    assert merged["components"]["schemas"]["Cat2"]["title"] == "Cat"
    validate(merged)


def test_a_security_scheme_defined_differently_is_an_error(app: Any) -> None:
    same = document_30(
        components={"securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}}}
    )
    assert merge_into(same, app)["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer"}
    }
    other = document_30(
        components={"securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "basic"}}}
    )
    with pytest.raises(DualwebError, match=r"securitySchemes\.HTTPBearer"):
        merge_into(other, app)


def test_an_operation_in_both_documents_is_an_error(app: Any) -> None:
    document = document_30(
        paths={"/orders": {"post": {"responses": {"201": {"description": "Created"}}}}}
    )
    with pytest.raises(DualwebError, match="POST /orders is documented twice"):
        merge_into(document, app)


def test_tags_keep_the_documents_descriptions(app: Any) -> None:
    mine = {"name": "orders", "description": "Mine"}
    merged = merge_into(document_30(tags=[{"name": "pets"}, mine]), app)
    assert merged["tags"] == [{"name": "pets"}, mine]
    merged = merge_into(document_30(tags=[{"name": "pets"}]), app)
    assert merged["tags"] == [{"name": "pets"}, ORDERS_TAG]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"swagger": "2.0", "info": {}, "paths": {}}, "Swagger 2.0"),
        ({"info": {}, "paths": {}}, "openapi=None"),
        ({"openapi": "2.0", "info": {}, "paths": {}}, "openapi='2.0'"),
    ],
    ids=["swagger-2.0", "no-version", "openapi-2.0"],
)
def test_only_openapi3_documents_take_the_operations(
    app: Any, document: dict[str, Any], message: str
) -> None:
    with pytest.raises(DualwebError, match=re.escape(message)):
        merge_into(document, app)


def test_an_app_without_mounted_routers_is_an_error() -> None:
    with pytest.raises(DualwebError, match="no dualweb router is mounted"):
        merge_into(document_30(), flask.Flask(__name__))


def test_prefix_chooses_the_routers_mounted_under_it() -> None:
    app = flask.Flask(__name__)
    dualweb.flask.mount(app, build_orders(), prefix="/a", openapi_url=None)
    dualweb.flask.mount(app, build_orders(), prefix="/b", name="b", openapi_url=None)
    every = merge_into(document_30(), app)
    assert set(every["paths"]) == {f"{p}{path}" for p in ("/a", "/b") for path in DUALWEB_PATHS}
    only_a = merge_into(document_30(), app, prefix="/a")
    assert set(only_a["paths"]) == {f"/a{path}" for path in DUALWEB_PATHS}
    with pytest.raises(DualwebError, match="under '/c'"):
        merge_into(document_30(), app, prefix="/c")


def test_the_starlette_hosts_routers_merge_too() -> None:
    app = starlette.applications.Starlette()
    dualweb.starlette.mount(app, build_orders(), openapi_url=None, openapi_tags=[ORDERS_TAG])
    merged = merge_into(document_30(), app)
    assert_holds_dualweb_part(merged)
    validate(merged)


def test_the_mounts_own_keywords_shape_the_part() -> None:
    app = flask.Flask(__name__)
    dualweb.flask.mount(
        app,
        build_orders(),
        openapi_url=None,
        generate_unique_id_function=lambda route: route.name,
        title="Not merged",
    )
    merged = merge_into(document_30(), app)
    assert merged["paths"]["/orders"]["post"]["operationId"] == "create_order"
    assert merged["info"] == {"title": "Mine", "version": "1"}
    alone = served_alone(generate_unique_id_function=lambda route: route.name)
    assert alone["paths"]["/orders"]["post"]["operationId"] == "create_order"


def test_webhooks_go_into_a_31_document_and_are_refused_by_a_30_one():
    router = Router()

    @router.get("/ping")
    def ping() -> str:
        return "pong"

    @router.webhooks.post("new-subscription")
    def new_subscription(plan: str) -> None:
        pass

    app = flask.Flask("webhooks")
    dualweb.flask.mount(app, router, openapi_url=None)
    base = {"info": {"title": "t", "version": "1"}, "paths": {}}
    merged = merge_into({"openapi": "3.1.0", **base}, app)
    assert list(merged["webhooks"]) == ["new-subscription"]
    with pytest.raises(DualwebError, match=r"OpenAPI 3\.0 cannot hold"):
        merge_into({"openapi": "3.0.3", **base}, app)

"""The OpenAPI document: JSON-equal to native FastAPI's for the same handler source.

Every ``build(api)`` of the behaviour test modules is described by dualweb
(``dualweb.openapi.get_openapi``) and by FastAPI (``app.openapi()``) and the two
documents are compared; the builds below add what those do not exercise. Each
document is also checked with ``openapi-spec-validator``.
"""

import dataclasses
import enum
import importlib
import inspect
import io
import json
import warnings
from collections.abc import Callable
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, ConfigDict, Field, computed_field

import dualweb
import dualweb.security
from dualweb.openapi import export_openapi, get_openapi, openapi_for
from tests._helpers import installed_below, sec
from tests.conftest import DUALWEB, _fastapi_namespace

DOC_KEYWORDS = {"title": "FastAPI", "version": "0.1.0"}


def ours(build: Callable[[Any], Any], **kwargs: Any) -> dict[str, Any]:
    options = {**DOC_KEYWORDS, **kwargs}
    return get_openapi(routes=build(DUALWEB).routes, **options)


def theirs(build: Callable[[Any], Any], **kwargs: Any) -> dict[str, Any]:
    import fastapi

    app = fastapi.FastAPI(**kwargs)
    app.include_router(build(_fastapi_namespace()))
    document: dict[str, Any] = app.openapi()
    return document


def _shared_operation_ids(document: dict[str, Any]) -> None:
    """Blank the operation ids of routes declared with several methods.

    FastAPI names such a route after ``list(route.methods)[0]``, the first
    method of a set, which changes with the interpreter's hash seed; dualweb
    takes the first method in sorted order, so the document stays stable.
    """
    for item in document["paths"].values():
        ids = [op.get("operationId") for op in item.values()]
        for operation in item.values():
            if ids.count(operation.get("operationId")) > 1:
                operation["operationId"] = "<several methods>"


def _is_valid(document: dict[str, Any]) -> bool:
    try:
        validate(document)
    except Exception:
        return False
    return True


#: The first FastAPI release that documents these routers as dualweb does (FastAPI changed how
#: since the floor: headers' and header models' names, form models, JSON Lines streams,
#: bodies' schemas), found by installing releases: below it, dualweb's document is only made
#: (and checked for whatever the test asserts of it). docs/versions.md lists them.
DOCUMENTED_AS_DUALWEB_FROM = {
    "test_bodies.build_more": "0.154",
    "test_forms.build_models": "0.160",
    "test_headers_cookies.build_headers": "0.157",
    "test_headers_cookies.build_spellings": "0.157",
    "test_headers_cookies.build_header_models": "0.159",
    "test_headers_cookies.build_model_aliases": "0.159",
    "test_streaming_handlers.build_jsonl": "0.141",
    "test_streaming_handlers.build_invalid": "0.141",
    "test_streaming_handlers.build_documented": "0.141",
    "test_openapi.build_parameters": "0.159",
    "test_openapi.build_bodies": "0.164",
}


def compared_with_fastapi(build: Callable[[Any], Any]) -> bool:
    """Whether the installed FastAPI documents ``build``'s router as dualweb does."""
    name = f"{build.__module__.rsplit('.', 1)[-1]}.{build.__name__}"
    return not installed_below("fastapi", DOCUMENTED_AS_DUALWEB_FROM.get(name, "0"))


def assert_same_document(build: Callable[[Any], Any], **kwargs: Any) -> dict[str, Any]:
    got = ours(build, **kwargs)
    if not compared_with_fastapi(build):
        return got
    want = theirs(build, **kwargs)
    # A handler may itself declare what the specification forbids (a default of the wrong
    # type): the document must validate whenever FastAPI's for the same source does.
    if _is_valid(want):
        validate(got)
    _shared_operation_ids(got)
    _shared_operation_ids(want)
    assert json.loads(json.dumps(got)) == want
    return got


# --- every router of the behaviour tests --------------------------------------------------

_MODULES = [
    "test_path_query",
    "test_bodies",
    "test_forms",
    "test_files",
    "test_response_classes",
    "test_security",
    "test_headers_cookies",
    "test_response_models",
    "test_response_parameter",
    "test_routing",
    "test_dependencies",
    "test_errors",
    "test_request",
    "test_background",
    "test_streaming_handlers",
]

# dualweb reads `q: Annotated[str, Query()] = ...` as required (FastAPI keeps the literal
# Ellipsis as an optional default and then fails with a 500): its document says so.
_DELIBERATE = {"test_path_query.build_ellipsis"}


def _suite_builds() -> list[Any]:
    builds = []
    for module_name in _MODULES:
        module = importlib.import_module(module_name)
        for name, function in vars(module).items():
            if (
                name.startswith("build")
                and inspect.isfunction(function)
                and function.__module__ == module_name
                and list(inspect.signature(function).parameters) == ["api"]
                and f"{module_name}.{name}" not in _DELIBERATE
            ):
                builds.append(pytest.param(function, id=f"{module_name}.{name}"))
    return builds


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("build", _suite_builds())
def test_suite_routers_document_as_fastapi(build: Callable[[Any], Any]) -> None:
    assert_same_document(build)


def test_ellipsis_default_is_documented_as_required() -> None:
    from test_path_query import build_ellipsis

    got, want = ours(build_ellipsis), theirs(build_ellipsis)
    validate(got)
    [param] = got["paths"]["/ellipsis"]["get"]["parameters"]
    assert param["required"] is True
    param["required"] = False
    assert got == want


# --- parameters ---------------------------------------------------------------------------


class Color(str, enum.Enum):
    red = "red"
    blue = "blue"


class Paging(BaseModel):
    limit: int = Field(10, gt=0, le=100, description="Page size")
    offset: int = 0
    tags: list[str] = []
    order: Literal["asc", "desc"] = "asc"


class Client(BaseModel):
    user_agent: str
    x_trace: Optional[str] = None


class Session(BaseModel):
    session_id: str
    theme: str = "light"


def build_parameters(api):
    router = api.Router()

    @router.get("/items/{item_id}")
    def read_item(
        item_id: Annotated[int, api.Path(title="The item", ge=1, description="Which item")],
        color: Color,
        q: Annotated[
            Optional[str],
            api.Query(
                alias="item-query",
                max_length=20,
                pattern="^[a-z]+$",
                description="Search text",
                deprecated=True,
            ),
        ] = None,
        many: Annotated[list[int], api.Query()] = [],
        plain: float = 1.5,
        flag: bool = False,
        hidden: Annotated[Optional[str], api.Query(include_in_schema=False)] = None,
        shown: Annotated[
            str,
            api.Query(
                examples=["one", "two"],
                openapi_examples={
                    "first": {"summary": "The first", "value": "one"},
                    "second": {"summary": "The second", "value": "two", "description": "x"},
                },
            ),
        ] = "one",
        user_agent: Annotated[Optional[str], api.Header()] = None,
        x_raw_name: Annotated[Optional[str], api.Header(convert_underscores=False)] = None,
        x_tokens: Annotated[Optional[list[str]], api.Header()] = None,
        session: Annotated[Optional[str], api.Cookie(description="The session")] = None,
    ):
        return {}

    @router.get("/models")
    def models(
        paging: Annotated[Paging, api.Query()],
        client: Annotated[Client, api.Header()],
        session: Annotated[Session, api.Cookie()],
    ):
        return {}

    @router.get("/optional-model")
    def optional_model(paging: Annotated[Optional[Paging], api.Query()] = None):
        return {}

    @router.get("/files/{rest:path}")
    def files(rest: str):
        return rest

    return router


def build_example_parameter(api):
    router = api.Router()

    @router.get("/old")
    def old(q: Annotated[str, api.Query(example="abc")] = "x"):
        return q

    @router.post("/old-body")
    def old_body(item: Annotated[dict[str, int], api.Body(example={"a": 1})]):
        return item

    return router


def test_parameters() -> None:
    document = assert_same_document(build_parameters)
    params = document["paths"]["/items/{item_id}"]["get"]["parameters"]
    names = [(p["in"], p["name"]) for p in params]
    assert ("query", "item-query") in names and ("header", "user-agent") in names
    assert ("header", "x_raw_name") in names and ("query", "hidden") not in names


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_deprecated_example_keyword() -> None:
    document = assert_same_document(build_example_parameter)
    assert document["paths"]["/old"]["get"]["parameters"][0]["example"] == "abc"


# --- bodies -------------------------------------------------------------------------------


class Item(BaseModel):
    """An item.\fNot shown."""

    name: str
    price: float = Field(gt=0, description="In euros")
    tags: list[str] = []
    owner: Optional["Owner"] = None


class Owner(BaseModel):
    model_config = ConfigDict(title="The owner")
    login: str
    kind: Color = Color.red


Item.model_rebuild()


class WithComputed(BaseModel):
    width: int
    height: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def area(self) -> int:
        return self.width * self.height


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


def build_bodies(api):
    router = api.Router()

    @router.post("/items", status_code=201, response_model=Item)
    def create(item: Item):
        return item

    @router.put("/items/{item_id}")
    def replace(
        item_id: int,
        item: Item,
        owner: Owner,
        importance: Annotated[int, api.Body(gt=0)],
        note: Annotated[Optional[str], api.Body(alias="theNote")] = None,
    ) -> Item:
        return item

    @router.post("/embedded")
    def embedded(item: Annotated[Item, api.Body(embed=True)]):
        return item

    @router.post("/optional-body")
    def optional_body(item: Optional[Item] = None):
        return item

    @router.post("/examples")
    def examples(
        item: Annotated[
            Item,
            api.Body(
                openapi_examples={
                    "normal": {"summary": "A normal item", "value": {"name": "x", "price": 1}}
                }
            ),
        ],
    ):
        return item

    @router.post("/computed")
    def computed(shape: WithComputed) -> WithComputed:
        return shape

    @router.post("/point")
    def point(point: Point) -> list[Point]:
        return [point]

    @router.post("/dict")
    def raw(data: dict[str, list[int]], extra: Annotated[Union[int, str], api.Body()]) -> dict:
        return data

    @router.get("/get-with-body")
    def get_with_body(item: Item) -> Item:
        return item

    return router


def test_bodies() -> None:
    document = assert_same_document(build_bodies)
    schemas = document["components"]["schemas"]
    assert {"WithComputed-Input", "WithComputed-Output", "Body_replace_items__item_id__put"} <= set(
        schemas
    )
    # (pydantic 2.11, the floor, gives Item separate input and output schemas here; on the
    # newest versions the whole document is FastAPI's, Item's name included.)
    item = schemas["Item"] if "Item" in schemas else schemas["Item-Output"]
    assert item["description"] == "An item."


def test_without_separate_input_output_schemas() -> None:
    document = assert_same_document(build_bodies, separate_input_output_schemas=False)
    # A model with computed fields keeps its two schemas; the others have one.
    assert {"Item", "WithComputed-Input", "WithComputed-Output"} <= set(
        document["components"]["schemas"]
    )


# --- forms and files ----------------------------------------------------------------------


class Login(BaseModel):
    username: str
    password: str = Field(json_schema_extra={"format": "password"})
    remember: bool = False


def build_forms(api):
    router = api.Router()

    @router.post("/login")
    def login(username: Annotated[str, api.Form()], password: Annotated[str, api.Form()]):
        return username

    @router.post("/login-model")
    def login_model(data: Annotated[Login, api.Form()]):
        return data

    @router.post("/upload")
    def upload(
        file: api.UploadFile,
        raw: Annotated[bytes, api.File(description="Raw bytes")],
        many: list[api.UploadFile],
        maybe: Optional[api.UploadFile] = None,
        label: Annotated[str, api.Form()] = "x",
    ):
        return {}

    @router.post("/one-file")
    def one_file(file: Annotated[bytes, api.File()]):
        return len(file)

    @router.post("/token")
    def token(form: Annotated[Any, api.Depends(sec(api).OAuth2PasswordRequestForm)]):
        return {}

    return router


def test_forms_and_files() -> None:
    document = assert_same_document(build_forms)
    upload = document["paths"]["/upload"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    schema = document["components"]["schemas"]["Body_upload_upload_post"]
    assert schema["properties"]["file"] == {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "title": "File",
    }


# --- responses ----------------------------------------------------------------------------


class Message(BaseModel):
    message: str


def build_responses(api):
    router = api.Router(responses={418: {"description": "A teapot"}})

    @router.get(
        "/item",
        response_model=Item,
        response_description="The item",
        responses={
            404: {"model": Message, "description": "Not there"},
            "4XX": {"model": Message},
            "default": {"description": "Anything else"},
            302: {"description": "Moved", "headers": {"Location": {"schema": {"type": "string"}}}},
            200: {
                "content": {"image/png": {}},
                "description": "The item, or its picture",
            },
        },
    )
    def item():
        return {}

    @router.delete("/item", status_code=204)
    def delete_item():
        return None

    @router.get("/items", response_model=list[Item])
    def items(q: Optional[str] = None):
        return []

    @router.get("/html", response_class=api.HTMLResponse)
    def html():
        return "<p>hi</p>"

    @router.get("/text", response_class=api.PlainTextResponse, responses={404: {"model": Message}})
    def text():
        return "hi"

    @router.get("/redirect", response_class=api.RedirectResponse)
    def redirect():
        return "/html"

    @router.get("/redirect-302", response_class=api.RedirectResponse, status_code=302)
    def redirect_302():
        return "/html"

    @router.get("/stream", response_class=api.StreamingResponse)
    def stream():
        return api.StreamingResponse(iter([b"x"]))

    @router.get("/file", response_class=api.FileResponse)
    def file():
        return __file__

    @router.get("/json", response_class=api.JSONResponse)
    def json_class() -> Message:
        return Message(message="hi")

    @router.get("/returns-response")
    def returns_response() -> api.Response:
        return api.Response("x")

    @router.get("/none", response_model=None)
    def none() -> Message:
        return Message(message="x")

    @router.post("/teapot", responses={418: {"model": Message}, 422: {"description": "Bad"}})
    def teapot(x: int):
        return x

    return router


def test_responses() -> None:
    document = assert_same_document(build_responses)
    assert "content" not in document["paths"]["/item"]["delete"]["responses"]["204"]
    assert set(document["paths"]["/redirect"]["get"]["responses"]) == {"307", "418"}


# --- operations: metadata, routers, security, extras -------------------------------------


class Tag(str, enum.Enum):
    admin = "admin"


def build_operations(api):
    security = sec(api)
    bearer = security.HTTPBearer(description="A token")
    basic = security.HTTPBasic(scheme_name="basic-auth")
    key_header = security.APIKeyHeader(name="X-Key")
    key_query = security.APIKeyQuery(name="key", auto_error=False)
    key_cookie = security.APIKeyCookie(name="key")
    oauth2 = security.OAuth2PasswordBearer(
        tokenUrl="token", scopes={"read": "Read things", "write": "Write things"}
    )
    code_flow = security.OAuth2AuthorizationCodeBearer(
        authorizationUrl="https://example.com/auth", tokenUrl="https://example.com/token"
    )
    oidc = security.OpenIdConnect(openIdConnectUrl="https://example.com/.well-known")

    def current_user(
        token: Annotated[str, api.Security(oauth2, scopes=["read"])],
        trace: Annotated[Optional[str], api.Header()] = None,
    ):
        return token

    def audit(x_request_id: Annotated[Optional[str], api.Header()] = None):
        return x_request_id

    router = api.Router(
        prefix="/v1",
        tags=["v1"],
        dependencies=[api.Depends(audit)],
        responses={503: {"description": "Down"}},
    )

    @router.get("/plain")
    def plain_operation_name():
        """Read the plain thing.

        With more text.
        \f
        :param nothing: not shown
        """
        return {}

    @router.get(
        "/meta",
        tags=[Tag.admin, "extra"],
        summary="A summary",
        description="A description",
        operation_id="the_meta",
        deprecated=True,
        openapi_extra={
            "x-custom": {"a": 1},
            "parameters": [{"name": "extra", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Changed"}},
        },
    )
    def meta(q: Optional[int] = None):
        """Not used: the description wins."""
        return {}

    @router.get("/hidden", include_in_schema=False)
    def hidden():
        return {}

    @router.get("/secure")
    def secure(
        user: Annotated[str, api.Security(current_user, scopes=["write"])],
        credentials: Annotated[Any, api.Depends(bearer)],
        other: Annotated[Any, api.Depends(basic)],
    ):
        return {}

    @router.get("/keys", dependencies=[api.Depends(key_header), api.Depends(key_cookie)])
    def keys(key: Annotated[Optional[str], api.Depends(key_query)]):
        return {}

    @router.get("/flows", dependencies=[api.Security(oauth2, scopes=["read", "write"])])
    def flows(
        code: Annotated[str, api.Depends(code_flow)],
        oidc_header: Annotated[str, api.Depends(oidc)],
    ):
        return {}

    @router.post("/extra-body", openapi_extra={"requestBody": {"content": {"application/x": {}}}})
    def extra_body():
        return {}

    parent = api.Router()
    parent.include_router(
        router, prefix="/api", tags=["included"], responses={404: {"description": "Gone"}}
    )
    child = api.Router()

    @child.get("/child/{child_id}", tags=["child"])
    def child_op(child_id: int, user: Annotated[str, api.Depends(current_user)]):
        return {}

    parent.include_router(child, prefix="/c", deprecated=True)
    unlisted = api.Router()

    @unlisted.get("/unlisted")
    def unlisted_op():
        return {}

    parent.include_router(unlisted, include_in_schema=False)

    def custom_id(route: Any) -> str:
        return f"custom-{route.name}"

    ids = api.Router(generate_unique_id_function=custom_id)

    @ids.post("/custom")
    def custom(item: Item, other: Owner):
        return {}

    parent.include_router(ids)
    return parent


def test_operations_routers_and_security() -> None:
    document = assert_same_document(build_operations)
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {
        "HTTPBearer",
        "basic-auth",
        "APIKeyHeader",
        "APIKeyQuery",
        "APIKeyCookie",
        "OAuth2PasswordBearer",
        "OAuth2AuthorizationCodeBearer",
        "OpenIdConnect",
    }
    secure = document["paths"]["/api/v1/secure"]["get"]
    assert {"OAuth2PasswordBearer": ["write", "read"]} in secure["security"]
    assert "/api/unlisted" not in document["paths"]
    assert "Body_custom-custom" in document["components"]["schemas"]


def test_document_keywords() -> None:
    keywords = {
        "title": "Shop",
        "version": "2.0",
        "summary": "The shop",
        "description": "All the **things**",
        "openapi_tags": [{"name": "v1", "description": "Version one"}],
        "servers": [{"url": "https://example.com", "description": "Production"}],
        "terms_of_service": "https://example.com/terms",
        "contact": {"name": "Shop", "email": "shop@example.com"},
        "license_info": {"name": "MIT", "identifier": "MIT"},
    }
    got = get_openapi(routes=build_operations(DUALWEB).routes, **keywords)
    want = theirs(build_operations, **keywords)
    validate(got)
    _shared_operation_ids(got)
    _shared_operation_ids(want)
    assert got == want
    assert got["info"]["termsOfService"] == "https://example.com/terms"


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID:UserWarning")
def test_several_methods() -> None:
    def build(api):
        router = api.Router()

        @router.api_route("/several", methods=["GET", "POST", "DELETE"])
        def several(q: int = 0):
            return {}

        return router

    document = assert_same_document(build)
    # One id for every method (FastAPI's choice of method depends on the hash seed).
    assert {op["operationId"] for op in ours(build)["paths"]["/several"].values()} == {
        "several_several_delete"
    }
    assert set(document["paths"]["/several"]) == {"get", "post", "delete"}


def test_empty_router() -> None:
    document = assert_same_document(lambda api: api.Router())
    assert document == {"openapi": "3.1.0", "info": DOC_KEYWORDS, "paths": {}}


def test_duplicate_operation_ids_warn_as_fastapi() -> None:
    def build(api):
        router = api.Router()
        router.add_api_route("/a", lambda: 1, name="same", operation_id="dup")
        router.add_api_route("/b", lambda: 2, name="same", operation_id="dup")
        return router

    with pytest.warns(UserWarning, match="Duplicate Operation ID dup"):
        got = ours(build)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = theirs(build)
    assert got == want


def test_module_is_framework_free() -> None:
    source = inspect.getsource(importlib.import_module("dualweb.openapi"))
    for framework in ("flask", "werkzeug", "starlette", "fastapi"):
        assert f"import {framework}" not in source
        assert f"from {framework}" not in source


# --- caching and export -------------------------------------------------------------------


def test_cached_until_a_route_is_declared() -> None:
    router = dualweb.Router()
    child = dualweb.Router()

    @router.get("/a")
    def a():
        return 1

    router.include_router(child, prefix="/child")
    first = openapi_for(router)
    assert openapi_for(router) is first
    assert set(first["paths"]) == {"/a"}

    @router.get("/b")
    def b():
        return 2

    second = openapi_for(router)
    assert second is not first and set(second["paths"]) == {"/a", "/b"}

    @child.get("/c")
    def c():
        return 3

    third = openapi_for(router)
    assert set(third["paths"]) == {"/a", "/b", "/child/c"}
    assert openapi_for(router) is third
    assert openapi_for(router, title="Other")["info"]["title"] == "Other"
    assert openapi_for(router) is third


def test_export(tmp_path: Any) -> None:
    router = build_bodies(DUALWEB)
    target = tmp_path / "openapi.json"
    document = export_openapi(router, target, title="Exported", version="1")
    assert json.loads(target.read_text()) == document
    assert document["info"] == {"title": "Exported", "version": "1"}
    buffer = io.StringIO()
    assert export_openapi(router, buffer, title="Exported", version="1") == document
    assert json.loads(buffer.getvalue()) == document
    validate(document)

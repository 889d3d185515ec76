"""Return values: response models, status codes, response classes and returned
Responses, on every host, compared with native FastAPI."""

import collections
import dataclasses
import datetime
import uuid
from decimal import Decimal
from typing import Any, Optional, Union

import fastapi.exceptions
import pytest
from pydantic import BaseModel, Field

import dualweb._core.responding
import dualweb.exceptions
from dualweb._core.typeinfo import kept_by_validation
from dualweb.testing import build_app, client_for_app
from tests.conftest import DUALWEB, native_client

# --- models --------------------------------------------------------------------


class UserIn(BaseModel):
    username: str
    password: str
    email: str
    full_name: Optional[str] = None


class UserOut(BaseModel):
    username: str
    email: str
    full_name: Optional[str] = None


class Item(BaseModel):
    name: str
    description: Optional[str] = None
    price: float = 10.5
    tax: Optional[float] = None
    tags: list[str] = []


class Aliased(BaseModel):
    item_id: int = Field(alias="itemId")
    display_name: str = Field("x", alias="displayName")


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: Optional[str] = None


SECRET = "s3cr3t-password"


# --- response models filter and validate -----------------------------------------------


def build_models(api):
    router = api.Router()

    @router.post("/users", response_model=UserOut, status_code=201)
    def create_user(user: UserIn) -> Any:
        return user

    @router.get("/users/annotated")
    def annotated() -> UserOut:
        return UserIn(username="ann", password=SECRET, email="a@example.com")  # type: ignore[return-value]

    @router.get("/users/dict")
    async def from_dict() -> UserOut:
        return {"username": "d", "password": SECRET, "email": "d@example.com", "extra": 1}  # type: ignore[return-value]

    @router.get("/users/list")
    def many() -> list[UserOut]:
        return [  # type: ignore[list-item]
            {"username": "a", "password": SECRET, "email": "a@x"},
            UserIn(username="b", password=SECRET, email="b@x", full_name="B"),
        ]

    @router.get("/users/model-wins", response_model=UserOut)
    def model_wins() -> dict:
        # response_model= takes precedence over the annotation.
        return {"username": "m", "password": SECRET, "email": "m@x"}

    @router.get("/coerced")
    def coerced() -> dict[str, int]:
        return {"a": "1", "b": 2.0}  # type: ignore[dict-item]

    @router.get("/dataclass")
    def dataclass_model() -> Point:
        return Point(x=3, y=1.5)

    @router.get("/optional")
    def optional() -> Optional[Item]:
        return None

    return router


def test_response_models_validate_and_filter(parity):
    results = parity(
        build_models,
        [
            ("POST", "/users", {"json": {"username": "u", "password": SECRET, "email": "u@x"}}),
            ("GET", "/users/annotated"),
            ("GET", "/users/dict"),
            ("GET", "/users/list"),
            ("GET", "/users/model-wins"),
            ("GET", "/coerced"),
            ("GET", "/dataclass"),
            ("GET", "/optional"),
        ],
    )
    created, annotated, from_dict, many, model_wins, coerced, point, optional = results
    assert created.status_code == 201
    assert created.json() == {"username": "u", "email": "u@x", "full_name": None}
    for response in results:
        assert SECRET not in response.text
    assert annotated.json() == {"username": "ann", "email": "a@example.com", "full_name": None}
    assert from_dict.json() == {"username": "d", "email": "d@example.com", "full_name": None}
    assert many.json() == [
        {"username": "a", "email": "a@x", "full_name": None},
        {"username": "b", "email": "b@x", "full_name": "B"},
    ]
    assert model_wins.json() == {"username": "m", "email": "m@x", "full_name": None}
    assert coerced.json() == {"a": 1, "b": 2}
    assert point.json() == {"x": 3, "y": 1.5, "label": None}
    assert optional.json() is None
    assert created.headers["content-type"] == "application/json"


# --- response_model_* options ----------------------------------------------------------


def build_options(api):
    router = api.Router()
    item = {"name": "Foo", "description": None, "price": 10.5, "tax": None, "tags": []}

    @router.get("/include", response_model=Item, response_model_include={"name", "price"})
    def include():
        return item

    @router.get("/exclude", response_model=Item, response_model_exclude={"tax", "tags"})
    def exclude():
        return item

    @router.get("/exclude-list", response_model=Item, response_model_exclude=["tax", "tags"])
    def exclude_list():
        return item

    @router.get("/unset/model", response_model=Item, response_model_exclude_unset=True)
    def unset_model():
        return Item(name="Foo", tax=None)

    @router.get("/unset/dict", response_model=Item, response_model_exclude_unset=True)
    def unset_dict():
        return {"name": "Bar", "price": 10.5}

    @router.get("/defaults", response_model=Item, response_model_exclude_defaults=True)
    def defaults():
        return Item(name="Baz", price=10.5, tax=2.0, tags=[])

    @router.get("/none", response_model=Item, response_model_exclude_none=True)
    def none():
        return Item(name="Qux", tags=["a"])

    @router.get("/alias")
    def alias() -> Aliased:
        return Aliased(itemId=1)

    @router.get("/no-alias", response_model=Aliased, response_model_by_alias=False)
    def no_alias():
        return {"itemId": 2, "displayName": "two"}

    @router.get(
        "/combined",
        response_model=list[Item],
        response_model_exclude_none=True,
        response_model_exclude={"description"},
    )
    def combined():
        return [Item(name="a", description="d", tax=1.0), {"name": "b"}]

    return router


def test_response_model_options(parity):
    results = parity(
        build_options,
        [
            ("GET", "/include"),
            ("GET", "/exclude"),
            ("GET", "/exclude-list"),
            ("GET", "/unset/model"),
            ("GET", "/unset/dict"),
            ("GET", "/defaults"),
            ("GET", "/none"),
            ("GET", "/alias"),
            ("GET", "/no-alias"),
            ("GET", "/combined"),
        ],
    )
    bodies = [r.json() for r in results]
    assert bodies == [
        {"name": "Foo", "price": 10.5},
        {"name": "Foo", "description": None, "price": 10.5},
        {"name": "Foo", "description": None, "price": 10.5},
        {"name": "Foo", "tax": None},
        {"name": "Bar", "price": 10.5},
        {"name": "Baz", "tax": 2.0},
        {"name": "Qux", "price": 10.5, "tags": ["a"]},
        {"itemId": 1, "displayName": "x"},
        {"item_id": 2, "display_name": "two"},
        # A set exclude applies to the list, not to each item: "description" stays.
        [
            {"name": "a", "description": "d", "price": 10.5, "tax": 1.0, "tags": []},
            {"name": "b", "price": 10.5, "tags": []},
        ],
    ]


# --- status codes ------------------------------------------------------------------------


def build_status(api):
    router = api.Router()

    @router.post("/created", status_code=201)
    def created() -> Item:
        return Item(name="new")

    @router.post("/accepted", status_code=api.status.HTTP_202_ACCEPTED)
    async def accepted():
        return {"queued": True}

    @router.delete("/gone", status_code=204)
    def gone() -> None:
        return None

    @router.delete("/gone-with-body", status_code=204)
    def gone_with_body():
        return {"this": "is never sent"}

    @router.get("/via-response")
    def via_response(response: api.Response) -> Item:
        response.status_code = 202
        response.headers["X-Extra"] = "1"
        response.set_cookie("flavour", "oat", max_age=60, httponly=True)
        return Item(name="r")

    @router.get("/via-response-204", status_code=200)
    def via_response_204(response: api.Response):
        response.status_code = 204
        return {"dropped": True}

    @router.get("/not-modified", status_code=304)
    def not_modified():
        return None

    return router


def test_status_codes(parity):
    results = parity(
        build_status,
        [
            ("POST", "/created"),
            ("POST", "/accepted"),
            ("DELETE", "/gone"),
            ("DELETE", "/gone-with-body"),
            ("GET", "/via-response"),
            ("GET", "/via-response-204"),
            ("GET", "/not-modified"),
        ],
    )
    created, accepted, gone, gone_body, via, via_204, not_modified = results
    assert created.status_code == 201 and created.json()["name"] == "new"
    assert accepted.status_code == 202 and accepted.json() == {"queued": True}
    assert gone.status_code == 204 and gone.content == b""
    assert gone_body.status_code == 204 and gone_body.content == b""
    assert "content-length" not in gone_body.headers
    assert via.status_code == 202 and via.headers["x-extra"] == "1"
    assert via.headers["set-cookie"] == "flavour=oat; HttpOnly; Max-Age=60; Path=/; SameSite=lax"
    assert via_204.status_code == 204 and via_204.content == b""
    assert not_modified.status_code == 304 and not_modified.content == b""


def test_reset_content_sends_no_body(serve, fastapi_ns):
    # 205 carries no body. FastAPI empties the body but keeps the Content-Length of
    # the content it dropped, a response no client can read; dualweb says 0.
    router = DUALWEB.Router()

    @router.post("/reset", status_code=205)
    def reset():
        return {"dropped": "yes"}

    @router.post("/reset-later")
    def reset_later(response: DUALWEB.Response) -> dict[str, str]:
        response.status_code = 205
        return {"dropped": "yes"}

    @router.post("/reset-json", status_code=205, response_class=DUALWEB.JSONResponse)
    def reset_json():
        return {"dropped": "yes"}

    client = serve(router)
    for path in ("/reset", "/reset-json", "/reset-later"):
        response = client.post(path)
        assert response.status_code == 205
        assert response.content == b""
        assert response.headers["content-length"] == "0"


def test_status_without_body_refuses_a_model(fastapi_ns):
    def declare(api):
        router = api.Router()

        @router.delete("/x", status_code=204)
        def x() -> Item:
            return Item(name="x")

    with pytest.raises(AssertionError, match="must not have a response body"):
        declare(fastapi_ns)
    with pytest.raises(dualweb.exceptions.DualwebError, match="must not have a response body"):
        declare(DUALWEB)


# --- values without a model: the jsonable_encoder path ----------------------------------------


def build_plain(api):
    router = api.Router()

    @router.get("/model")
    def model():
        return Item(name="plain", tax=None)

    @router.get("/dataclass")
    async def dataclass_value():
        return Point(1, 2.5, "p")

    @router.get("/dict")
    def dict_value():
        return {"a": [1, 2, {"b": None}], "c": True, "d": 1.5}

    @router.get("/list")
    def list_value():
        return [Item(name="x"), Point(0, 0.0), {"k": "v"}, None]

    @router.get("/none")
    def none_value():
        return None

    @router.get("/str")
    def str_value():
        return 'héllo "world"'

    @router.get("/int")
    async def int_value():
        return 42

    @router.get("/scalars")
    def scalars():
        return {
            "decimal_int": Decimal("3"),
            "decimal_frac": Decimal("1.10"),
            "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=datetime.UTC),
            "naive": datetime.datetime(2024, 1, 2, 3, 4, 5),
            "date": datetime.date(2024, 2, 29),
            "time": datetime.time(12, 30),
            "timedelta": datetime.timedelta(hours=1, milliseconds=500),
            "uuid": uuid.UUID("4f0e9b6a-0a3b-4f4c-9c1e-2b0e7f7a9f10"),
            "set": {7},
            "frozenset": frozenset({"x"}),
            "tuple": (1, "two"),
            "bytes": b"raw",
            "unicode": "日本語",
        }

    @router.get("/annotation-disabled", response_model=None)
    def annotation_disabled() -> int:
        return {"not": "an int"}  # type: ignore[return-value]

    @router.get("/union-response", response_model=None)
    def union_response(redirect: bool = False) -> Union[api.Response, dict]:
        if redirect:
            return api.RedirectResponse("/elsewhere")
        return {"plain": "dict", "password": SECRET}

    @router.get("/none-annotation")
    def none_annotation() -> None:
        return {"sent": "anyway"}  # type: ignore[return-value]

    return router


def test_values_without_a_model(parity):
    results = parity(
        build_plain,
        [
            ("GET", "/model"),
            ("GET", "/dataclass"),
            ("GET", "/dict"),
            ("GET", "/list"),
            ("GET", "/none"),
            ("GET", "/str"),
            ("GET", "/int"),
            ("GET", "/scalars"),
            ("GET", "/annotation-disabled"),
            ("GET", "/union-response"),
            ("GET", "/union-response?redirect=1", {"follow_redirects": False}),
            ("GET", "/none-annotation"),
        ],
    )
    bodies = {r.request.url.path + ("?r" if r.request.url.query else ""): r for r in results}
    assert bodies["/model"].json() == {
        "name": "plain",
        "description": None,
        "price": 10.5,
        "tax": None,
        "tags": [],
    }
    assert bodies["/dataclass"].json() == {"x": 1, "y": 2.5, "label": "p"}
    assert bodies["/list"].json() == [
        {"name": "x", "description": None, "price": 10.5, "tax": None, "tags": []},
        {"x": 0, "y": 0.0, "label": None},
        {"k": "v"},
        None,
    ]
    assert bodies["/none"].content == b"null"
    assert bodies["/str"].json() == 'héllo "world"'
    assert bodies["/int"].content == b"42"
    assert bodies["/scalars"].json() == {
        "decimal_int": 3,
        "decimal_frac": 1.1,
        "datetime": "2024-01-02T03:04:05.600000+00:00",
        "naive": "2024-01-02T03:04:05",
        "date": "2024-02-29",
        "time": "12:30:00",
        "timedelta": 3600.5,
        "uuid": "4f0e9b6a-0a3b-4f4c-9c1e-2b0e7f7a9f10",
        "set": [7],
        "frozenset": ["x"],
        "tuple": [1, "two"],
        "bytes": "raw",
        "unicode": "日本語",
    }
    assert "日本語".encode() in bodies["/scalars"].content
    assert bodies["/annotation-disabled"].json() == {"not": "an int"}
    assert bodies["/union-response"].json() == {"plain": "dict", "password": SECRET}
    redirect = bodies["/union-response?r"]
    assert redirect.status_code == 307 and redirect.headers["location"] == "/elsewhere"
    assert bodies["/none-annotation"].json() == {"sent": "anyway"}


# --- types validation cannot change: written without validating, the same bytes ----------------

ODD_VALUES = {
    "floats": [1e-7, 1e16, 0.1, float("nan"), -0.0],
    "when": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    "decimal": Decimal("1.10"),
    "model": Item(name="inner"),
    "set": {3},
    "_sa_key": "kept: only jsonable_encoder drops it",
}


MANY_KEYS = {f"key{n}": n for n in range(40)}


def build_kept(api):
    router = api.Router()

    @router.get("/list-of-dicts")
    def list_of_dicts() -> list[dict[str, Any]]:
        return [{"id": i, "price": i * 1.5, "tags": ["a"]} for i in range(40)] + [ODD_VALUES]

    @router.get("/tuple-for-list")
    def tuple_for_list() -> list[dict[str, Any]]:
        return ({"id": 1}, {"id": 2})  # type: ignore[return-value]

    @router.get("/any")
    async def any_value() -> Any:
        return {"nested": [ODD_VALUES, (1, 2)], 3: "int key"}

    @router.get("/bare-dict")
    def bare_dict() -> dict:  # type: ignore[type-arg]
        return {1: "int key", None: "none key", "x": ODD_VALUES, **MANY_KEYS}

    @router.get("/list-any", response_model=list[Any])
    def list_any():
        return [ODD_VALUES, None, "x"] * 20

    @router.get("/generator-for-list")
    def generator_for_list() -> list[Any]:
        return (n for n in range(3))  # type: ignore[return-value]

    @router.get("/excluded", response_model_exclude={"secret"})
    def excluded() -> dict[str, Any]:
        return {"secret": SECRET, "shown": 1, **MANY_KEYS}

    @router.get("/subclass-keys")
    def subclass_keys() -> dict[str, Any]:
        return collections.OrderedDict([("b", 1), ("a", 2)])

    @router.get("/model")
    def model() -> Item:
        return Item(name="as declared", tax=1e-7)

    @router.get("/short-dict")
    def short_dict() -> dict[str, Any]:
        return {"few": "keys"}

    return router


KEPT_PATHS = [
    "/list-of-dicts",
    "/tuple-for-list",
    "/any",
    "/bare-dict",
    "/list-any",
    "/generator-for-list",
    "/excluded",
    "/subclass-keys",
    "/model",
    "/short-dict",
]


def test_types_validation_cannot_change_send_fastapis_bytes(parity, fastapi_ns):
    results = parity(build_kept, [("GET", path) for path in KEPT_PATHS])
    body = dict(zip(KEPT_PATHS, results, strict=True))
    theirs = native_client(build_kept, fastapi_ns)
    for path in KEPT_PATHS:
        assert body[path].content == theirs.get(path).content, path
    assert body["/list-of-dicts"].json()[-1]["floats"] == [1e-7, 1e16, 0.1, None, -0.0]
    assert body["/tuple-for-list"].json() == [{"id": 1}, {"id": 2}]
    assert body["/excluded"].json() == {"shown": 1, **MANY_KEYS}


def test_types_validation_cannot_change_are_not_validated(serve, monkeypatch):
    # The bytes are the same either way (above): what shows the fast path is taken is
    # that these routes answer with validation out of order, where a model's route fails.
    def no_validation(self, raw):
        raise AssertionError("validated")

    monkeypatch.setattr(dualweb._core.responding._Validating, "validated", no_validation)
    client = serve(build_kept)
    for path in ["/list-of-dicts", "/any", "/bare-dict", "/list-any", "/excluded"]:
        assert client.get(path).status_code == 200, path
    # Validation turns a generator into a list; a short dict costs less to validate than to
    # have its parts checked by the serializer.
    for path in ["/generator-for-list", "/short-dict"]:
        with pytest.raises(AssertionError, match="validated"):
            client.get(path)
    assert client.get("/model").status_code == 200  # an Item, as declared
    with pytest.raises(AssertionError, match="validated"):  # a UserIn, made a UserOut
        serve(build_models).get("/users/annotated")


def test_an_unusable_annotation_needs_response_model_none(fastapi_ns):
    def declare(api):
        router = api.Router()

        @router.get("/x")
        def x() -> Union[api.Response, dict]:
            return {}

    with pytest.raises(fastapi.exceptions.FastAPIError):
        declare(fastapi_ns)
    with pytest.raises(dualweb.exceptions.DualwebError, match="response_model=None"):
        declare(DUALWEB)


# --- response classes --------------------------------------------------------------------


def build_classes(api):
    router = api.Router()

    @router.get("/html", response_class=api.HTMLResponse)
    def html():
        return "<h1>Hi</h1>"

    @router.get("/text", response_class=api.PlainTextResponse)
    async def text():
        return "plain ü"

    @router.get("/text-201", response_class=api.PlainTextResponse, status_code=201)
    def text_201():
        return "made"

    @router.get("/json-with-model", response_class=api.JSONResponse, response_model=UserOut)
    def json_with_model():
        return {"username": "j", "password": SECRET, "email": "j@x"}

    @router.get("/html-annotation", response_class=api.HTMLResponse)
    def html_annotation() -> str:
        return "<p>annotated</p>"

    html_router = api.Router(default_response_class=api.HTMLResponse)

    @html_router.get("/default-class")
    def default_class():
        return "<b>router default</b>"

    @html_router.get("/default-overridden", response_class=api.PlainTextResponse)
    def default_overridden():
        return "overridden"

    router.include_router(html_router, prefix="/r")
    return router


def test_response_classes(parity):
    html, text, text_201, json_model, html_annotation, default, overridden = parity(
        build_classes,
        [
            ("GET", "/html"),
            ("GET", "/text"),
            ("GET", "/text-201"),
            ("GET", "/json-with-model"),
            ("GET", "/html-annotation"),
            ("GET", "/r/default-class"),
            ("GET", "/r/default-overridden"),
        ],
    )
    assert html.text == "<h1>Hi</h1>"
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert text.text == "plain ü"
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text_201.status_code == 201
    assert json_model.json() == {"username": "j", "email": "j@x", "full_name": None}
    assert html_annotation.text == "<p>annotated</p>"
    assert default.text == "<b>router default</b>"
    assert default.headers["content-type"].startswith("text/html")
    assert overridden.headers["content-type"].startswith("text/plain")


# --- a returned Response is sent as it is ---------------------------------------------------


def build_returned(api):
    router = api.Router()

    @router.get("/json")
    def json_response() -> UserOut:
        # The annotation is not applied to a returned Response.
        return api.JSONResponse(  # type: ignore[return-value]
            {"password": SECRET, "n": 1}, status_code=418, headers={"X-Custom": "yes"}
        )

    @router.get("/redirect")
    async def redirect():
        return api.RedirectResponse("/target?q=a b")

    @router.get("/redirect-301")
    def redirect_301() -> api.RedirectResponse:
        return api.RedirectResponse(url="https://example.com/x", status_code=301)

    @router.get("/text", status_code=201)
    def text() -> api.PlainTextResponse:
        # The route's status_code does not apply to a returned Response.
        return api.PlainTextResponse("just text", headers={"Cache-Control": "no-store"})

    @router.get("/cookie")
    def cookie():
        response = api.Response(content="with cookie", media_type="text/plain")
        response.set_cookie("session", "abc123", max_age=3600, httponly=True, secure=True)
        response.set_cookie("theme", "dark", path="/app", samesite="strict")
        return response

    @router.get("/bytes")
    def raw_bytes():
        return api.Response(content=b"\x00\x01binary", media_type="application/octet-stream")

    @router.get("/empty")
    def empty():
        return api.Response(status_code=204)

    @router.get("/param-headers-ignored")
    def param_headers_ignored(response: api.Response):
        # Headers set on the injected response are not merged into a returned one.
        response.headers["X-Lost"] = "1"
        return api.JSONResponse({"ok": True})

    return router


def test_returned_responses_are_sent_as_is(parity):
    nf = {"follow_redirects": False}
    json_r, redirect, redirect_301, text, cookie, raw, empty, lost = parity(
        build_returned,
        [
            ("GET", "/json"),
            ("GET", "/redirect", nf),
            ("GET", "/redirect-301", nf),
            ("GET", "/text"),
            ("GET", "/cookie"),
            ("GET", "/bytes"),
            ("GET", "/empty"),
            ("GET", "/param-headers-ignored"),
        ],
    )
    assert json_r.status_code == 418
    assert json_r.json() == {"password": SECRET, "n": 1}
    assert json_r.headers["x-custom"] == "yes"
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/target?q=a%20b"
    assert redirect.content == b""
    assert redirect_301.status_code == 301
    assert redirect_301.headers["location"] == "https://example.com/x"
    assert text.status_code == 200 and text.text == "just text"
    assert text.headers["cache-control"] == "no-store"
    assert cookie.headers.get_list("set-cookie") == [
        "session=abc123; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure",
        "theme=dark; Path=/app; SameSite=strict",
    ]
    assert raw.content == b"\x00\x01binary"
    assert empty.status_code == 204 and empty.content == b""
    assert "x-lost" not in lost.headers


# --- data that does not match its model is a server error ---------------------------------


def build_invalid(api):
    router = api.Router()

    @router.get("/wrong-type")
    def wrong_type() -> UserOut:
        return {"username": SECRET, "email": None}  # type: ignore[return-value]

    @router.get("/missing", response_model=list[Item])
    async def missing():
        return [{"name": "ok"}, {"description": SECRET}]

    @router.get("/none-for-model")
    def none_for_model() -> Item:
        return None  # type: ignore[return-value]

    @router.get("/extra-data", response_model=UserOut)
    def extra_data():
        return {"password": SECRET}

    @router.get("/kept-int-key")
    def kept_int_key() -> dict[str, Any]:
        return {1: SECRET}  # type: ignore[dict-item]

    @router.get("/kept-not-a-list")
    def kept_not_a_list() -> list[Any]:
        return SECRET  # type: ignore[return-value]

    return router


INVALID_PATHS = [
    "/kept-int-key",
    "/kept-not-a-list",
    "/wrong-type",
    "/missing",
    "/none-for-model",
    "/extra-data",  # last: its errors are checked in full below
]


def test_invalid_response_is_a_500_without_data(serve, fastapi_ns):
    ours = serve(build_invalid, raise_server_exceptions=False)
    theirs = native_client(build_invalid, fastapi_ns, raise_server_exceptions=False)
    for path in INVALID_PATHS:
        got = ours.get(path)
        want = theirs.get(path)
        assert want.status_code == 500
        assert got.status_code == 500, path
        assert SECRET not in got.text, path
        assert "username" not in got.text and "Traceback" not in got.text, path


def test_invalid_response_raises_response_validation_error(serve, fastapi_ns):
    ours = serve(build_invalid)
    theirs = native_client(build_invalid, fastapi_ns)
    for path in INVALID_PATHS:
        with pytest.raises(dualweb.exceptions.ResponseValidationError) as got:
            ours.get(path)
        with pytest.raises(fastapi.exceptions.ResponseValidationError) as want:
            theirs.get(path)
        assert list(got.value.errors()) == list(want.value.errors()), path
        assert got.value.body == want.value.body
    errors = list(got.value.errors())
    assert errors == [
        {
            "type": "missing",
            "loc": ("response", "username"),
            "msg": "Field required",
            "input": {"password": SECRET},
        },
        {
            "type": "missing",
            "loc": ("response", "email"),
            "msg": "Field required",
            "input": {"password": SECRET},
        },
    ]


def test_response_validation_error_reaches_the_host(host):
    # Not turned into a response by dualweb: the host's own handlers see it.
    seen = []
    router = build_invalid(DUALWEB)
    app = build_app(router, host)
    if host == "flask":
        import flask

        @app.errorhandler(dualweb.exceptions.ResponseValidationError)
        def on_error(exc):
            seen.append(exc)
            return flask.jsonify(handled=True), 500
    else:
        from starlette.responses import JSONResponse

        def on_error(request, exc):
            seen.append(exc)
            return JSONResponse({"handled": True}, status_code=500)

        app.add_exception_handler(dualweb.exceptions.ResponseValidationError, on_error)
    client = client_for_app(app, raise_server_exceptions=False)
    response = client.get("/wrong-type")
    assert response.status_code == 500
    assert response.json() == {"handled": True}
    assert len(seen) == 1
    assert isinstance(seen[0], dualweb.exceptions.ResponseValidationError)
    assert seen[0].errors()[0]["loc"] == ("response", "email")


@pytest.mark.parametrize(
    ("annotation", "kept"),
    [
        (Any, object),
        (list, list),
        (dict, dict),
        (list[Any], list),
        (list[dict[str, Any]], list),
        (dict[str, dict[Any, Any]], dict),
        (list[list[Any]], None),  # an item's iterable would be consumed, then validated
        (dict[str, list[Any]], None),
        (dict[int, Any], None),
        (Item, Item),
        (list[Item], None),  # in its place, the serializer writes None or any object
        (dict[str, Item], None),
        (list[str], None),
        (Optional[dict[str, Any]], None),
    ],
)
def test_which_types_validation_cannot_change(annotation, kept):
    assert kept_by_validation(annotation) is kept

"""strict_content_type: whether a JSON body sent without a Content-Type is read as JSON.

As in FastAPI 0.165: by default (``True``) a body without a ``Content-Type`` (or with
an empty one) is not JSON, so its raw bytes fail validation; with ``False`` it is parsed
as JSON. A body with a ``Content-Type`` that is not JSON is never parsed, whatever the
setting. The setting is taken by ``Router(...)`` and per operation (FastAPI takes it on
``add_api_route``), and the innermost one set wins; ``include_router`` takes none.
"""

from typing import Annotated

import fastapi
import pytest
from pydantic import BaseModel

import dualweb
import dualweb.fastapi
from dualweb.testing import client_for_app
from tests.conftest import DUALWEB


class Item(BaseModel):
    name: str


def item(item: Item):
    return item


def pair(a: Annotated[int, dualweb.Body()], b: Annotated[int, dualweb.Body()]):
    return {"a": a, "b": b}


def native_pair(a: Annotated[int, fastapi.Body()], b: Annotated[int, fastapi.Body()]):
    return {"a": a, "b": b}


def build(api, **router_keywords):
    router = api.Router(**router_keywords)
    router.add_api_route("/item", item, methods=["POST"])
    router.add_api_route("/pair", native_pair if api.native else pair, methods=["POST"])
    router.add_api_route("/strict", item, methods=["POST"], strict_content_type=True)
    router.add_api_route("/lenient", item, methods=["POST"], strict_content_type=False)
    return router


CONTENT_TYPES = [
    None,
    "",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json",
    "application/vnd.api+json",
    "application/jsonx",
]
BODIES = [b'{"name": "a"}', b"{bad", b"", b"[1]", b'"text"']


def requests(path):
    for content_type in CONTENT_TYPES:
        headers = {} if content_type is None else {"content-type": content_type}
        for body in BODIES:
            yield ("POST", path, {"content": body, "headers": headers})
    # Invalid UTF-8 reaches the JSON parser only when the body is read as JSON (FastAPI
    # answers 500 when it echoes such bytes in a 422: dualweb's answer is not compared).
    yield ("POST", path, {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}})


@pytest.mark.parametrize("strict", [None, True, False], ids=["default", "true", "false"])
def test_each_content_type_and_body_as_fastapi(parity, strict):
    keywords = {} if strict is None else {"strict_content_type": strict}
    for path in ("/item", "/pair", "/strict", "/lenient"):
        parity(lambda api: build(api, **keywords), requests(path))


def test_the_answers(parity):
    results = parity(
        lambda api: build(api, strict_content_type=False),
        [
            ("POST", "/item", {"content": b'{"name": "a"}'}),
            ("POST", "/item", {"content": b"{bad"}),
            ("POST", "/item", {"content": b"\xff\xfe"}),
            ("POST", "/item", {"content": b'{"name": "a"}', "headers": {"content-type": ""}}),
            (
                "POST",
                "/item",
                {"content": b'{"name": "a"}', "headers": {"content-type": "text/plain"}},
            ),
            ("POST", "/strict", {"content": b'{"name": "a"}'}),
            ("POST", "/item"),
        ],
    )
    assert results[0].json() == {"name": "a"}
    assert results[1].json() == {
        "detail": [
            {
                "type": "json_invalid",
                "loc": ["body", 1],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": "Expecting property name enclosed in double quotes"},
            }
        ]
    }
    assert results[2].json()["detail"][0]["type"] == "json_invalid"
    assert results[3].json() == {"name": "a"}
    # Another content type is never read as JSON.
    assert results[4].json()["detail"][0]["type"] == "model_attributes_type"
    assert results[5].json() == {
        "detail": [
            {
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": '{"name": "a"}',
            }
        ]
    }
    assert results[6].json()["detail"][0]["type"] == "missing"


def build_tree(api, outer=None, inner=None, route=None):
    """An outer router including an inner one, each with a route, as FastAPI nests them."""

    def keywords(value):
        return {} if value is None else {"strict_content_type": value}

    outer_router = api.Router(**keywords(outer))
    inner_router = api.Router(**keywords(inner))
    inner_router.add_api_route("/inner/set", item, methods=["POST"], **keywords(route))
    inner_router.add_api_route("/inner/plain", item, methods=["POST"])
    outer_router.add_api_route("/outer", item, methods=["POST"])
    outer_router.include_router(inner_router)
    return outer_router


TREES = [
    (False, None, None),
    (None, False, None),
    (None, None, False),
    (False, True, None),
    (False, None, True),
    (True, False, None),
    (None, False, True),
]


@pytest.mark.parametrize(("outer", "inner", "route"), TREES)
def test_the_innermost_setting_wins(parity, outer, inner, route):
    sent = {"content": b'{"name": "a"}'}
    parity(
        lambda api: build_tree(api, outer, inner, route),
        [("POST", path, sent) for path in ("/outer", "/inner/set", "/inner/plain")],
    )


def test_an_operation_decorator_takes_it(serve):
    # FastAPI takes it on add_api_route alone; dualweb on every operation decorator too.
    router = dualweb.Router()

    @router.post("/lenient", strict_content_type=False)
    def lenient(item: Item):
        return item

    @router.api_route("/strict", methods=["PUT"], strict_content_type=True)
    def strict(item: Item):
        return item

    client = serve(router)
    assert client.post("/lenient", content=b'{"name": "a"}').json() == {"name": "a"}
    assert client.put("/strict", content=b'{"name": "a"}').status_code == 422


@pytest.mark.parametrize("router_setting", [None, True, False])
@pytest.mark.parametrize("app_setting", [True, False])
def test_the_fastapi_apps_setting_holds_for_a_mounted_router(
    fastapi_ns, app_setting, router_setting
):
    keywords = {} if router_setting is None else {"strict_content_type": router_setting}
    native = fastapi.FastAPI(strict_content_type=app_setting)
    native.include_router(build(fastapi_ns, **keywords))
    ours = fastapi.FastAPI(strict_content_type=app_setting)
    dualweb.fastapi.mount(ours, build(DUALWEB, **keywords))
    sent = {"content": b'{"name": "a"}'}
    for path in ("/item", "/strict", "/lenient"):
        want = client_for_app(native).post(path, **sent)
        got = client_for_app(ours).post(path, **sent)
        assert (got.status_code, got.json()) == (want.status_code, want.json()), path

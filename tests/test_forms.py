"""Form() fields and form models, urlencoded and multipart alike, on every host vs FastAPI."""

from typing import Annotated, Any, Optional, Union

import pytest
from pydantic import BaseModel, ConfigDict, Field

from tests._helpers import fastapi_has, python_multipart_has, starlette_has

BOUNDARY = "dualweb-test-boundary"
#: python-multipart 0.0.20 reads a body of the closing boundary alone (``--b--``) as an
#: empty form, as dualweb does; before, it is a parse error (a 400 under native FastAPI).
PYTHON_MULTIPART_CLOSING_ONLY = "0.0.20"


def alone(parity, build, requests):
    """dualweb's answers to ``requests`` on the parity host, without the native side."""
    client = parity.client(build)
    return [client.request(m, url, **(rest[0] if rest else {})) for m, url, *rest in requests]


def as_multipart(spec: dict[str, Any]) -> dict[str, Any]:
    """The same fields sent as multipart/form-data instead of urlencoded."""
    chunks = []
    for name, value in spec["data"].items():
        for item in value if isinstance(value, list) else [value]:
            chunks.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'
            )
    body = "".join(chunks) + f"--{BOUNDARY}--\r\n"
    headers = {
        **spec.get("headers", {}),
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    return {"content": body.encode(), "headers": headers}


def both(method: str, url: str, spec: dict[str, Any]) -> list[Any]:
    """The request sent urlencoded, then multipart."""
    return [(method, url, spec), (method, url, as_multipart(spec))]


# --- scalar fields ------------------------------------------------------------------


def build_scalars(api):
    router = api.Router()

    @router.post("/login")
    def login(username: Annotated[str, api.Form()], password: Annotated[str, api.Form()]):
        return {"username": username, "password_length": len(password)}

    @router.post("/typed")
    async def typed(
        count: Annotated[int, api.Form()],
        ratio: Annotated[float, api.Form()] = 1.5,
        flag: Annotated[bool, api.Form()] = False,
        note: Annotated[Optional[str], api.Form()] = None,
    ):
        return {"count": count, "ratio": ratio, "flag": flag, "note": note}

    @router.post("/default-style")
    def default_style(name: str = api.Form(), city: str = api.Form("Paris")):
        return {"name": name, "city": city}

    return router


def test_scalar_fields(parity):
    results = parity(
        build_scalars,
        [
            *both("POST", "/login", {"data": {"username": "ann", "password": "secret"}}),
            *both("POST", "/login", {"data": {"username": "ann"}}),
            ("POST", "/login", {"data": {}}),
            ("POST", "/login"),
            *both("POST", "/typed", {"data": {"count": "3"}}),
            *both(
                "POST",
                "/typed",
                {"data": {"count": "3", "ratio": "0.25", "flag": "on", "note": "hi"}},
            ),
            *both("POST", "/typed", {"data": {"count": "three", "ratio": "x", "flag": "maybe"}}),
            ("POST", "/default-style", {"data": {"name": "Bo"}}),
            ("POST", "/default-style", {"data": {"name": "Bo", "city": "Oslo"}}),
            ("POST", "/default-style", {"data": {"city": "Oslo"}}),
        ],
    )
    assert results[0].json() == {"username": "ann", "password_length": 6}
    assert results[1].json() == {"username": "ann", "password_length": 6}
    assert results[2].status_code == 422
    assert results[2].json()["detail"] == [
        {"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": None}
    ]
    assert [e["loc"] for e in results[4].json()["detail"]] == [
        ["body", "username"],
        ["body", "password"],
    ]
    assert [e["loc"] for e in results[5].json()["detail"]] == [
        ["body", "username"],
        ["body", "password"],
    ]
    assert results[6].json() == {"count": 3, "ratio": 1.5, "flag": False, "note": None}
    assert results[8].json() == {"count": 3, "ratio": 0.25, "flag": True, "note": "hi"}
    assert [e["type"] for e in results[10].json()["detail"]] == [
        "int_parsing",
        "float_parsing",
        "bool_parsing",
    ]
    assert results[12].json() == {"name": "Bo", "city": "Paris"}
    assert results[13].json() == {"name": "Bo", "city": "Oslo"}
    assert results[14].json()["detail"][0]["loc"] == ["body", "name"]


def test_empty_strings_count_as_absent(parity):
    results = parity(
        build_scalars,
        [
            *both("POST", "/typed", {"data": {"count": "2", "ratio": "", "note": ""}}),
            *both("POST", "/typed", {"data": {"count": ""}}),
            *both("POST", "/login", {"data": {"username": "", "password": "x"}}),
        ],
    )
    assert results[0].json() == {"count": 2, "ratio": 1.5, "flag": False, "note": None}
    assert results[1].json() == results[0].json()
    assert results[2].status_code == 422
    assert results[2].json()["detail"][0]["loc"] == ["body", "count"]
    assert results[2].json()["detail"][0]["type"] == "missing"
    assert results[4].json()["detail"][0]["loc"] == ["body", "username"]


# --- lists, constraints, aliases --------------------------------------------------------------


def build_lists(api):
    router = api.Router()

    @router.post("/tags")
    def tags(
        tags: Annotated[list[str], api.Form()],
        scores: Annotated[list[int], api.Form()] = [],
    ):
        return {"tags": tags, "scores": scores}

    @router.post("/optional-list")
    def optional_list(ids: Annotated[Optional[list[int]], api.Form()] = None):
        return {"ids": ids}

    @router.post("/set")
    def as_set(codes: Annotated[set[str], api.Form()]):
        return {"codes": sorted(codes)}

    return router


def _list_fields_requests():
    return [
        *both("POST", "/tags", {"data": {"tags": ["a", "b", "a"], "scores": ["1", "2"]}}),
        *both("POST", "/tags", {"data": {"tags": "only"}}),
        *both("POST", "/tags", {"data": {"scores": ["1"]}}),
        *both("POST", "/tags", {"data": {"tags": ["a"], "scores": ["1", "x"]}}),
        *both("POST", "/optional-list", {"data": {}}),
        *both("POST", "/optional-list", {"data": {"ids": ["3", "4"]}}),
        *both("POST", "/set", {"data": {"codes": ["b", "a", "b"]}}),
    ]


def _check_list_fields(results):
    assert results[0].json() == {"tags": ["a", "b", "a"], "scores": [1, 2]}
    assert results[2].json() == {"tags": ["only"], "scores": []}
    assert results[4].json()["detail"][0]["loc"] == ["body", "tags"]
    assert results[6].json()["detail"][0]["loc"] == ["body", "scores", 1]
    assert results[8].json() == {"ids": None}
    assert results[10].json() == {"ids": [3, 4]}
    assert results[12].json() == {"codes": ["a", "b"]}


def test_list_fields(parity):
    requests = _list_fields_requests()
    _check_list_fields(alone(parity, build_lists, requests))
    # The requests whose native answer does not depend on the versions gated below.
    parity(build_lists, [r for i, r in enumerate(requests) if i not in {9}])


@python_multipart_has(
    PYTHON_MULTIPART_CLOSING_ONLY, "reads a body of the closing boundary alone as an empty form"
)
def test_list_fields_like_fastapi(parity):
    _check_list_fields(parity(build_lists, _list_fields_requests()))


def build_constraints(api):
    router = api.Router()

    @router.post("/signup")
    def signup(
        username: Annotated[str, api.Form(min_length=3, max_length=8, pattern="^[a-z]+$")],
        age: Annotated[int, api.Form(ge=18, le=130)],
        height: Annotated[float, api.Form(gt=0)] = 1.0,
    ):
        return {"username": username, "age": age, "height": height}

    @router.post("/aliased")
    def aliased(
        item_name: Annotated[str, api.Form(alias="item-name")],
        page_size: Annotated[int, api.Form(alias="pageSize")] = 10,
    ):
        return {"item_name": item_name, "page_size": page_size}

    return router


def test_constraints(parity):
    results = parity(
        build_constraints,
        [
            *both("POST", "/signup", {"data": {"username": "anna", "age": "30"}}),
            *both("POST", "/signup", {"data": {"username": "an", "age": "12", "height": "0"}}),
            *both("POST", "/signup", {"data": {"username": "ANNA-LONGNAME", "age": "200"}}),
        ],
    )
    assert results[0].json() == {"username": "anna", "age": 30, "height": 1.0}
    assert [e["type"] for e in results[2].json()["detail"]] == [
        "string_too_short",
        "greater_than_equal",
        "greater_than",
    ]
    assert [e["type"] for e in results[4].json()["detail"]] == [
        "string_too_long",
        "less_than_equal",
    ]


def test_aliases(parity):
    results = parity(
        build_constraints,
        [
            *both("POST", "/aliased", {"data": {"item-name": "pen", "pageSize": "5"}}),
            *both("POST", "/aliased", {"data": {"item_name": "pen", "page_size": "5"}}),
        ],
    )
    assert results[0].json() == {"item_name": "pen", "page_size": 5}
    assert results[2].status_code == 422
    assert results[2].json()["detail"][0]["loc"] == ["body", "item-name"]


# --- form models -------------------------------------------------------------------------------


class Login(BaseModel):
    username: str
    password: str = Field(min_length=4)
    remember: bool = False
    tags: list[str] = []


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    size: int = 1


class AliasedModel(BaseModel):
    item_name: str = Field(alias="itemName")
    count: int = 0


class Filters(BaseModel):
    q: str = ""
    limit: int = 10


def build_models(api):
    router = api.Router()

    @router.post("/login")
    def login(data: Annotated[Login, api.Form()]):
        return data

    @router.post("/strict")
    async def strict(data: Annotated[Strict, api.Form()]):
        return data

    @router.post("/aliased")
    def aliased(data: Annotated[AliasedModel, api.Form()]):
        return {"item_name": data.item_name, "count": data.count}

    @router.post("/optional")
    def optional(data: Annotated[Optional[Filters], api.Form()] = None):
        return {"data": data}

    @router.post("/optional-strict")
    def optional_strict(data: Annotated[Union[Strict, None], api.Form()] = None):
        return {"data": data}

    return router


def _form_model_requests():
    return [
        *both("POST", "/login", {"data": {"username": "ann", "password": "secret"}}),
        *both(
            "POST",
            "/login",
            {
                "data": {
                    "username": "ann",
                    "password": "secret",
                    "remember": "true",
                    "tags": ["x", "y"],
                    "other": "ignored",
                }
            },
        ),
        *both("POST", "/login", {"data": {"username": "ann", "password": "abc"}}),
        *both("POST", "/login", {"data": {"password": ""}}),
        ("POST", "/login"),
    ]


def _check_form_model(results):
    assert results[0].json() == {
        "username": "ann",
        "password": "secret",
        "remember": False,
        "tags": [],
    }
    assert results[2].json() == {
        "username": "ann",
        "password": "secret",
        "remember": True,
        "tags": ["x", "y"],
    }
    assert results[4].json()["detail"][0]["type"] == "string_too_short"
    assert results[4].json()["detail"][0]["loc"] == ["body", "password"]
    assert [e["loc"] for e in results[6].json()["detail"]] == [
        ["body", "username"],
        ["body", "password"],
    ]


def test_form_model(parity):
    requests = _form_model_requests()
    _check_form_model(alone(parity, build_models, requests))
    # The requests whose native answer does not depend on the versions gated below.
    parity(build_models, [r for i, r in enumerate(requests) if i not in {8, 6, 7}])


@fastapi_has(
    "0.162.0", "leaves a form model's missing bool (an unchecked checkbox) out of its errors' input"
)
def test_form_model_like_fastapi(parity):
    _check_form_model(parity(build_models, _form_model_requests()))


def test_form_model_extra_forbid(parity):
    results = parity(
        build_models,
        [
            *both("POST", "/strict", {"data": {"name": "a", "size": "2"}}),
            *both("POST", "/strict", {"data": {"name": "a", "colour": "red"}}),
            ("POST", "/strict", {"data": {"name": "a", "colour": ["red", "blue"]}}),
        ],
    )
    assert results[0].json() == {"name": "a", "size": 2}
    assert results[1].json() == {"name": "a", "size": 2}
    assert results[2].status_code == 422
    assert results[2].json()["detail"] == [
        {
            "type": "extra_forbidden",
            "loc": ["body", "colour"],
            "msg": "Extra inputs are not permitted",
            "input": "red",
        }
    ]
    assert results[3].json() == results[2].json()
    assert results[4].json()["detail"][0]["input"] == ["red", "blue"]


def test_upload_echoed_in_a_form_model_error(parity):
    # FastAPI echoes a stray upload with its file object's internals; dualweb
    # shows its public parts (a 500 would be worse: jsonable_encoder used to fail).
    client = parity.client(build_models)
    response = client.post(
        "/strict", data={"name": "a"}, files={"f": ("a.txt", b"abc", "text/plain")}
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == "extra_forbidden"
    assert error["loc"] == ["body", "f"]
    assert error["input"]["filename"] == "a.txt"
    assert error["input"]["size"] == 3
    assert error["input"]["headers"]["content-type"] == "text/plain"


def _form_model_alias_requests():
    return [
        *both("POST", "/aliased", {"data": {"itemName": "pen", "count": "2"}}),
        *both("POST", "/aliased", {"data": {"item_name": "pen"}}),
    ]


def _check_form_model_alias(results):
    assert results[0].json() == {"item_name": "pen", "count": 2}
    assert results[2].json()["detail"][0]["loc"] == ["body", "itemName"]


def test_form_model_alias(parity):
    requests = _form_model_alias_requests()
    _check_form_model_alias(alone(parity, build_models, requests))
    # The requests whose native answer does not depend on the versions gated below.
    parity(build_models, [r for i, r in enumerate(requests) if i not in {2, 3}])


@fastapi_has("0.148.0", "applies a model's defaults in validation, not in the error's input")
def test_form_model_alias_like_fastapi(parity):
    _check_form_model_alias(parity(build_models, _form_model_alias_requests()))


def _optional_form_model_requests():
    return [
        ("POST", "/optional", {"data": {}}),
        ("POST", "/optional"),
        ("POST", "/optional", {"data": {"q": "x"}}),
        ("POST", "/optional", {"data": {"unrelated": "x"}}),
        ("POST", "/optional", {"data": {"limit": "many"}}),
        ("POST", "/optional-strict", {"data": {}}),
        ("POST", "/optional-strict", {"data": {"other": "1"}}),
    ]


def _check_optional_form_model(results):
    assert results[0].json() == {"data": None}
    assert results[1].json() == {"data": None}
    assert results[2].json() == {"data": {"q": "x", "limit": 10}}
    assert results[3].json() == {"data": None}
    assert results[4].status_code == 422
    assert results[5].json() == {"data": None}
    assert results[6].status_code == 422


def test_optional_form_model(parity):
    requests = _optional_form_model_requests()
    _check_optional_form_model(alone(parity, build_models, requests))
    # The requests whose native answer does not depend on the versions gated below.
    parity(build_models, [r for i, r in enumerate(requests) if i not in {2, 4, 6}])


@fastapi_has("0.159.0", "takes an Optional form model")
def test_optional_form_model_like_fastapi(parity):
    _check_optional_form_model(parity(build_models, _optional_form_model_requests()))


# --- forms beside other parameters; what is not a form -----------------------------------


def build_mixed(api):
    router = api.Router()

    @router.post("/items/{item_id}")
    def update(
        item_id: int,
        name: Annotated[str, api.Form()],
        q: Optional[str] = None,
        x_token: Annotated[Optional[str], api.Header()] = None,
    ):
        return {"item_id": item_id, "name": name, "q": q, "x_token": x_token}

    def form_dep(who: Annotated[str, api.Form()]):
        return who.upper()

    @router.post("/dep")
    def with_dep(who: Annotated[str, api.Depends(form_dep)], note: Annotated[str, api.Form()] = ""):
        return {"who": who, "note": note}

    @router.post("/request")
    async def raw(request: api.Request, a: Annotated[str, api.Form()]):
        form = await request.form()
        return {"a": a, "keys": sorted(form.keys()), "b": form.getlist("b")}

    return router


def test_form_with_path_query_header_and_dependency(parity):
    results = parity(
        build_mixed,
        [
            *both(
                "POST",
                "/items/3?q=z",
                {"data": {"name": "pen"}, "headers": {"x-token": "t"}},
            ),
            ("POST", "/items/x", {"data": {}}),
            *both("POST", "/dep", {"data": {"who": "ann", "note": "hi"}}),
            ("POST", "/dep", {"data": {}}),
            ("POST", "/request", {"data": {"a": "1", "b": ["2", "3"]}}),
        ],
    )
    assert results[0].json() == {"item_id": 3, "name": "pen", "q": "z", "x_token": "t"}
    assert [e["loc"] for e in results[2].json()["detail"]] == [
        ["path", "item_id"],
        ["body", "name"],
    ]
    assert results[3].json() == {"who": "ANN", "note": "hi"}
    assert results[5].json()["detail"][0]["loc"] == ["body", "who"]
    assert results[6].json() == {"a": "1", "keys": ["a", "b"], "b": ["2", "3"]}


def test_json_and_other_bodies_sent_to_a_form(parity):
    results = parity(
        build_scalars,
        [
            ("POST", "/login", {"json": {"username": "ann", "password": "secret"}}),
            (
                "POST",
                "/login",
                {"content": b"username=ann&password=x", "headers": {"content-type": "text/plain"}},
            ),
            (
                "POST",
                "/login",
                {
                    "content": b"\xff\xfe=\xff",
                    "headers": {"content-type": "application/x-www-form-urlencoded"},
                },
            ),
            (
                "POST",
                "/login",
                {
                    "content": b"username=a%20n&password=p%26q",
                    "headers": {"content-type": "application/x-www-form-urlencoded"},
                },
            ),
        ],
    )
    assert results[0].status_code == 422
    assert [e["loc"] for e in results[0].json()["detail"]] == [
        ["body", "username"],
        ["body", "password"],
    ]
    assert results[1].status_code == 422
    assert results[3].json() == {"username": "a n", "password_length": 3}


def _raw(body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}"):
    return {"content": body, "headers": {"content-type": content_type}}


def _malformed_multipart_requests():
    part = b"--%s\r\nContent-Disposition: form-data%s\r\n\r\n%s"
    b = BOUNDARY.encode()
    return [
        ("POST", "/login", _raw(b"garbage")),
        ("POST", "/login", _raw(b"x", "multipart/form-data")),
        ("POST", "/login", _raw(part % (b, b"", b"no name\r\n") + b"--%s--\r\n" % b)),
        # Ends early, or is empty: read as an empty form.
        ("POST", "/login", _raw(part % (b, b'; name="username"', b"unterminated"))),
        ("POST", "/login", _raw(b"")),
        ("POST", "/login", _raw(b"--%s--\r\n" % b)),
    ]


def _check_malformed_multipart(results):
    assert [r.status_code for r in results] == [400, 400, 400, 422, 422, 422]
    assert results[0].json() == {"detail": "Invalid multipart data."}
    assert results[1].json() == {"detail": "Missing boundary in multipart."}
    assert results[2].json() == {
        "detail": 'The Content-Disposition header field "name" must be provided.'
    }


def test_malformed_multipart(parity):
    requests = _malformed_multipart_requests()
    _check_malformed_multipart(alone(parity, build_scalars, requests))
    # The requests whose native answer does not depend on the versions gated below.
    parity(build_scalars, [r for i, r in enumerate(requests) if i not in {0, 5}])


@starlette_has("1.7.0", "answers python-multipart's parse errors with 'Invalid multipart data.'")
@python_multipart_has(
    PYTHON_MULTIPART_CLOSING_ONLY, "reads a body of the closing boundary alone as an empty form"
)
def test_malformed_multipart_like_fastapi(parity):
    _check_malformed_multipart(parity(build_scalars, _malformed_multipart_requests()))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_read_forms(parity, method):
    def build(api):
        router = api.Router()

        @router.api_route("/x", methods=[method])
        def handler(v: Annotated[int, api.Form()]):
            return {"v": v}

        return router

    (ok,) = parity(build, [(method, "/x", {"data": {"v": "5"}})])
    assert ok.json() == {"v": 5}

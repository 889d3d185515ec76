"""Path and query parameters, on every host, compared with native FastAPI."""

import enum
import uuid
from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict, Field

from tests.conftest import native_client


class Color(str, enum.Enum):
    red = "red"
    blue = "blue"


def build_path(api):
    router = api.Router()

    @router.get("/users/me")
    def me():
        return {"user": "me"}

    @router.get("/users/{user_id}")
    def user(user_id: int):
        return {"user_id": user_id}

    @router.get("/f/{x}")
    def f(x: float):
        return {"x": x}

    @router.get("/b/{flag}")
    def b(flag: bool):
        return {"flag": flag}

    @router.get("/u/{ident}")
    def u(ident: uuid.UUID):
        return {"ident": ident}

    @router.get("/c/{color}")
    async def c(color: Color):
        return {"color": color, "is_red": color is Color.red}

    @router.get("/files/{file_path:path}")
    def files(file_path: str):
        return {"file_path": file_path}

    @router.get("/n/{n}")
    def n(n: Annotated[int, api.Path(gt=0, le=1000, title="N")]):
        return {"n": n}

    @router.get("/s/{s}")
    def s(s: str = api.Path(min_length=3, pattern="^[a-z]+$")):
        return {"s": s}

    return router


def test_typed_path_parameters(parity):
    uid = "4f0e9b6a-0a3b-4f4c-9c1e-2b0e7f7a9f10"
    parity(
        build_path,
        [
            ("GET", "/users/7"),
            ("GET", "/users/me"),
            ("GET", "/users/x"),
            ("GET", "/f/1.5"),
            ("GET", "/f/nan-ish"),
            ("GET", "/b/yes"),
            ("GET", "/b/0"),
            ("GET", "/b/maybe"),
            ("GET", f"/u/{uid}"),
            ("GET", "/u/not-a-uuid"),
            ("GET", "/c/red"),
            ("GET", "/c/green"),
            ("GET", "/files/a/b/c.txt"),
            ("GET", "/n/5"),
            ("GET", "/n/0"),
            ("GET", "/n/1001"),
            ("GET", "/s/abc"),
            ("GET", "/s/ab"),
            ("GET", "/s/ABC"),
        ],
    )


def test_path_values_are_explicit(serve):
    client = serve(build_path)
    assert client.get("/users/7").json() == {"user_id": 7}
    assert client.get("/files/a/b/c.txt").json() == {"file_path": "a/b/c.txt"}
    body = client.get("/n/0").json()
    assert client.get("/n/0").status_code == 422
    assert body["detail"][0]["loc"] == ["path", "n"]
    assert body["detail"][0]["ctx"] == {"gt": 0}


def build_order(api):
    router = api.Router()

    @router.get("/things/{thing_id}")
    def thing(thing_id: int):
        return {"thing_id": thing_id}

    @router.get("/things/special")
    def special():
        return {"special": True}

    return router


def test_route_order_is_declaration_order(parity):
    # FastAPI matches in declaration order: the earlier dynamic route wins, so
    # "special" is validated as an int. Werkzeug alone would pick the static rule.
    (got,) = parity(build_order, [("GET", "/things/special")])
    assert got.status_code == 422


def build_convertors(api):
    router = api.Router()

    @router.get("/files/{rest:path}")
    def files(rest: str):
        return {"rest": rest}

    @router.get("/n/{n:float}")
    def number(n: float):
        return {"n": n}

    @router.get("/i/{i:int}")
    def integer(i: int):
        return {"i": i}

    return router


def test_convertors_match_what_fastapis_match(parity):
    # On Flask too: Werkzeug's own float converter wants a dot, and its path one
    # neither takes an empty value nor one starting with a slash (it merges `//`).
    results = parity(
        build_convertors,
        [
            ("GET", "/files//etc/passwd"),
            ("GET", "/files/a//b/"),
            ("GET", "/files/"),
            ("GET", "/files/a/b.txt"),
            ("GET", "/n/3"),
            ("GET", "/n/3.5"),
            ("GET", "/i/007"),
        ],
    )
    assert [r.json() for r in results] == [
        {"rest": "/etc/passwd"},
        {"rest": "a//b/"},
        {"rest": ""},
        {"rest": "a/b.txt"},
        {"n": 3.0},
        {"n": 3.5},
        {"i": 7},
    ]


def build_query(api):
    router = api.Router()

    @router.get("/q")
    def q(
        needle: str,
        skip: int = 0,
        limit: Optional[int] = None,
        ratio: float = 0.5,
        flag: bool = False,
        color: Optional[Color] = None,
    ):
        return {
            "needle": needle,
            "skip": skip,
            "limit": limit,
            "ratio": ratio,
            "flag": flag,
            "color": color,
        }

    @router.get("/list")
    def lst(
        tag: Annotated[list[str], api.Query()] = [],
        num: Annotated[Optional[list[int]], api.Query()] = None,
    ):
        return {"tag": tag, "num": num}

    @router.get("/required-list")
    def required_list(ids: list[int] = api.Query()):
        return {"ids": ids}

    @router.get("/alias")
    def alias(item_query: Annotated[Optional[str], api.Query(alias="item-query")] = None):
        return {"item_query": item_query}

    @router.get("/constraints")
    def constraints(
        name: Annotated[str, api.Query(min_length=2, max_length=5, pattern="^[a-z]+$")] = "abc",
        age: Annotated[int, api.Query(ge=18, lt=130)] = 30,
        score: Annotated[float, api.Query(gt=0, le=1, multiple_of=0.25)] = 0.5,
    ):
        return {"name": name, "age": age, "score": score}

    @router.get("/hidden")
    def hidden(
        secret: Annotated[Optional[str], api.Query(include_in_schema=False)] = None,
        old: Annotated[Optional[str], api.Query(deprecated=True)] = None,
    ):
        return {"secret": secret, "old": old}

    return router


def test_query_parameters(parity):
    parity(
        build_query,
        [
            ("GET", "/q?needle=x"),
            ("GET", "/q"),
            ("GET", "/q?needle=x&skip=2&limit=3&ratio=0.25&flag=on&color=blue"),
            ("GET", "/q?needle=x&skip=a&limit=b&ratio=c&flag=d&color=e"),
            ("GET", "/q?needle=x&limit="),
            ("GET", "/q?needle=a&needle=b"),
            ("GET", "/q?needle=%C3%A9t%C3%A9+ok"),
            ("GET", "/list"),
            ("GET", "/list?tag=a&tag=b&num=1&num=2"),
            ("GET", "/list?num=1&num=x"),
            ("GET", "/required-list"),
            ("GET", "/required-list?ids=3&ids=4"),
            ("GET", "/alias?item-query=z"),
            ("GET", "/alias?item_query=z"),
            ("GET", "/constraints"),
            ("GET", "/constraints?name=a&age=5&score=2"),
            ("GET", "/constraints?name=ABCDEFG&age=200&score=0.3"),
            ("GET", "/hidden?secret=s&old=o"),
        ],
    )


def test_bool_parsing(parity):
    values = [
        "1",
        "0",
        "true",
        "false",
        "True",
        "FALSE",
        "on",
        "off",
        "yes",
        "no",
        "y",
        "n",
        "t",
        "f",
        "2",
        "",
    ]
    parity(build_query, [("GET", f"/q?needle=x&flag={v}") for v in values])


class FilterParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0)
    order_by: str = "created_at"
    tags: list[str] = []


class LooseParams(BaseModel):
    q: Optional[str] = None
    page: int = 1


def build_query_models(api):
    router = api.Router()

    @router.get("/strict")
    def strict(filters: Annotated[FilterParams, api.Query()]):
        return filters

    @router.get("/loose")
    def loose(params: Annotated[LooseParams, api.Query()]):
        return params

    return router


def test_query_parameter_models(parity):
    parity(
        build_query_models,
        [
            ("GET", "/strict"),
            ("GET", "/strict?limit=10&offset=5&order_by=name&tags=a&tags=b"),
            ("GET", "/strict?limit=0&offset=-1"),
            ("GET", "/strict?unknown=1"),
            ("GET", "/loose?q=x&page=2&other=ignored"),
            ("GET", "/loose?page=zero"),
        ],
    )


def build_ellipsis(api):
    router = api.Router()

    @router.get("/ellipsis")
    def ellipsis(q: Annotated[str, api.Query(min_length=1)] = ...):
        return {"q": q}

    return router


def test_ellipsis_default_means_required(serve, fastapi_ns):
    # FastAPI takes `= ...` literally and answers 500 when `q` is missing (FastAPI
    # issue 9861); a missing parameter must be a clear 422.
    client = serve(build_ellipsis)
    assert client.get("/ellipsis?q=x").json() == {"q": "x"}
    response = client.get("/ellipsis")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"type": "missing", "loc": ["query", "q"], "msg": "Field required", "input": None}
        ]
    }
    native = native_client(build_ellipsis, fastapi_ns, raise_server_exceptions=False)
    assert native.get("/ellipsis").status_code == 500

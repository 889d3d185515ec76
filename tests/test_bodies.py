"""Request bodies, on every host, compared with native FastAPI."""

import dataclasses
import datetime
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Optional, Union

import pytest
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from tests._helpers import fastapi_has
from tests.conftest import native_client

JSON = {"content-type": "application/json"}
# A JSON null body (httpx's json=None sends no body at all).
NULL = {"content": b"null", "headers": JSON}


class Item(BaseModel):
    name: str
    description: Optional[str] = None
    price: float
    tax: Optional[float] = None


class User(BaseModel):
    username: str
    full_name: Optional[str] = None


class Image(BaseModel):
    url: str
    name: str


class Offer(BaseModel):
    name: str
    tags: set[str] = set()
    images: Optional[list[Image]] = None


class Constrained(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Foo", "price": 3.5}]})

    name: str = Field(min_length=2, max_length=8, examples=["Foo"])
    description: Optional[str] = Field(default=None, title="The description", max_length=20)
    price: float = Field(gt=0, description="must be positive", examples=[3.5])
    quantity: int = Field(default=1, ge=1, le=100, multiple_of=1)
    code: str = Field(default="AA", pattern="^[A-Z]+$")


class Positive(BaseModel):
    value: float = Field(gt=0)


class Kind(str, enum.Enum):
    small = "small"
    large = "large"


class Level(enum.IntEnum):
    low = 1
    high = 2


class Extra(BaseModel):
    when: datetime.datetime
    day: datetime.date
    at: datetime.time
    span: datetime.timedelta
    ident: uuid.UUID
    amount: Decimal
    raw: bytes
    labels: frozenset[str]
    kind: Kind
    level: Level


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    item_name: str = Field(alias="itemName")
    item_count: int = Field(default=0, alias="itemCount")


# --- the basic shapes ------------------------------------------------------------


def build_basic(api):
    router = api.Router()

    @router.post("/items")
    def create(item: Item):
        total = item.price + (item.tax or 0)
        return {**item.model_dump(), "total": total}

    @router.post("/items-annotated")
    async def create_annotated(item: Annotated[Item, api.Body()]):
        return item

    @router.post("/items-default")
    def create_default(item: Item = api.Body()):
        return item

    @router.put("/items/{item_id}")
    def update(item_id: int, item: Item, q: Optional[str] = None, flag: bool = False):
        return {"item_id": item_id, "item": item, "q": q, "flag": flag}

    @router.post("/optional")
    def optional(item: Union[Item, None] = None):
        return {"item": item, "none": item is None}

    @router.post("/optional-pep604")
    def optional_pep604(item: Optional[Item] = api.Body(None)):
        return {"item": item}

    return router


def test_single_model_body(parity):
    good = {"name": "Foo", "price": 35.4, "tax": 3.2}
    results = parity(
        build_basic,
        [
            ("POST", "/items", {"json": good}),
            ("POST", "/items", {"json": {"name": "Foo", "price": "35.4"}}),
            ("POST", "/items", {"json": {"name": "Foo", "price": 1, "unknown": True}}),
            ("POST", "/items-annotated", {"json": good}),
            ("POST", "/items-default", {"json": good}),
        ],
    )
    assert results[0].status_code == 200
    assert results[0].json() == {
        "name": "Foo",
        "description": None,
        "price": 35.4,
        "tax": 3.2,
        "total": pytest.approx(38.6),
    }
    assert results[1].json()["price"] == 35.4
    assert "unknown" not in results[2].json()
    assert results[3].json() == results[4].json() == {**good, "description": None}


def test_the_last_of_duplicate_keys_wins(parity):
    # As in Python's json (FastAPI's parser); pydantic before 2.11 kept the first when it
    # validated a model straight from the bytes, as dualweb does a lone body model.
    duplicated = {"content": b'{"name": "Foo", "price": 2, "price": 7}'}
    json_type = {"headers": {"content-type": "application/json"}}
    results = parity(build_basic, [("POST", "/items", {**duplicated, **json_type})])
    assert results[0].json()["price"] == 7


def test_annotated_and_default_styles_answer_alike(serve):
    client = serve(build_basic)
    for body in ({"name": "Foo", "price": 2}, {"name": "Foo"}, [1, 2], "x"):
        a = client.post("/items-annotated", json=body)
        b = client.post("/items-default", json=body)
        assert (a.status_code, a.json()) == (b.status_code, b.json())


def test_body_path_and_query_together(parity):
    (ok, bad_all) = parity(
        build_basic,
        [
            ("PUT", "/items/5?q=x&flag=1", {"json": {"name": "Foo", "price": 2}}),
            ("PUT", "/items/abc?flag=maybe", {"json": {"price": "free"}}),
        ],
    )
    assert ok.json() == {
        "item_id": 5,
        "item": {"name": "Foo", "description": None, "price": 2.0, "tax": None},
        "q": "x",
        "flag": True,
    }
    # Every location is validated and reported together, path first, body last.
    locs = [e["loc"] for e in bad_all.json()["detail"]]
    assert locs == [["path", "item_id"], ["query", "flag"], ["body", "name"], ["body", "price"]]


def test_optional_body(parity):
    results = parity(
        build_basic,
        [
            ("POST", "/optional"),
            ("POST", "/optional", NULL),
            ("POST", "/optional", {"json": {"name": "Foo", "price": 1}}),
            ("POST", "/optional", {"json": {"name": "Foo"}}),
            (
                "POST",
                "/optional",
                {"content": b"", "headers": {"content-type": "application/json"}},
            ),
            ("POST", "/optional-pep604"),
            ("POST", "/optional-pep604", {"json": {"name": "Foo", "price": 1}}),
        ],
    )
    assert results[0].json() == {"item": None, "none": True}
    assert results[1].json() == {"item": None, "none": True}
    assert results[2].json()["item"]["name"] == "Foo"
    assert results[3].status_code == 422
    assert results[4].json() == {"item": None, "none": True}
    assert results[5].json() == {"item": None}


# --- several bodies, embed, singular values --------------------------------------


def build_multi(api):
    router = api.Router()

    @router.put("/multi/{item_id}")
    def multi(item_id: int, item: Item, user: User):
        return {"item_id": item_id, "item": item, "user": user}

    @router.put("/singular")
    def singular(
        item: Item,
        user: User,
        importance: int = api.Body(),
        note: Annotated[Optional[str], api.Body()] = None,
    ):
        return {"item": item, "user": user, "importance": importance, "note": note}

    @router.post("/embed")
    def embed(item: Annotated[Item, api.Body(embed=True)]):
        return {"item": item}

    @router.post("/embed-default")
    def embed_default(item: Item = api.Body(embed=True)):
        return {"item": item}

    @router.post("/scalar")
    def scalar(importance: int = api.Body()):
        return {"importance": importance}

    @router.post("/scalar-embed")
    def scalar_embed(importance: Annotated[int, api.Body(embed=True, gt=0)]):
        return {"importance": importance}

    @router.post("/optional-multi")
    def optional_multi(item: Optional[Item] = None, user: Optional[User] = None):
        return {"item": item, "user": user}

    return router


def test_several_body_params_keyed_by_name(parity):
    item = {"name": "Foo", "price": 1.5}
    user = {"username": "dave"}
    results = parity(
        build_multi,
        [
            ("PUT", "/multi/3", {"json": {"item": item, "user": user}}),
            ("PUT", "/multi/3", {"json": {"item": item}}),
            ("PUT", "/multi/3", {"json": {}}),
            ("PUT", "/multi/3", {"json": item}),
            ("PUT", "/multi/3", {"json": {"item": "x", "user": 5}}),
            ("PUT", "/multi/3"),
            ("PUT", "/multi/3", {"json": [item, user]}),
            ("PUT", "/multi/3", {"json": "text"}),
            ("PUT", "/multi/3", {"json": 7}),
            ("PUT", "/multi/3", NULL),
            ("POST", "/optional-multi", {"json": {"user": user}}),
            ("POST", "/optional-multi"),
            ("POST", "/optional-multi", {"json": {"item": {"name": "Foo"}}}),
        ],
    )
    assert results[0].json() == {
        "item_id": 3,
        "item": {"name": "Foo", "description": None, "price": 1.5, "tax": None},
        "user": {"username": "dave", "full_name": None},
    }
    missing = results[1].json()["detail"]
    assert [(e["type"], e["loc"]) for e in missing] == [("missing", ["body", "user"])]
    assert [e["loc"] for e in results[2].json()["detail"]] == [["body", "item"], ["body", "user"]]
    assert [e["type"] for e in results[4].json()["detail"]] == ["model_attributes_type"] * 2
    assert results[10].json() == {"item": None, "user": {"username": "dave", "full_name": None}}
    assert results[11].json() == {"item": None, "user": None}
    assert results[12].json()["detail"][0]["loc"] == ["body", "item", "price"]


def test_singular_values_in_body(parity):
    item = {"name": "Foo", "price": 1}
    user = {"username": "dave"}
    results = parity(
        build_multi,
        [
            ("PUT", "/singular", {"json": {"item": item, "user": user, "importance": 5}}),
            (
                "PUT",
                "/singular",
                {"json": {"item": item, "user": user, "importance": "5", "note": "n"}},
            ),
            ("PUT", "/singular", {"json": {"item": item, "user": user}}),
            ("PUT", "/singular", {"json": {"item": item, "user": user, "importance": "high"}}),
            ("POST", "/scalar", {"json": 5}),
            ("POST", "/scalar", {"json": "5"}),
            ("POST", "/scalar", {"json": {"importance": 5}}),
            ("POST", "/scalar", {"json": "x"}),
            ("POST", "/scalar"),
            ("POST", "/scalar-embed", {"json": {"importance": 5}}),
            ("POST", "/scalar-embed", {"json": {"importance": 0}}),
            ("POST", "/scalar-embed", {"json": 5}),
        ],
    )
    assert results[0].json()["importance"] == 5
    assert results[0].json()["note"] is None
    assert results[1].json()["note"] == "n"
    assert results[2].json()["detail"][0]["loc"] == ["body", "importance"]
    assert results[3].json()["detail"][0]["type"] == "int_parsing"
    # A single non-embedded scalar body is the whole body.
    assert results[4].json() == {"importance": 5}
    assert results[6].status_code == 422
    assert results[9].json() == {"importance": 5}
    assert results[10].json()["detail"][0]["ctx"] == {"gt": 0}
    assert results[11].json()["detail"][0]["loc"] == ["body", "importance"]


def test_embed_true(parity):
    item = {"name": "Foo", "price": 2}
    results = parity(
        build_multi,
        [
            ("POST", "/embed", {"json": {"item": item}}),
            ("POST", "/embed", {"json": item}),
            ("POST", "/embed", {"json": {"item": {"name": "Foo"}}}),
            ("POST", "/embed", {"json": []}),
            ("POST", "/embed"),
            ("POST", "/embed-default", {"json": {"item": item}}),
            ("POST", "/embed-default", {"json": item}),
        ],
    )
    assert results[0].json()["item"]["name"] == "Foo"
    assert results[1].json()["detail"] == [
        {"type": "missing", "loc": ["body", "item"], "msg": "Field required", "input": None}
    ]
    assert results[2].json()["detail"][0]["loc"] == ["body", "item", "price"]
    assert results[5].json() == results[0].json()


# --- nested and container bodies ----------------------------------------------------


def build_containers(api):
    router = api.Router()

    @router.post("/offers")
    def offers(offer: Offer):
        return offer

    @router.post("/images")
    def images(images: list[Image]):
        return {"count": len(images), "urls": [i.url for i in images]}

    @router.post("/weights")
    def weights(weights: dict[str, int]):
        return {"total": sum(weights.values()), "keys": sorted(weights)}

    @router.post("/int-weights")
    def int_weights(weights: dict[int, float]):
        return weights

    @router.post("/numbers")
    def numbers(numbers: list[int]):
        return {"sum": sum(numbers)}

    @router.post("/numbers-body")
    def numbers_body(numbers: Annotated[list[int], api.Body(min_length=1)]):
        return {"sum": sum(numbers)}

    return router


def test_nested_models(parity):
    offer = {
        "name": "o",
        "tags": ["a", "b", "a"],
        "images": [
            {"url": "http://x/1.png", "name": "one"},
            {"url": "http://x/2.png", "name": "two"},
        ],
    }
    results = parity(
        build_containers,
        [
            ("POST", "/offers", {"json": offer}),
            ("POST", "/offers", {"json": {"name": "o"}}),
            ("POST", "/offers", {"json": {"name": "o", "images": [{"url": "u"}]}}),
            ("POST", "/offers", {"json": {"name": "o", "images": {"url": "u", "name": "n"}}}),
            ("POST", "/offers", {"json": {"name": "o", "tags": "abc"}}),
        ],
    )
    got = results[0].json()
    assert sorted(got["tags"]) == ["a", "b"]
    assert [i["name"] for i in got["images"]] == ["one", "two"]
    assert results[1].json() == {"name": "o", "tags": [], "images": None}
    assert results[2].json()["detail"][0]["loc"] == ["body", "images", 0, "name"]
    assert results[3].json()["detail"][0]["type"] == "list_type"


def test_list_of_models(parity):
    results = parity(
        build_containers,
        [
            ("POST", "/images", {"json": [{"url": "a", "name": "1"}, {"url": "b", "name": "2"}]}),
            ("POST", "/images", {"json": []}),
            ("POST", "/images", {"json": [{"url": "a"}, {"name": "2"}]}),
            ("POST", "/images", {"json": {"url": "a", "name": "1"}}),
            ("POST", "/images", {"json": {"images": [{"url": "a", "name": "1"}]}}),
        ],
    )
    assert results[0].json() == {"count": 2, "urls": ["a", "b"]}
    assert results[1].json() == {"count": 0, "urls": []}
    assert [e["loc"] for e in results[2].json()["detail"]] == [
        ["body", 0, "name"],
        ["body", 1, "url"],
    ]
    assert results[3].json()["detail"][0]["type"] == "list_type"


def test_dict_bodies(parity):
    results = parity(
        build_containers,
        [
            ("POST", "/weights", {"json": {"a": 1, "b": "2"}}),
            ("POST", "/weights", {"json": {}}),
            ("POST", "/weights", {"json": {"a": "x"}}),
            ("POST", "/weights", {"json": [1, 2]}),
            ("POST", "/int-weights", {"json": {"1": 0.5, "2": 1}}),
            ("POST", "/int-weights", {"json": {"one": 0.5}}),
        ],
    )
    assert results[0].json() == {"total": 3, "keys": ["a", "b"]}
    assert results[1].json() == {"total": 0, "keys": []}
    assert results[2].json()["detail"][0]["loc"] == ["body", "a"]
    assert results[3].json()["detail"][0]["type"] == "dict_type"
    assert results[4].json() == {"1": 0.5, "2": 1.0}
    assert results[5].json()["detail"][0]["loc"] == ["body", "one", "[key]"]


def test_list_of_scalars_body(parity):
    results = parity(
        build_containers,
        [
            ("POST", "/numbers", {"json": [1, 2, "3"]}),
            ("POST", "/numbers", {"json": []}),
            ("POST", "/numbers", {"json": [1, "x"]}),
            ("POST", "/numbers", {"json": {"numbers": [1]}}),
            ("POST", "/numbers", {"json": 1}),
            ("POST", "/numbers"),
            ("POST", "/numbers-body", {"json": [4, 5]}),
            ("POST", "/numbers-body", {"json": []}),
        ],
    )
    assert results[0].json() == {"sum": 6}
    assert results[1].json() == {"sum": 0}
    assert results[2].json()["detail"][0]["loc"] == ["body", 1]
    assert results[5].json()["detail"][0]["type"] == "missing"
    assert results[6].json() == {"sum": 9}
    assert results[7].json()["detail"][0]["type"] == "too_short"


# --- constraints, examples, aliases ---------------------------------------------------


def build_fields(api):
    router = api.Router()

    @router.post("/constrained")
    def constrained(item: Constrained):
        return item

    @router.post("/constrained-embed")
    def constrained_embed(
        item: Annotated[
            Constrained, api.Body(embed=True, examples=[{"item": {"name": "Foo", "price": 1}}])
        ],
    ):
        return item

    @router.post("/positive")
    def positive(p: Positive):
        return {"value": p.value}

    @router.post("/aliased")
    def aliased(a: Aliased):
        return a

    @router.post("/body-alias")
    def body_alias(
        item: Annotated[Item, api.Body(alias="theItem")],
        importance: Annotated[int, api.Body(alias="the-importance")] = 0,
    ):
        return {"item": item, "importance": importance}

    @router.post("/body-alias-embed")
    def body_alias_embed(count: Annotated[int, api.Body(embed=True, alias="Count")]):
        return {"count": count}

    return router


def test_field_constraints(parity):
    results = parity(
        build_fields,
        [
            ("POST", "/constrained", {"json": {"name": "Foo", "price": 3.5}}),
            ("POST", "/constrained", {"json": {"name": "F", "price": 0}}),
            ("POST", "/constrained", {"json": {"name": "FooBarBazQ", "price": -1, "quantity": 0}}),
            (
                "POST",
                "/constrained",
                {"json": {"name": "Foo", "price": 1, "quantity": 101, "code": "ab"}},
            ),
            (
                "POST",
                "/constrained",
                {"json": {"name": "Foo", "price": 1, "description": "x" * 21}},
            ),
            ("POST", "/constrained", {"json": {"name": "Foo", "price": 1, "quantity": 1.5}}),
            ("POST", "/constrained-embed", {"json": {"item": {"name": "Foo", "price": 1}}}),
            ("POST", "/constrained-embed", {"json": {"item": {"name": "Foo", "price": 0}}}),
        ],
    )
    assert results[0].json() == {
        "name": "Foo",
        "description": None,
        "price": 3.5,
        "quantity": 1,
        "code": "AA",
    }
    types = [(e["type"], e["loc"][-1]) for e in results[1].json()["detail"]]
    assert types == [("string_too_short", "name"), ("greater_than", "price")]
    types = [e["type"] for e in results[2].json()["detail"]]
    assert types == ["string_too_long", "greater_than", "greater_than_equal"]
    types = [e["type"] for e in results[3].json()["detail"]]
    assert types == ["less_than_equal", "string_pattern_mismatch"]
    assert results[4].json()["detail"][0]["ctx"] == {"max_length": 20}
    assert results[7].json()["detail"][0]["loc"] == ["body", "item", "price"]


def test_aliases(parity):
    item = {"name": "Foo", "price": 1}
    results = parity(
        build_fields,
        [
            ("POST", "/aliased", {"json": {"itemName": "a", "itemCount": 2}}),
            ("POST", "/aliased", {"json": {"item_name": "a"}}),
            ("POST", "/aliased", {"json": {}}),
            ("POST", "/body-alias", {"json": {"theItem": item, "the-importance": 3}}),
            ("POST", "/body-alias", {"json": {"item": item, "importance": 3}}),
            ("POST", "/body-alias", {"json": {"theItem": item}}),
            ("POST", "/body-alias-embed", {"json": {"Count": 3}}),
            ("POST", "/body-alias-embed", {"json": {"count": 3}}),
        ],
    )
    # The response is dumped by alias, as FastAPI does for returned models.
    assert results[0].json() == {"itemName": "a", "itemCount": 2}
    assert results[1].json() == {"itemName": "a", "itemCount": 0}
    assert results[2].json()["detail"][0]["loc"] == ["body", "itemName"]
    assert results[3].json()["importance"] == 3
    assert [e["loc"] for e in results[4].json()["detail"]] == [["body", "theItem"]]
    assert results[5].json()["importance"] == 0
    assert results[6].json() == {"count": 3}
    assert results[7].json()["detail"][0]["loc"] == ["body", "Count"]


# --- extra data types -------------------------------------------------------------------


def build_extra(api):
    router = api.Router()

    @router.post("/extra")
    def extra(value: Extra):
        return {
            "value": value,
            "checks": {
                "when": value.when.isoformat(),
                "hours": value.span.total_seconds() / 3600,
                "amount": str(value.amount * 2),
                "raw": value.raw.decode(),
                "labels": sorted(value.labels),
                "version": value.ident.version,
                "kind_is_enum": isinstance(value.kind, Kind),
                "level": int(value.level),
            },
        }

    @router.put("/extra-embed/{ident}")
    def extra_embed(
        ident: uuid.UUID,
        start: Annotated[datetime.datetime, api.Body()],
        end: Annotated[datetime.datetime, api.Body()],
        repeat_at: Annotated[Optional[datetime.time], api.Body()] = None,
        process_after: Annotated[Optional[datetime.timedelta], api.Body()] = None,
    ):
        start_process = start + (process_after or datetime.timedelta())
        return {
            "ident": ident,
            "start": start,
            "end": end,
            "repeat_at": repeat_at,
            "process_after": process_after,
            "start_process": start_process,
            "duration": end - start_process,
        }

    @router.post("/echo-extra", response_model=Extra)
    def echo_extra(value: Extra):
        return value

    return router


def test_extra_data_types(parity):
    uid = "4f0e9b6a-0a3b-4f4c-9c1e-2b0e7f7a9f10"
    value = {
        "when": "2024-02-29T12:30:00+01:00",
        "day": "2024-02-29",
        "at": "08:15:30.250000",
        "span": "P1DT2H",
        "ident": uid,
        "amount": "12.50",
        "raw": "hello",
        "labels": ["b", "a"],
        "kind": "large",
        "level": 2,
    }
    results = parity(
        build_extra,
        [
            ("POST", "/extra", {"json": value}),
            ("POST", "/extra", {"json": {**value, "span": 90.5, "amount": 3.25, "when": 0}}),
            ("POST", "/echo-extra", {"json": value}),
            (
                "POST",
                "/extra",
                {
                    "json": {
                        **value,
                        "when": "yesterday",
                        "day": "2024-02-30",
                        "at": "25:00",
                        "span": "long",
                        "ident": "nope",
                        "amount": "1.2.3",
                        "raw": 5,
                        "labels": "a",
                        "kind": "medium",
                        "level": 3,
                    }
                },
            ),
            (
                "PUT",
                f"/extra-embed/{uid}",
                {
                    "json": {
                        "start": "2024-01-01T00:00:00",
                        "end": "2024-01-02T00:00:00",
                        "repeat_at": "10:00",
                        "process_after": 3600,
                    }
                },
            ),
            ("PUT", f"/extra-embed/{uid}", {"json": {"start": "2024-01-01T00:00:00"}}),
        ],
    )
    got = results[0].json()
    assert got["value"] == {
        "when": "2024-02-29T12:30:00+01:00",
        "day": "2024-02-29",
        "at": "08:15:30.250000",
        "span": "P1DT2H",
        "ident": uid,
        "amount": "12.50",
        "raw": "hello",
        "labels": got["value"]["labels"],
        "kind": "large",
        "level": 2,
    }
    assert sorted(got["value"]["labels"]) == ["a", "b"]
    assert got["checks"] == {
        "when": "2024-02-29T12:30:00+01:00",
        "hours": 26.0,
        "amount": "25.00",
        "raw": "hello",
        "labels": ["a", "b"],
        "version": 4,
        "kind_is_enum": True,
        "level": 2,
    }
    assert results[1].json()["value"]["span"] == "PT1M30.5S"
    assert results[1].json()["value"]["when"] == "1970-01-01T00:00:00Z"
    assert results[2].json()["span"] == "P1DT2H"
    errors = results[3].json()["detail"]
    assert [e["loc"][-1] for e in errors] == [
        "when",
        "day",
        "at",
        "span",
        "ident",
        "amount",
        "raw",
        "labels",
        "kind",
        "level",
    ]
    assert results[4].json() == {
        "ident": uid,
        "start": "2024-01-01T00:00:00",
        "end": "2024-01-02T00:00:00",
        "repeat_at": "10:00:00",
        # jsonable_encoder (a returned dict) gives timedeltas as seconds;
        # a model dumped through response_model gives ISO 8601 durations.
        "process_after": 3600.0,
        "start_process": "2024-01-01T01:00:00",
        "duration": 82800.0,
    }
    assert results[5].json()["detail"][0]["loc"] == ["body", "end"]


# --- bad input ---------------------------------------------------------------------------


def test_wrong_types_and_missing_fields(parity):
    results = parity(
        build_basic,
        [
            ("POST", "/items", {"json": {"name": 5, "price": "cheap", "tax": []}}),
            ("POST", "/items", {"json": {}}),
            ("POST", "/items", {"json": {"description": "d"}}),
            ("POST", "/items", {"json": {"name": None, "price": None}}),
            ("POST", "/items", {"json": {"name": "x", "price": True}}),
        ],
    )
    errors = results[0].json()["detail"]
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("string_type", ["body", "name"]),
        ("float_parsing", ["body", "price"]),
        ("float_type", ["body", "tax"]),
    ]
    assert [e["type"] for e in results[1].json()["detail"]] == ["missing", "missing"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "Foo", "price":',  # truncated
        b'{"name": "Foo", "price": 1}}',  # trailing garbage
        b'{"name": "Foo", "price": 1} x',
        b"{'name': 'Foo'}",  # not JSON quotes
        b"{bad",
        b"nul",
        b'{"name": "Foo", "price": 1,}',  # trailing comma
        b'{"name": "\xff\xfe", "price": 1}',  # invalid utf-8
        b"\xff",
        b"   ",
    ],
)
def test_malformed_json(parity, content):
    (got,) = parity(build_basic, [("POST", "/items", {"content": content, "headers": JSON})])
    assert got.status_code in (400, 422)
    if got.status_code == 422:
        (error,) = got.json()["detail"]
        assert error["type"] == "json_invalid"
        assert error["loc"][0] == "body"
        assert error["msg"] == "JSON decode error"
    else:
        assert got.json() == {"detail": "There was an error parsing the body"}


def test_json_with_utf8_bom_is_accepted(parity):
    content = b'\xef\xbb\xbf{"name": "Foo", "price": 1}'
    (got,) = parity(build_basic, [("POST", "/items", {"content": content, "headers": JSON})])
    assert got.status_code == 200
    assert got.json()["name"] == "Foo"


def test_malformed_json_explicit(serve):
    client = serve(build_basic)
    got = client.post("/items", content=b'{"name": "Foo", "price":', headers=JSON)
    assert got.status_code == 422
    assert got.json() == {
        "detail": [
            {
                "type": "json_invalid",
                "loc": ["body", 24],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": "Expecting value"},
            }
        ]
    }
    got = client.post("/items", content=b'{"name": "Foo", "price": 1} x', headers=JSON)
    assert got.json()["detail"][0]["ctx"] == {"error": "Extra data"}
    assert got.json()["detail"][0]["loc"] == ["body", 28]
    got = client.post("/items", content=b'{"name": "\xff", "price": 1}', headers=JSON)
    assert got.status_code == 400
    assert got.json() == {"detail": "There was an error parsing the body"}


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "application/vnd.api+json"},
        {"content-type": "application/json; charset=utf-8"},
        {"content-type": "application/JSON"},
        {"content-type": "application/json-patch+json"},
        {"content-type": "application/jsonx"},
        {"content-type": "text/json"},
        {"content-type": "application/xml"},
        {"content-type": "garbage"},
        {},
    ],
)
def test_content_types(parity, headers):
    content = b'{"name": "Foo", "price": 1}'
    (got,) = parity(build_basic, [("POST", "/items", {"content": content, "headers": headers})])
    ctype = headers.get("content-type", "").lower()
    json_like = (
        ctype.startswith("application/json") and ctype != "application/jsonx"
    ) or ctype.endswith("+json")
    if json_like:
        assert got.status_code == 200
        assert got.json()["name"] == "Foo"
    else:
        # Not JSON: the raw bytes reach validation and fail it clearly.
        assert got.status_code == 422
        (error,) = got.json()["detail"]
        assert error["loc"] == ["body"]
        assert error["type"] == "model_attributes_type"


def test_no_content_type_is_not_json(serve):
    # FastAPI's strict_content_type default: a body without a content type is not JSON.
    client = serve(build_basic)
    got = client.post("/items", content=b'{"name": "Foo", "price": 1}')
    assert got.status_code == 422
    assert got.json()["detail"][0]["input"] == '{"name": "Foo", "price": 1}'


def test_wrong_content_type_on_multi_and_scalar_bodies(parity):
    content = b'{"item": {"name": "Foo", "price": 1}, "user": {"username": "u"}}'
    results = parity(
        build_multi,
        [
            ("PUT", "/multi/1", {"content": content, "headers": {"content-type": "text/plain"}}),
            ("PUT", "/multi/1", {"content": content}),
            ("POST", "/scalar", {"content": b"5", "headers": {"content-type": "text/plain"}}),
            ("POST", "/scalar", {"content": b"5"}),
            ("POST", "/embed", {"content": b"{}", "headers": {"content-type": "text/plain"}}),
        ],
    )
    # With several bodies, bytes are not an object: each field is missing.
    assert [e["loc"] for e in results[0].json()["detail"]] == [["body", "item"], ["body", "user"]]
    # Raw bytes reach validation: pydantic's lax mode reads b"5" as an int.
    assert results[2].json() == {"importance": 5}
    assert results[3].json() == {"importance": 5}
    assert results[4].json()["detail"][0]["loc"] == ["body", "item"]


def test_empty_null_and_array_bodies(parity):
    results = parity(
        build_basic,
        [
            ("POST", "/items"),
            ("POST", "/items", {"content": b"", "headers": JSON}),
            ("POST", "/items", {"json": [{"name": "Foo", "price": 1}]}),
            ("POST", "/items", {"json": []}),
            ("POST", "/items", {"json": "Foo"}),
            ("POST", "/items", {"json": 42}),
            ("POST", "/items", {"json": True}),
            ("PUT", "/items/1", {"content": b"", "headers": JSON}),
        ],
    )
    assert results[0].json()["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]
    assert results[1].json() == results[0].json()
    assert results[2].json()["detail"][0]["input"] == [{"name": "Foo", "price": 1}]


def test_empty_and_null_for_embedded_bodies(parity):
    results = parity(
        build_multi,
        [
            ("POST", "/embed", {"content": b"", "headers": JSON}),
            ("POST", "/embed", {"json": "item"}),
            ("POST", "/embed", {"json": [{"item": {}}]}),
        ],
    )
    for got in results:
        assert got.status_code == 422


#: FastAPI 0.151 reads a JSON ``null`` body as the value ``None`` (``Undefined`` marks no
#: body); before, as no body at all ("Field required").
FASTAPI_NULL_BODY = "0.151.0"


def _check_null_bodies(send):
    """A JSON ``null`` body, as dualweb (and FastAPI from 0.151 on) reads it: a value."""
    for method, url in [("POST", "/items"), ("PUT", "/items/1")]:
        got = send(build_basic, method, url)
        assert got.status_code == 422
        assert got.json()["detail"][0]["type"] == "model_attributes_type"
        assert got.json()["detail"][0]["input"] is None
    for method, url in [("POST", "/embed"), ("PUT", "/singular")]:
        assert send(build_multi, method, url).status_code == 422
    assert send(build_more, "POST", "/required-optional").json() == {"item": None}


def test_a_null_body_is_a_value(parity):
    _check_null_bodies(lambda build, method, url: parity.client(build).request(method, url, **NULL))


@fastapi_has(FASTAPI_NULL_BODY, "reads a JSON null body as None, not as no body")
def test_a_null_body_is_a_value_like_fastapi(parity):
    _check_null_bodies(lambda build, method, url: parity(build, [(method, url, NULL)])[0])


# --- NaN: where FastAPI is broken ----------------------------------------------------------


# Python's json module reads these tokens as non-finite floats, as Starlette's does.
NAN_BODIES = [b'{"value": NaN}', b'{"value": -Infinity}']


@pytest.mark.parametrize("content", NAN_BODIES)
def test_nan_to_constrained_float_is_a_clear_422(serve, content):
    client = serve(build_fields)
    got = client.post("/positive", content=content, headers=JSON)
    assert got.status_code == 422
    assert got.headers["content-type"] == "application/json"
    assert got.json() == {
        "detail": [
            {
                "type": "greater_than",
                "loc": ["body", "value"],
                "msg": "Input should be greater than 0",
                # The non-finite input cannot be JSON: it is reported as null.
                "input": None,
                "ctx": {"gt": 0},
            }
        ]
    }


def test_nan_echoed_inside_containers_is_nulled(serve):
    client = serve(build_fields)
    got = client.post("/positive", content=b"[NaN, 1.5, Infinity]", headers=JSON)
    assert got.status_code == 422
    (error,) = got.json()["detail"]
    assert error["type"] == "model_attributes_type"
    assert error["input"] == [None, 1.5, None]
    got = client.post("/body-alias-embed", content=b'{"Count": NaN}', headers=JSON)
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == ["body", "Count"]
    assert got.json()["detail"][0]["input"] is None


@pytest.mark.parametrize("content", NAN_BODIES)
def test_nan_is_a_500_on_native_fastapi(fastapi_ns, content):
    # The reason dualweb deviates: FastAPI echoes NaN in its 422 and fails to encode it.
    client = native_client(build_fields, fastapi_ns, raise_server_exceptions=False)
    got = client.post("/positive", content=content, headers=JSON)
    assert got.status_code == 500


def test_infinity_within_constraint_is_valid(serve):
    # +Infinity satisfies gt=0, so it is not a validation error; the handler
    # decides what to answer (here: a finite flag, since JSON cannot hold inf).
    def build(api):
        router = api.Router()

        @router.post("/positive")
        def positive(p: Positive):
            return {"finite": p.value != float("inf")}

        return router

    got = serve(build).post("/positive", content=b'{"value": Infinity}', headers=JSON)
    assert got.json() == {"finite": False}


def test_valid_floats_still_match(parity):
    results = parity(
        build_fields,
        [
            ("POST", "/positive", {"json": {"value": 1e-300}}),
            ("POST", "/positive", {"json": {"value": -0.0}}),
            ("POST", "/positive", {"json": {"value": 1e308}}),
        ],
    )
    assert results[0].json() == {"value": 1e-300}
    assert results[1].json()["detail"][0]["type"] == "greater_than"


def test_lone_surrogate_echoed_in_422_is_a_clear_422(serve, fastapi_ns):
    # JSON may escape a lone surrogate, which UTF-8 cannot encode: FastAPI's 422
    # echoing it fails to render (500); dualweb sends U+FFFD in its place.
    content = b'{"name": "Foo", "price": "\\ud800x"}'
    got = serve(build_basic).post("/items", content=content, headers=JSON)
    assert got.status_code == 422
    (error,) = got.json()["detail"]
    assert error["loc"] == ["body", "price"]
    assert error["input"] == "\ufffdx"
    got = serve(build_containers).post("/weights", content=b'{"\\udc00": "x"}', headers=JSON)
    assert got.status_code == 422
    assert got.json()["detail"][0]["input"] == "x"
    native = native_client(build_basic, fastapi_ns, raise_server_exceptions=False)
    assert native.post("/items", content=content, headers=JSON).status_code == 500


# --- bodies read by dependencies, and other body shapes ------------------------------------


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: int


@dataclasses.dataclass
class Point:
    x: int
    label: str = "p"


def build_more(api):
    router = api.Router()

    def extra_dep(extra: Annotated[int, api.Body()]):
        return extra

    def item_name(item: Item):
        return item.name

    @router.post("/dep")
    def with_dep(item: Item, extra: int = api.Depends(extra_dep)):
        return {"item": item, "extra": extra}

    @router.post("/dep-shared")
    def dep_shared(item: Item, name: str = api.Depends(item_name)):
        return {"item": item, "name": name}

    @router.post("/dep-only")
    def dep_only(name: str = api.Depends(item_name)):
        return {"name": name}

    @router.post("/union")
    def union(x: Union[Item, User]):
        return x

    @router.post("/required-optional")
    def required_optional(item: Optional[Item]):
        return {"item": item}

    @router.post("/any")
    def any_body(payload: Any = api.Body()):
        return {"payload": payload}

    @router.post("/dict")
    def plain_dict(payload: dict):
        return payload

    @router.post("/dataclass")
    def dataclass_body(point: Point):
        return point

    @router.post("/closed")
    def closed(c: Closed):
        return c

    @router.post("/factory")
    def factory(tags: Annotated[list[str], api.Body(default_factory=lambda: ["t"], embed=True)]):
        return tags

    @router.post("/embed-optional")
    def embed_optional(item: Annotated[Optional[Item], api.Body(embed=True)] = None):
        return {"item": item}

    @router.post("/choices")
    def choices(
        a: Annotated[int, api.Body(validation_alias=AliasChoices("A", "aa"))],
        b: Annotated[int, api.Body()] = 0,
    ):
        return {"a": a, "b": b}

    @router.post("/validate-default")
    def validate_default(n: Annotated[int, api.Body(embed=True, validate_default=True)] = "3"):
        return {"n": n}

    @router.post("/text")
    def text(s: Annotated[str, api.Body()]):
        return {"s": s}

    @router.get("/no-body")
    def no_body():
        return {"ok": True}

    return router


def test_bodies_read_by_dependencies(parity):
    item = {"name": "a", "price": 1}
    results = parity(
        build_more,
        [
            ("POST", "/dep", {"json": {"item": item, "extra": 2}}),
            ("POST", "/dep", {"json": {"item": item}}),
            ("POST", "/dep", {"json": item}),
            ("POST", "/dep-shared", {"json": item}),
            ("POST", "/dep-only", {"json": item}),
            ("POST", "/dep-only", {"json": {"item": item}}),
        ],
    )
    assert results[0].json()["extra"] == 2
    assert results[1].json()["detail"][0]["loc"] == ["body", "extra"]
    # The same parameter in the handler and its dependency is one body, not embedded.
    assert results[3].json()["name"] == "a"
    assert results[4].json() == {"name": "a"}
    assert results[5].status_code == 422


def test_other_body_shapes(parity):
    item = {"name": "a", "price": 1}
    results = parity(
        build_more,
        [
            ("POST", "/union", {"json": {"username": "u"}}),
            ("POST", "/union", {"json": item}),
            ("POST", "/union", {"json": {"x": 1}}),
            ("POST", "/required-optional"),
            ("POST", "/any", {"json": {"a": [1]}}),
            ("POST", "/any", {"content": b"hello", "headers": {"content-type": "text/plain"}}),
            ("POST", "/any"),
            ("POST", "/dict", {"json": {"a": 1}}),
            ("POST", "/dict", {"json": [1]}),
            ("POST", "/dataclass", {"json": {"x": "1"}}),
            ("POST", "/dataclass", {"json": {"label": 1}}),
            ("POST", "/closed", {"json": {"a": 1, "b": 2}}),
            ("POST", "/factory"),
            ("POST", "/factory", {"json": {}}),
            ("POST", "/factory", {"json": {"tags": ["a"]}}),
            ("POST", "/embed-optional"),
            ("POST", "/embed-optional", {"json": {}}),
            ("POST", "/embed-optional", {"json": {"item": None}}),
            ("POST", "/embed-optional", {"json": {"item": item}}),
            ("POST", "/validate-default", {"json": {"n": "4"}}),
            ("POST", "/text", {"content": b"hello", "headers": {"content-type": "text/plain"}}),
            ("POST", "/text", {"json": "hello"}),
            ("POST", "/text", {"content": '"h\u00e9"'.encode("utf-16"), "headers": JSON}),
            ("POST", "/text", {"content": b'{"a": 1, "a": 2}', "headers": JSON}),
            ("GET", "/no-body", {"content": b"{bad", "headers": JSON}),
        ],
    )
    assert results[0].json() == {"username": "u", "full_name": None}
    assert results[1].json()["name"] == "a"
    assert results[3].json()["detail"][0]["type"] == "missing"
    assert results[5].json() == {"payload": "hello"}
    assert results[9].json() == {"x": 1, "label": "p"}
    assert results[11].json()["detail"][0]["type"] == "extra_forbidden"
    assert results[12].json() == ["t"]
    assert results[13].json() == ["t"]
    assert results[14].json() == ["a"]
    assert results[15].json() == results[16].json() == results[17].json() == {"item": None}
    assert results[19].json() == {"n": 4}
    assert results[20].json() == {"s": "hello"}
    assert results[22].json() == {"s": "h\u00e9"}
    assert results[24].json() == {"ok": True}


def test_validate_default(parity):
    # validate_default=True validates (and converts) the default, as FastAPI does.
    assert parity.client(build_more).post("/validate-default").json() == {"n": 3}


@fastapi_has("0.148.0", "validates a parameter's default under validate_default=True")
def test_validate_default_like_fastapi(parity):
    [got] = parity(build_more, [("POST", "/validate-default")])
    assert got.json() == {"n": 3}


CHOICES_REQUESTS = [
    ("POST", "/choices", {"json": {"aa": 1}}),
    ("POST", "/choices", {"json": {"A": 1, "b": 2}}),
    ("POST", "/choices", {"json": {"a": 1}}),
]


def _check_choices(results):
    assert results[0].json() == {"a": 1, "b": 0}
    assert results[1].json() == {"a": 1, "b": 2}
    assert results[2].json()["detail"][0]["loc"] == ["body", "A"]


def test_body_alias_choices(parity):
    client = parity.client(build_more)
    _check_choices([client.request(m, url, **kw) for m, url, kw in CHOICES_REQUESTS])


@fastapi_has("0.157.0", "reads a body field by each of its validation_alias AliasChoices")
def test_body_alias_choices_like_fastapi(parity):
    _check_choices(parity(build_more, CHOICES_REQUESTS))


def test_unparseable_json_is_a_400(parity):
    # (JSON nested too deeply is a 422 before it is parsed: tests/test_limits.py.)
    content = b"1" * 5000  # more digits than Python converts
    (got,) = parity(build_more, [("POST", "/text", {"content": content, "headers": JSON})])
    assert got.status_code == 400
    assert got.json() == {"detail": "There was an error parsing the body"}


def test_undecodable_bytes_under_a_foreign_content_type_are_a_422(serve):
    # FastAPI echoes the raw body as the error's input, fails to encode it, and answers 500.
    from pydantic import BaseModel

    class Named(BaseModel):
        name: str

    def build(api):
        router = api.Router()

        @router.post("/named")
        def named(item: Named):
            return item

        return router

    response = serve(build).post(
        "/named", content=b"\x80abc", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["input"] == "\ufffdabc"

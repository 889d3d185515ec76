"""Form models that are unions of models, discriminated or not, with nested and list
fields, on every host compared with FastAPI 0.165 (below it, with each other): answers and
the API document.

A union of models declared with ``Form()`` is a form model: each member reads the whole
form as a lone form model would (its lists, aliases, empty values), and pydantic picks
the member (by the discriminator's tag, or by trying each). A nested model field cannot
come from a form's flat text values: FastAPI answers 422 ``model_attributes_type`` for it
unless it is declared ``Json[...]``.
"""

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, Json, Tag

from tests.conftest import DUALWEB
from tests.test_forms import as_multipart


class Address(BaseModel):
    city: str
    zip: str = "0"


class Cat(BaseModel):
    kind: Literal["cat"]
    meows: int = 1
    names: list[str] = []


class Dog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["dog"]
    barks: bool = False
    home: Optional[Json[Address]] = None
    friends: list[Address] = []


class Owner(BaseModel):
    name: str
    pet: Annotated[Union[Cat, Dog], Field(discriminator="kind")]


def build(api):
    router = api.Router()

    @router.post("/pet")
    def pet(data: Annotated[Union[Cat, Dog], api.Form(discriminator="kind")]):
        return data

    @router.post("/either")
    async def either(data: Annotated[Union[Cat, Dog], api.Form()]):
        return {"type": type(data).__name__, "data": data}

    @router.post("/tagged")
    def tagged(
        data: Annotated[Union[Annotated[Cat, Tag("c")], Annotated[Dog, Tag("d")]], api.Form()],
    ):
        return data

    @router.post("/maybe")
    def maybe(data: Annotated[Union[Cat, Dog, None], api.Form(discriminator="kind")] = None):
        return {"data": data}

    def pet_dependency(data: Annotated[Union[Cat, Dog], api.Form(discriminator="kind")]):
        return data.kind

    @router.post("/dependency")
    def dependency(kind: Annotated[str, api.Depends(pet_dependency)]):
        return {"kind": kind}

    @router.post("/owner")
    def owner(data: Annotated[Owner, api.Form()]):
        return data

    return router


# The first FastAPI that reads a union of form models as dualweb does; below it (the
# floor) each host is compared with the next (tests/conftest.py: Parity).
UNIONS_FROM = "0.165"

CAT = {"kind": "cat", "meows": "3", "names": ["Tom", "Kit"]}
DOG = {"kind": "dog", "barks": "yes", "home": '{"city": "Oslo"}'}
REQUESTS = [
    {"data": CAT},
    {"data": {"kind": "cat", "names": "Tom"}},
    {"data": {"kind": "cat", "meows": ""}},
    {"data": DOG},
    {"data": {**DOG, "home": '{"town": "Oslo"}'}},
    {"data": {**DOG, "home": "{oops"}},
    {"data": {**DOG, "friends": '{"city": "Bergen"}'}},
    {"data": {**DOG, "colour": "brown"}},
    {"data": {"kind": "bird"}},
    {"data": {"meows": "3"}},
    {"data": {"kind": "cat", "meows": "many"}},
    {"data": {}},
    {},
]


def requests(path):
    for spec in REQUESTS:
        yield ("POST", path, spec)
        if spec.get("data"):
            yield ("POST", path, as_multipart(spec))


def test_a_discriminated_union(parity):
    results = parity(build, requests("/pet"), fastapi_from=UNIONS_FROM)
    assert results[0].json() == {"kind": "cat", "meows": 3, "names": ["Tom", "Kit"]}
    assert results[2].json() == {"kind": "cat", "meows": 1, "names": ["Tom"]}
    assert results[6].json() == {
        "kind": "dog",
        "barks": True,
        "home": {"city": "Oslo", "zip": "0"},
        "friends": [],
    }
    assert results[8].json()["detail"] == [
        {
            "type": "missing",
            "loc": ["body", "dog", "home", "city"],
            "msg": "Field required",
            "input": {"town": "Oslo"},
        }
    ]
    assert results[10].json()["detail"][0]["type"] == "json_invalid"
    assert results[12].json()["detail"][0]["type"] == "model_attributes_type"
    assert results[12].json()["detail"][0]["loc"] == ["body", "dog", "friends", 0]
    assert results[14].json()["detail"][0]["type"] == "extra_forbidden"
    assert results[16].json()["detail"][0]["type"] == "union_tag_invalid"
    assert results[16].json()["detail"][0]["loc"] == ["body"]
    assert results[18].json()["detail"][0]["type"] == "union_tag_not_found"


def test_a_plain_union_tries_each_member(parity):
    results = parity(build, requests("/either"), fastapi_from=UNIONS_FROM)
    assert results[0].json()["type"] == "Cat"
    assert results[6].json()["type"] == "Dog"
    assert [error["loc"] for error in results[16].json()["detail"]] == [
        ["body", "Cat", "kind"],
        ["body", "Dog", "kind"],
    ]


def test_members_keep_their_tags(parity):
    results = parity(build, requests("/tagged"), fastapi_from=UNIONS_FROM)
    assert [error["loc"][:2] for error in results[16].json()["detail"]] == [
        ["body", "c"],
        ["body", "d"],
    ]


def test_an_optional_union_and_one_in_a_dependency(parity):
    results = parity(
        build,
        [
            *requests("/maybe"),
            ("POST", "/maybe", {"data": {"other": "x"}}),
            *requests("/dependency"),
        ],
        fastapi_from=UNIONS_FROM,
    )
    assert results[0].json() == {"data": {"kind": "cat", "meows": 3, "names": ["Tom", "Kit"]}}
    assert results[22].json() == {"data": None}  # an empty form: no member is sent
    # Dog forbids extra fields, so any field counts as sent for it (as in FastAPI).
    assert results[24].json()["detail"][0]["type"] == "union_tag_not_found"


def test_a_union_inside_a_form_model_is_not_read_from_flat_fields(parity):
    results = parity(
        build,
        [
            ("POST", "/owner", {"data": {"name": "Ann", "pet": '{"kind": "cat"}'}}),
            ("POST", "/owner", {"data": {"name": "Ann", "kind": "cat"}}),
            ("POST", "/pet", {"data": {"kind": "cat"}}),
        ],
        fastapi_from=UNIONS_FROM,
    )
    assert results[0].json()["detail"][0]["type"] == "model_attributes_type"
    assert results[1].json()["detail"][0]["loc"] == ["body", "pet"]
    assert results[2].json() == {"kind": "cat", "meows": 1, "names": []}


def test_the_api_document_is_fastapis(parity, serve):
    theirs = parity.reference(build, UNIONS_FROM).get("/openapi.json").json()
    ours = serve(build(DUALWEB)).get("/openapi.json").json()
    assert ours["paths"] == theirs["paths"]
    assert ours["components"] == theirs["components"]
    body = ours["paths"]["/pet"]["post"]["requestBody"]["content"]
    assert body["application/x-www-form-urlencoded"]["schema"]["discriminator"] == {
        "propertyName": "kind",
        "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"},
    }

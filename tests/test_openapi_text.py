"""The API document's text, byte for byte as native FastAPI serves it.

The other OpenAPI tests compare parsed JSON; a committed ``openapi.json`` or a
generated client diffed in CI compares text: the key order (paths before components,
each component schema in the order of FastAPI's OpenAPI models) and the numbers
(``"exclusiveMinimum": 0.0`` where a schema's float keyword holds a whole number).
"""

import enum
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field
from test_openapi_hosts import native

from dualweb.testing import TestClient
from tests.conftest import DUALWEB


class Color(str, enum.Enum):
    red = "red"
    blue = "blue"


class Tag(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    weight: float = Field(1.0, ge=0, le=10, multiple_of=0.5)


class Item(BaseModel):
    name: str
    price: float = Field(gt=0, description="The price")
    quantity: int = Field(0, ge=0, lt=1000)
    color: Color | None = None
    tags: list[Tag] = []
    attributes: dict[str, int] = {}


def shop(api: Any) -> Any:
    router = api.Router(tags=["items"])

    @router.get("/items/{item_id}")
    def read_item(item_id: Annotated[int, api.Path(ge=1)], q: str | None = None) -> Item:
        return Item(name="pen", price=1.5)

    @router.put("/items/{item_id}", responses={404: {"description": "Not there"}})
    def replace_item(
        item_id: int,
        item: Item,
        importance: Annotated[int, api.Body(gt=0)],
        x_token: Annotated[str | None, api.Header()] = None,
    ) -> Item:
        return item

    @router.post("/items/{item_id}/tags", status_code=201)
    def add_tags(item_id: int, tags: list[Tag], color: Color = Color.red) -> list[Tag]:
        return tags

    return router


def secured(api: Any) -> Any:
    import fastapi.security

    import dualweb.security

    security = fastapi.security if api.native else dualweb.security
    token = security.OAuth2PasswordBearer(tokenUrl="token", scopes={"read": "Read things"})
    router = api.Router()

    @router.get("/me/items")
    def my_items(
        limit: Annotated[int, api.Query(gt=0, le=100)] = 10,
        user: str = api.Security(token, scopes=["read"]),
    ) -> list[Item]:
        return []

    return router


@pytest.mark.filterwarnings("ignore:The `root_path` parameter is deprecated")
@pytest.mark.parametrize("build", [shop, secured])
def test_served_document_text_is_fastapis(host: str, build: Any) -> None:
    ours = TestClient(build(DUALWEB), host).get("/openapi.json")
    theirs = native(build).get("/openapi.json")
    assert ours.json() == theirs.json()
    assert ours.text == theirs.text


@pytest.mark.filterwarnings("ignore:The `root_path` parameter is deprecated")
@pytest.mark.parametrize("host", ["flask", "starlette"])
@pytest.mark.parametrize("servers", [None, [{"url": "https://example.com"}]])
def test_document_text_behind_a_root_path(host: str, servers: Any) -> None:
    # FastAPI adds the root path to the document it built: where the servers are when the
    # app has some, else last.
    ours = TestClient(shop(DUALWEB), host, root_path="/api", servers=servers)
    theirs = native(shop, servers=servers)
    theirs = type(theirs)(theirs.app, root_path="/api")
    assert ours.get("/openapi.json").text == theirs.get("/openapi.json").text

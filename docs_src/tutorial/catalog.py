from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel

from dualweb import Depends, Header, HTTPException, Query, Router

router = Router()


class NewItem(BaseModel):
    name: str
    price: float


class Item(BaseModel):
    id: int
    name: str
    price: float


ITEMS: dict[int, Item] = {
    1: Item(id=1, name="Chair", price=49.5),
    2: Item(id=2, name="Lamp", price=19.0),
    3: Item(id=3, name="Desk", price=120.0),
}


@dataclass
class Page:
    offset: int
    limit: int


def pagination(
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Page:
    return Page(offset, limit)


def require_token(x_token: Annotated[str | None, Header()] = None) -> None:
    if x_token != "let-me-in":
        raise HTTPException(status_code=401, detail="Missing or wrong X-Token header")


@router.get("/items")
def list_items(page: Annotated[Page, Depends(pagination)]) -> list[Item]:
    items = list(ITEMS.values())
    return items[page.offset : page.offset + page.limit]


@router.get("/items/{item_id}")
def read_item(item_id: int) -> Item:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]


@router.post("/items", status_code=201, dependencies=[Depends(require_token)])
def create_item(item: NewItem) -> Item:
    new = Item(id=max(ITEMS, default=0) + 1, **item.model_dump())
    ITEMS[new.id] = new
    return new

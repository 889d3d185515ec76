"""An example API written once with dualweb, servable by Flask, FastAPI or Starlette."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from dualweb import Body, Header, HTTPException, Path, Query, Request, Router, status
from dualweb.responses import JSONResponse

router = Router(tags=["items"])


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)
    tags: list[str] = []


class Item(ItemIn):
    id: int


class Message(BaseModel):
    detail: str


_ITEMS: dict[int, Item] = {1: Item(id=1, name="Teapot", price=12.5, tags=["kitchen"])}


class OutOfStock(Exception):
    def __init__(self, item_id: int) -> None:
        self.item_id = item_id


@router.exception_handler(OutOfStock)
def out_of_stock(request: Request, exc: OutOfStock) -> JSONResponse:
    return JSONResponse({"detail": f"item {exc.item_id} is out of stock"}, status_code=409)


@router.get("/items")
def list_items(
    tag: str | None = None,
    limit: Annotated[int, Query(gt=0, le=100)] = 10,
) -> list[Item]:
    """List the items, optionally only those with a tag."""
    items = [item for item in _ITEMS.values() if tag is None or tag in item.tags]
    return items[:limit]


@router.get(
    "/items/{item_id}",
    responses={404: {"model": Message, "description": "No item has this id"}},
)
async def read_item(item_id: Annotated[int, Path(gt=0)]) -> Item:
    """One item."""
    if item_id not in _ITEMS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    return _ITEMS[item_id]


@router.post("/items", status_code=status.HTTP_201_CREATED)
def create_item(item: ItemIn, x_request_id: Annotated[str | None, Header()] = None) -> Item:
    """Create an item."""
    new = Item(id=max(_ITEMS, default=0) + 1, **item.model_dump())
    _ITEMS[new.id] = new
    return new


@router.post(
    "/items/{item_id}/buy",
    responses={409: {"model": Message, "description": "Not enough of the item in stock"}},
)
def buy(item_id: int, quantity: Annotated[int, Body(embed=True, gt=0)]) -> dict[str, int]:
    """Buy an item: only item 1 is in stock, and only three of it."""
    if item_id != 1 or quantity > 3:
        raise OutOfStock(item_id)
    return {"item_id": item_id, "bought": quantity}

from decimal import Decimal

from pydantic import BaseModel

from dualweb import Router
from dualweb.testing import TestClient


class Item(BaseModel):
    name: str
    price: Decimal


router = Router(tags=["items"])


@router.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None) -> Item:
    """Read one item."""
    return Item(name="pen", price=Decimal("1.50"))


@router.post("/items", status_code=201)
def create_item(item: Item) -> Item:
    return item

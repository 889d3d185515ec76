from pydantic import BaseModel

from dualweb import HTTPException, Router

router = Router()


class NewItem(BaseModel):
    name: str
    price: float
    cost: float = 0.0  # what we paid: kept, never shown


class Item(BaseModel):
    id: int
    name: str
    price: float


ITEMS: dict[int, dict[str, object]] = {}


@router.post("/items", status_code=201, response_model=Item)
def create_item(item: NewItem) -> dict[str, object]:
    item_id = len(ITEMS) + 1
    ITEMS[item_id] = {"id": item_id, **item.model_dump()}
    return ITEMS[item_id]


@router.get("/items/{item_id}", response_model=Item)
def read_item(item_id: int) -> dict[str, object]:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]

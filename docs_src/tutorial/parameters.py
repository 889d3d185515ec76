from typing import Annotated

from dualweb import Path, Query, Router

router = Router()


@router.get("/items/{item_id}")
def read_item(
    item_id: Annotated[int, Path(ge=1)],
    q: Annotated[str | None, Query(max_length=20)] = None,
    limit: int = 10,
) -> dict[str, object]:
    return {"item_id": item_id, "q": q, "limit": limit}

"""A small app for ``test_cli``: ``dualweb routes tests.cli_app:router`` and friends."""

import os

from pydantic import BaseModel

from dualweb import Router


class Item(BaseModel):
    name: str
    price: float


router = Router()


@router.get("/ping")
def ping() -> dict:
    return {"ok": True, "pid": os.getpid()}


@router.post("/items", name="create_item", status_code=201)
def create(item: Item) -> Item:
    return item


@router.api_route("/both", methods=["POST", "GET"], include_in_schema=False)
async def both() -> dict:
    return {"both": True}


class Handlers:
    @staticmethod
    def stats() -> dict:
        return {"stats": "ok"}


admin = Router(prefix="/admin")
admin.add_api_route("/stats", Handlers.stats, methods=["GET"])
router.include_router(admin)


class Namespace:
    api = router


def make_router() -> Router:
    made = Router()

    @made.get("/made")
    def made_here() -> dict:
        return {"made": True}

    return made


def not_a_router_factory() -> str:
    return "nope"


def broken_factory() -> Router:
    raise RuntimeError("the factory broke")


not_a_router = 42

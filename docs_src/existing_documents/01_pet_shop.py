import flask
import flask.views
import marshmallow as ma
from pydantic import BaseModel

import dualweb.flask
import dualweb.openapi
from dualweb import Depends, Router
from dualweb.security import HTTPAuthorizationCredentials, HTTPBearer


class Line(BaseModel):
    pet_id: int
    quantity: int = 1


class Order(BaseModel):
    lines: list[Line]
    note: str | None = None


orders = Router(tags=["orders"])
bearer = HTTPBearer()


@orders.post("/orders", status_code=201)
def create_order(order: Order) -> Order:
    return order


@orders.get("/orders/{order_id}")
def read_order(order_id: int, credentials: HTTPAuthorizationCredentials = Depends(bearer)) -> Order:
    return Order(lines=[Line(pet_id=order_id)])


# What the existing libraries describe with marshmallow:
class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)

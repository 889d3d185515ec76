router = Router()  # a new router: a mounted one takes no more routes
from typing import Literal, Union

from pydantic import Json


class Address(BaseModel):
    city: str


class Card(BaseModel):
    method: Literal["card"]
    number: str


class Invoice(BaseModel):
    method: Literal["invoice"]
    address: Json[Address]  # a JSON document in one form field
    copies: list[str] = []


@router.post("/pay")
def pay(payment: Annotated[Union[Card, Invoice], Form(discriminator="method")]):
    return payment

from typing import Annotated

from fastapi import FastAPI
from pydantic import BaseModel

import dualweb.fastapi
from dualweb import Depends, HTTPException, Query, Router

router = Router(prefix="/books")


class Book(BaseModel):
    title: str
    year: int


BOOKS = {
    1: Book(title="Middlemarch", year=1871),
    2: Book(title="Bleak House", year=1853),
}


def paging(limit: Annotated[int, Query(ge=1, le=50)] = 10) -> int:
    return limit


@router.get("")
def list_books(limit: Annotated[int, Depends(paging)]) -> list[Book]:
    return list(BOOKS.values())[:limit]


@router.get("/{book_id}")
def read_book(book_id: int) -> Book:
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail="No such book")
    return BOOKS[book_id]


app = FastAPI()
dualweb.fastapi.mount(app, router)  # after the routes: it registers them now

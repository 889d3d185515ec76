from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel

router = APIRouter(prefix="/books")


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
app.include_router(router)

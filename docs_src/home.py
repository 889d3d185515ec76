import fastapi
import flask
from pydantic import BaseModel

import dualweb.fastapi
import dualweb.flask
from dualweb import HTTPException, Router

router = Router()


class Book(BaseModel):
    title: str
    year: int


BOOKS = {1: Book(title="Middlemarch", year=1871)}


@router.get("/books/{book_id}")
def read_book(book_id: int) -> Book:
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail="No such book")
    return BOOKS[book_id]


flask_app = flask.Flask(__name__)  # served by Flask...
dualweb.flask.mount(flask_app, router)

fastapi_app = fastapi.FastAPI()  # ...and by FastAPI, with the same answers
dualweb.fastapi.mount(fastapi_app, router)

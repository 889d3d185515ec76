from fastapi import FastAPI
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

import dualweb.fastapi
from dualweb import Depends, HTTPException, Router
from dualweb.bridge import combine
from dualweb.flask import app_context
from dualweb.testing import client_for_app

# legacy.py: the Flask app, its extension, its settings and the views not moved yet.
db = SQLAlchemy()


class Book(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


def create_legacy_app() -> Flask:
    app = Flask("legacy")
    # (In memory for this example; Flask-SQLAlchemy shares it between threads.)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", PAGE_SIZE=20)
    db.init_app(app)

    @app.get("/legacy/books")
    def legacy_books():
        return [book.title for book in Book.query.order_by(Book.id)]

    with app.app_context():
        db.create_all()
    return app


legacy = create_legacy_app()

# routes.py: the moved views, unchanged inside, with the app's context for each request.
router = Router(dependencies=[Depends(app_context(legacy))])


@router.post("/books", status_code=201)
def add_book(title: str):
    book = Book(title=title)
    db.session.add(book)
    db.session.commit()
    return {"id": book.id, "title": book.title}


@router.get("/books/{book_id}")
def read_book(book_id: int):
    book = db.session.get(Book, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return {"id": book.id, "title": book.title}


@router.get("/books")
def list_books():
    limit = current_app.config["PAGE_SIZE"]
    return [book.title for book in Book.query.order_by(Book.id).limit(limit)]


# app.py, step 2: FastAPI in front, the Flask app behind.
api = FastAPI()
dualweb.fastapi.mount(api, router)
app = combine(api, legacy)

client = client_for_app(app)
assert client.post("/books", params={"title": "Dune"}).json() == {"id": 1, "title": "Dune"}
assert client.get("/books/1").json() == {"id": 1, "title": "Dune"}
assert client.get("/books").json() == ["Dune"]
assert client.get("/legacy/books").json() == ["Dune"]  # Flask's view: the same database

from flask import Flask, jsonify, request, url_for

import dualweb.flask
from dualweb import HTTPException, Router

BOOKS = [
    {"title": "Middlemarch", "year": 1871},
    {"title": "Bleak House", "year": 1853},
]

router = Router()


@router.get("/books")  # moved: the same URL, the same function name
def find_books(year: int) -> list[dict]:
    found = [book for book in BOOKS if book["year"] == year]
    if not found:
        raise HTTPException(status_code=404, detail="Not Found")
    return found


app = Flask(__name__)
# Named as the Blueprint it replaces, so that
# url_for("books.find_books") still finds the view.
dualweb.flask.mount(app, router, name="books")


@app.post("/books")  # not moved yet: Flask's, unchanged
def add_book():
    book = request.get_json()
    BOOKS.append({"title": book["title"], "year": book["year"]})
    link = url_for("books.find_books", year=book["year"])
    return jsonify({**book, "link": link}), 201

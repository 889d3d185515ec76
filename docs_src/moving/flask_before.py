from flask import Blueprint, Flask, abort, jsonify, request, url_for

BOOKS = [
    {"title": "Middlemarch", "year": 1871},
    {"title": "Bleak House", "year": 1853},
]

books = Blueprint("books", __name__)


@books.get("/books")
def find_books():
    try:
        year = int(request.args["year"])  # a missing year is a 400 too
    except ValueError:
        abort(400)
    found = [book for book in BOOKS if book["year"] == year]
    if not found:
        abort(404)
    return jsonify(found)


app = Flask(__name__)
app.register_blueprint(books)


@app.post("/books")
def add_book():
    book = request.get_json()
    BOOKS.append({"title": book["title"], "year": book["year"]})
    link = url_for("books.find_books", year=book["year"])
    return jsonify({**book, "link": link}), 201

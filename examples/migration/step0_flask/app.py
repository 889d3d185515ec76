"""The bookstore API, written for Flask (step 0: before the migration).

Run: ``flask --app step0_flask.app run`` or
``gunicorn -k gthread --threads 8 'step0_flask.app:create_app()'`` (from examples/migration).

Errors already have FastAPI's shape (``{"detail": ...}``, 422 with a list of
pydantic errors): the team wrote the Flask app with pydantic, which is what makes
the API's contract survive the move.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, stream_with_context
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from . import db
from .schemas import COVER_TYPES, MAX_COVER_BYTES, Book, BookIn, BookListQuery

M = TypeVar("M", bound=BaseModel)

api = Blueprint("bookstore", __name__)


# --- errors ---------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered as ``{"detail": detail}`` with ``status``."""

    def __init__(self, status: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def api_error(exc: ApiError) -> tuple[Response, int, dict[str, str]]:
    return jsonify(detail=exc.detail), exc.status, exc.headers


def http_error(exc: HTTPException) -> tuple[Response, int]:
    # Werkzeug's 404/405/...: {"detail": "Not Found"}, as Starlette answers.
    return jsonify(detail=exc.name), exc.code or 500


def validate(model: type[M], data: Any, location: str) -> M:
    """``data`` as ``model``, or a 422 listing pydantic's errors under ``location``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = json.loads(exc.json(include_url=False))
        for error in errors:
            error["loc"] = [location, *error["loc"]]
        raise ApiError(422, errors) from None


def json_body() -> Any:
    raw = request.get_data()
    if not raw:
        missing = {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
        raise ApiError(422, [missing])
    try:
        return json.loads(raw)
    except ValueError as exc:
        invalid = {
            "type": "json_invalid",
            "loc": ["body", 0],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": str(exc)},
        }
        raise ApiError(422, [invalid]) from None


# --- database and authentication -----------------------------------------------------------


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = db.connect(current_app.config["DATABASE"])
    conn: sqlite3.Connection = g.db
    return conn


def close_db(_exc: BaseException | None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Checks ``Authorization: Bearer <token>`` against the users table; sets ``g.user``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        challenge = {"WWW-Authenticate": "Bearer"}
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "Not authenticated", challenge)
        user = db.user_for_token(get_db(), token)
        if user is None:
            raise ApiError(401, "Invalid token", challenge)
        g.user = user
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def book_or_404(book_id: int) -> dict[str, Any]:
    book = db.get_book(get_db(), book_id)
    if book is None:
        raise ApiError(404, "Book not found")
    return book


def as_json(book: dict[str, Any]) -> dict[str, Any]:
    return Book.model_validate(book).model_dump(mode="json")


# --- views ------------------------------------------------------------------------------------


@api.get("/health")
def health() -> Any:
    return {"status": "ok"}


@api.get("/me")
@login_required
def me() -> Any:
    return g.user


@api.get("/books")
def list_books() -> Any:
    query = validate(BookListQuery, request.args.to_dict(), "query")
    books = db.list_books(get_db(), query.author, query.limit, query.offset)
    return jsonify([as_json(book) for book in books])


@api.post("/books")
@login_required
def create_book() -> Any:
    book_in = validate(BookIn, json_body(), "body")
    try:
        book = db.create_book(get_db(), book_in.model_dump(), g.user["id"])
    except sqlite3.IntegrityError:
        raise ApiError(409, "A book with this ISBN already exists") from None
    return as_json(book), 201, {"Location": f"/books/{book['id']}"}


@api.get("/books/<int:book_id>")
def read_book(book_id: int) -> Any:
    return as_json(book_or_404(book_id))


@api.put("/books/<int:book_id>")
@login_required
def replace_book(book_id: int) -> Any:
    book_in = validate(BookIn, json_body(), "body")
    try:
        book = db.replace_book(get_db(), book_id, book_in.model_dump())
    except sqlite3.IntegrityError:
        raise ApiError(409, "A book with this ISBN already exists") from None
    if book is None:
        raise ApiError(404, "Book not found")
    return as_json(book)


@api.delete("/books/<int:book_id>")
@login_required
def delete_book(book_id: int) -> Any:
    if not db.delete_book(get_db(), book_id):
        raise ApiError(404, "Book not found")
    return "", 204


@api.put("/books/<int:book_id>/cover")
@login_required
def upload_cover(book_id: int) -> Any:
    book_or_404(book_id)
    upload = request.files.get("file")
    if upload is None:
        missing = {
            "type": "missing",
            "loc": ["body", "file"],
            "msg": "Field required",
            "input": None,
        }
        raise ApiError(422, [missing])
    if upload.mimetype not in COVER_TYPES:
        raise ApiError(415, "A cover must be a PNG or JPEG image")
    content = upload.stream.read(MAX_COVER_BYTES + 1)
    if len(content) > MAX_COVER_BYTES:
        raise ApiError(413, f"A cover must be at most {MAX_COVER_BYTES} bytes")
    db.set_cover(get_db(), book_id, content, upload.mimetype)
    return as_json(book_or_404(book_id))


@api.get("/books/<int:book_id>/cover")
def read_cover(book_id: int) -> Any:
    book_or_404(book_id)
    cover = db.get_cover(get_db(), book_id)
    if cover is None:
        raise ApiError(404, "This book has no cover")
    content, content_type = cover
    return Response(content, content_type=content_type)


@api.get("/export/books.csv")
@login_required
def export_books() -> Any:
    rows = db.export_csv(current_app.config["DATABASE"])
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="books.csv"'},
    )


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["DATABASE"] = db.database_path()
    db.init_db(app.config["DATABASE"])
    app.register_blueprint(api)
    app.teardown_appcontext(close_db)
    app.register_error_handler(ApiError, api_error)
    app.register_error_handler(HTTPException, http_error)
    return app

"""The bookstore's handlers as a dualweb Router: FastAPI's vocabulary, served by any host.

This file is the same at step 1 (mounted on Flask) and step 3 (mounted on FastAPI).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Annotated, Any

from dualweb import Depends, HTTPException, Query, Response, Router, UploadFile
from dualweb.responses import StreamingResponse
from dualweb.security import HTTPAuthorizationCredentials, HTTPBearer

from . import db
from .schemas import COVER_TYPES, MAX_COVER_BYTES, Book, BookIn, User

router = Router()
bearer = HTTPBearer(auto_error=False)


def get_db() -> Iterator[sqlite3.Connection]:
    conn = db.connect()
    try:
        yield conn
    finally:
        conn.close()


Db = Annotated[sqlite3.Connection, Depends(get_db)]


def current_user(
    conn: Db, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> User:
    """Checks ``Authorization: Bearer <token>`` against the users table."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "Not authenticated", headers=challenge)
    user = db.user_for_token(conn, credentials.credentials)
    if user is None:
        raise HTTPException(401, "Invalid token", headers=challenge)
    return User(**user)


CurrentUser = Annotated[User, Depends(current_user)]


def book_or_404(conn: sqlite3.Connection, book_id: int) -> dict[str, Any]:
    book = db.get_book(conn, book_id)
    if book is None:
        raise HTTPException(404, "Book not found")
    return book


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me")
def me(user: CurrentUser) -> User:
    return user


@router.get("/books")
def list_books(
    conn: Db,
    author: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Book]:
    return [Book(**book) for book in db.list_books(conn, author, limit, offset)]


@router.post("/books", status_code=201)
def create_book(book_in: BookIn, conn: Db, user: CurrentUser, response: Response) -> Book:
    try:
        book = db.create_book(conn, book_in.model_dump(), user.id)
    except sqlite3.IntegrityError:
        raise HTTPException(409, "A book with this ISBN already exists") from None
    response.headers["Location"] = f"/books/{book['id']}"
    return Book(**book)


@router.get("/books/{book_id}")
def read_book(book_id: int, conn: Db) -> Book:
    return Book(**book_or_404(conn, book_id))


@router.put("/books/{book_id}")
def replace_book(book_id: int, book_in: BookIn, conn: Db, user: CurrentUser) -> Book:
    try:
        book = db.replace_book(conn, book_id, book_in.model_dump())
    except sqlite3.IntegrityError:
        raise HTTPException(409, "A book with this ISBN already exists") from None
    if book is None:
        raise HTTPException(404, "Book not found")
    return Book(**book)


@router.delete("/books/{book_id}", status_code=204)
def delete_book(book_id: int, conn: Db, user: CurrentUser) -> None:
    if not db.delete_book(conn, book_id):
        raise HTTPException(404, "Book not found")


@router.put("/books/{book_id}/cover")
def upload_cover(book_id: int, file: UploadFile, conn: Db, user: CurrentUser) -> Book:
    book_or_404(conn, book_id)
    if file.content_type not in COVER_TYPES:
        raise HTTPException(415, "A cover must be a PNG or JPEG image")
    content = file.file.read(MAX_COVER_BYTES + 1)
    if len(content) > MAX_COVER_BYTES:
        raise HTTPException(413, f"A cover must be at most {MAX_COVER_BYTES} bytes")
    db.set_cover(conn, book_id, content, file.content_type)
    return Book(**book_or_404(conn, book_id))


@router.get("/books/{book_id}/cover", response_class=Response)
def read_cover(book_id: int, conn: Db) -> Response:
    book_or_404(conn, book_id)
    cover = db.get_cover(conn, book_id)
    if cover is None:
        raise HTTPException(404, "This book has no cover")
    content, content_type = cover
    return Response(content, media_type=content_type)


@router.get("/export/books.csv", response_class=StreamingResponse)
def export_books(user: CurrentUser) -> StreamingResponse:
    return StreamingResponse(
        db.export_csv(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="books.csv"'},
    )

"""The bookstore's data: SQLite through the standard library.

Framework-free, and the same file at every step of the migration: the data layer
does not move. The database file is ``$BOOKSTORE_DB`` (default ``bookstore.sqlite3``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

DEFAULT_PATH = "bookstore.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_sha256 TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS books (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    year INTEGER NOT NULL,
    price REAL NOT NULL,
    isbn TEXT UNIQUE,
    cover BLOB,
    cover_type TEXT,
    created_by INTEGER NOT NULL REFERENCES users (id)
);
"""

#: Demo accounts created on first start: (name, API token). Tokens are stored hashed.
DEMO_USERS = [("alice", "alice-secret-token"), ("bob", "bob-secret-token")]

BOOK_COLUMNS = "id, title, author, year, price, isbn, cover IS NOT NULL AS has_cover"
CSV_FIELDS = ["id", "title", "author", "year", "price", "isbn"]


def database_path() -> str:
    return os.environ.get("BOOKSTORE_DB", DEFAULT_PATH)


def connect(path: str | None = None) -> sqlite3.Connection:
    # check_same_thread=False: an ASGI host may run a request's dependency and its
    # handler on different threads (never at the same time).
    conn = sqlite3.connect(path or database_path(), check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_db(path: str | None = None) -> None:
    """Create the tables and the demo users, if they are not there yet."""
    with closing(connect(path)) as conn:
        conn.executescript(SCHEMA)
        with conn:
            conn.executemany(
                "INSERT OR IGNORE INTO users (name, token_sha256) VALUES (?, ?)",
                [(name, hash_token(token)) for name, token in DEMO_USERS],
            )


def user_for_token(conn: sqlite3.Connection, token: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id, name FROM users WHERE token_sha256 = ?", (hash_token(token),)
    ).fetchone()
    return dict(row) if row else None


def _book(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    book = dict(row)
    book["has_cover"] = bool(book["has_cover"])
    return book


def list_books(
    conn: sqlite3.Connection, author: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    sql, args = f"SELECT {BOOK_COLUMNS} FROM books", []
    if author is not None:
        sql += " WHERE author = ?"
        args.append(author)
    rows = conn.execute(sql + " ORDER BY id LIMIT ? OFFSET ?", [*args, limit, offset])
    return [book for book in map(_book, rows) if book is not None]


def get_book(conn: sqlite3.Connection, book_id: int) -> dict[str, Any] | None:
    return _book(
        conn.execute(f"SELECT {BOOK_COLUMNS} FROM books WHERE id = ?", (book_id,)).fetchone()
    )


def create_book(conn: sqlite3.Connection, data: dict[str, Any], user_id: int) -> dict[str, Any]:
    """Insert a book; raises ``sqlite3.IntegrityError`` for an ISBN already taken."""
    with conn:
        cursor = conn.execute(
            "INSERT INTO books (title, author, year, price, isbn, created_by)"
            " VALUES (:title, :author, :year, :price, :isbn, :created_by)",
            {**data, "created_by": user_id},
        )
    book = get_book(conn, int(cursor.lastrowid or 0))
    assert book is not None
    return book


def replace_book(
    conn: sqlite3.Connection, book_id: int, data: dict[str, Any]
) -> dict[str, Any] | None:
    """Replace a book's fields; ``None`` when there is no such book."""
    with conn:
        cursor = conn.execute(
            "UPDATE books SET title = :title, author = :author, year = :year,"
            " price = :price, isbn = :isbn WHERE id = :id",
            {**data, "id": book_id},
        )
    return get_book(conn, book_id) if cursor.rowcount else None


def delete_book(conn: sqlite3.Connection, book_id: int) -> bool:
    with conn:
        return conn.execute("DELETE FROM books WHERE id = ?", (book_id,)).rowcount > 0


def set_cover(conn: sqlite3.Connection, book_id: int, content: bytes, content_type: str) -> bool:
    with conn:
        cursor = conn.execute(
            "UPDATE books SET cover = ?, cover_type = ? WHERE id = ?",
            (content, content_type, book_id),
        )
    return cursor.rowcount > 0


def get_cover(conn: sqlite3.Connection, book_id: int) -> tuple[bytes, str] | None:
    row = conn.execute(
        "SELECT cover, cover_type FROM books WHERE id = ? AND cover IS NOT NULL", (book_id,)
    ).fetchone()
    return (bytes(row["cover"]), str(row["cover_type"])) if row else None


def export_csv(path: str | None = None) -> Iterator[str]:
    """Every book as CSV, one line at a time, from its own connection: rows are read
    while the response streams, never loaded all at once."""
    with closing(connect(path)) as conn:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_FIELDS)
        yield buffer.getvalue()
        for row in conn.execute(f"SELECT {', '.join(CSV_FIELDS)} FROM books ORDER BY id"):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(list(row))
            yield buffer.getvalue()

"""The bookstore's API models (pydantic), the same at every step of the migration."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: Covers: PNG or JPEG, at most this many bytes.
COVER_TYPES = ("image/png", "image/jpeg")
MAX_COVER_BYTES = 1_000_000


class BookIn(BaseModel):
    """What a client sends to create or replace a book."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1450, le=2100)
    price: float = Field(ge=0, allow_inf_nan=False)
    isbn: str | None = Field(default=None, pattern=r"^97[89][0-9]{10}$")


class Book(BookIn):
    """A book as the API returns it."""

    id: int
    has_cover: bool


class User(BaseModel):
    id: int
    name: str


class BookListQuery(BaseModel):
    """The query string of ``GET /books``."""

    author: str | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)

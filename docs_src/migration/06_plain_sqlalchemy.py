import dataclasses
import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated

from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from dualweb import Depends, HTTPException, Router
from dualweb.testing import TestClient


@dataclasses.dataclass(frozen=True)
class Settings:
    """What app.config held, read from the environment once."""

    database_url: str = "sqlite://"
    page_size: int = 20


@lru_cache
def get_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("BOOKSTORE_DATABASE_URL", "sqlite://"),
        page_size=int(os.environ.get("BOOKSTORE_PAGE_SIZE", "20")),
    )


class Base(DeclarativeBase):
    pass


class Book(Base):
    __tablename__ = "book"  # the name Flask-SQLAlchemy gave it: keep the tables
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


# One engine for the process. (StaticPool: one in-memory database for every thread, for
# this example; a database server or file needs no options.)
engine = create_engine(
    get_settings().database_url,
    poolclass=StaticPool,
    connect_args={"check_same_thread": False},
)
Base.metadata.create_all(engine)
SessionLocal = sessionmaker(engine)


def get_session() -> Iterator[Session]:
    # What Flask-SQLAlchemy's teardown did: closed after the response, whatever happened.
    with SessionLocal() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]
AppSettings = Annotated[Settings, Depends(get_settings)]

router = Router()


@router.post("/books", status_code=201)
def add_book(title: str, session: DbSession):
    book = Book(title=title)
    session.add(book)
    session.commit()
    return {"id": book.id, "title": book.title}


@router.get("/books/{book_id}")
def read_book(book_id: int, session: DbSession):
    book = session.get(Book, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return {"id": book.id, "title": book.title}


@router.get("/books")
def list_books(session: DbSession, settings: AppSettings):
    query = select(Book).order_by(Book.id).limit(settings.page_size)
    return [book.title for book in session.scalars(query)]


client = TestClient(router, "fastapi")
assert client.post("/books", params={"title": "Dune"}).status_code == 201
assert client.post("/books", params={"title": "Emma"}).status_code == 201
assert client.get("/books/2").json() == {"id": 2, "title": "Emma"}
assert client.get("/books").json() == ["Dune", "Emma"]
# Settings are a dependency: a test replaces them.
router.dependency_overrides[get_settings] = lambda: Settings(page_size=1)
assert client.get("/books").json() == ["Dune"]
router.dependency_overrides.clear()

"""Every operation of the notes application, on one router that any host serves."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field

from dualweb import Depends, HTTPException, Request, Router, status
from dualweb.responses import HTMLResponse
from dualweb.security import OAuth2PasswordRequestForm
from dualweb.templating import Jinja2Templates

from .auth import DB, CurrentUser, User, authenticate, make_token, settings
from .db import Pool
from .settings import Settings

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    """Open the database pool once per process; every request borrows from it."""
    config = Settings()
    pool = Pool(config.database, config.pool_size)
    try:
        yield {"pool": pool, "settings": config}
    finally:
        pool.close()


router = Router(lifespan=lifespan)


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(default="", max_length=10_000)
    public: bool = False


class Note(NoteIn):
    id: int
    owner: str


class Token(BaseModel):
    access_token: str
    token_type: str


def _note(row: Any) -> Note:
    return Note(
        id=row["id"], owner=row["owner"], title=row["title"], body=row["body"],
        public=bool(row["public"]),
    )  # fmt: skip


@router.post("/token", tags=["login"])
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: DB,
    config: Annotated[Settings, Depends(settings)],
) -> Token:
    """Trade a username and password for a bearer token."""
    user = authenticate(db, form.username, form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=make_token(user.username, config), token_type="bearer")


@router.get("/me", tags=["login"])
def me(user: CurrentUser) -> User:
    return user


@router.get("/notes", tags=["notes"])
def list_notes(user: CurrentUser, db: DB) -> list[Note]:
    """The signed-in user's notes, newest first."""
    rows = db.execute(
        "SELECT * FROM notes WHERE owner = ? ORDER BY id DESC", (user.username,)
    ).fetchall()
    return [_note(row) for row in rows]


@router.post("/notes", status_code=status.HTTP_201_CREATED, tags=["notes"])
def create_note(note: NoteIn, user: CurrentUser, db: DB) -> Note:
    cursor = db.execute(
        "INSERT INTO notes (owner, title, body, public) VALUES (?, ?, ?, ?)",
        (user.username, note.title, note.body, int(note.public)),
    )
    return Note(id=cursor.lastrowid or 0, owner=user.username, **note.model_dump())


def owned_note(note_id: int, user: CurrentUser, db: DB) -> Note:
    row = db.execute(
        "SELECT * FROM notes WHERE id = ? AND owner = ?", (note_id, user.username)
    ).fetchone()
    if row is None:  # someone else's note is as missing as a deleted one
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    return _note(row)


@router.get("/notes/{note_id}", tags=["notes"])
def read_note(note: Annotated[Note, Depends(owned_note)]) -> Note:
    return note


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["notes"])
def delete_note(note: Annotated[Note, Depends(owned_note)], db: DB) -> None:
    db.execute("DELETE FROM notes WHERE id = ?", (note.id,))


@router.get("/public/{note_id}", tags=["public"])
def read_public_note(note_id: int, db: DB) -> Note:
    row = db.execute("SELECT * FROM notes WHERE id = ? AND public = 1", (note_id,)).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    return _note(row)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, db: DB) -> HTMLResponse:
    """The public notes, as a page."""
    rows = db.execute("SELECT * FROM notes WHERE public = 1 ORDER BY id DESC LIMIT 50").fetchall()
    return templates.TemplateResponse(request, "home.html", {"notes": [_note(r) for r in rows]})

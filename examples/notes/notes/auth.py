"""Signed access tokens and the login dependency."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3
import time
from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel

from dualweb import Depends, HTTPException, Request, status
from dualweb.security import OAuth2PasswordBearer

from .db import hash_password
from .settings import Settings

oauth2 = OAuth2PasswordBearer(tokenUrl="token")


class User(BaseModel):
    username: str
    full_name: str


def settings(request: Request) -> Settings:
    return request.state.settings  # type: ignore[no-any-return]


def connection(request: Request) -> Iterator[sqlite3.Connection]:
    """A pooled connection for this request (committed after the response)."""
    with request.state.pool.connection() as conn:
        yield conn


DB = Annotated[sqlite3.Connection, Depends(connection)]


def make_token(username: str, settings: Settings) -> str:
    expires = int(time.time()) + settings.token_minutes * 60
    payload = f"{username}:{expires}".encode()
    signature = hmac.new(settings.secret.encode(), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(payload + b"." + signature).decode()


def _username_from(token: str, settings: Settings) -> str | None:
    try:
        payload, _, signature = base64.urlsafe_b64decode(token.encode()).partition(b".")
        expected = hmac.new(settings.secret.encode(), payload, hashlib.sha256).digest()
        username, expires = payload.decode().rsplit(":", 1)
        if hmac.compare_digest(signature, expected) and int(expires) > time.time():
            return username
    except ValueError:  # not base64, not ours
        pass
    return None


def authenticate(db: sqlite3.Connection, username: str, password: str) -> User | None:
    row = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    if row is None or not hmac.compare_digest(
        hash_password(password, row["salt"]), row["password_hash"]
    ):
        return None
    return User(username=row["username"], full_name=row["full_name"])


def current_user(
    token: Annotated[str, Depends(oauth2)],
    db: DB,
    config: Annotated[Settings, Depends(settings)],
) -> User:
    username = _username_from(token, config)
    row = None
    if username is not None:
        row = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return User(username=row["username"], full_name=row["full_name"])


CurrentUser = Annotated[User, Depends(current_user)]

"""A small pool of SQLite connections: opened once by the lifespan, borrowed per request."""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import sqlite3
from collections.abc import Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    salt BLOB NOT NULL,
    password_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL REFERENCES users(username),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0
);
"""

DEMO_USERS = [("alice", "Alice Liddell", "wonderland"), ("bob", "Bob Builder", "can-we-fix-it")]


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)


class Pool:
    """``size`` connections to one SQLite file, shared by the server's threads."""

    def __init__(self, path: str, size: int) -> None:
        self.closed = False
        self._idle: queue.Queue[sqlite3.Connection] = queue.Queue()
        for _ in range(size):
            connection = sqlite3.connect(path, check_same_thread=False, timeout=10)
            connection.row_factory = sqlite3.Row
            self._idle.put(connection)
        with self.connection() as connection:
            connection.executescript(SCHEMA)
            for username, full_name, password in DEMO_USERS:
                salt = os.urandom(16)
                connection.execute(
                    "INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?)",
                    (username, full_name, salt, hash_password(password, salt)),
                )

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for one unit of work: committed if it ends well, else rolled back."""
        if self.closed:
            raise RuntimeError("the pool is closed")
        connection = self._idle.get(timeout=10)
        try:
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            self._idle.put(connection)

    def close(self) -> None:
        self.closed = True
        while not self._idle.empty():
            self._idle.get_nowait().close()

"""Thread-bound resources under ``combine`` (docs/bridge.md, "Resources bound to a thread"):
the two sides serve their requests in different threads, so an in-memory SQLite database
opened per thread is not shared between them; a file database, or one shared-cache
in-memory database, is."""

import sqlite3
import threading

import pytest

from dualweb.bridge import combine
from dualweb.testing import client_for_app


class Notes:
    """One SQLite connection per thread, as a scoped session or a per-thread pool gives."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.local = threading.local()
        self.opened: list[sqlite3.Connection] = []

    def connection(self) -> sqlite3.Connection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.database, uri=True, check_same_thread=False)
            connection.execute("create table if not exists notes (text)")
            self.local.connection = connection
            self.opened.append(connection)
        return connection

    def add(self, text: str) -> None:
        with self.connection() as connection:
            connection.execute("insert into notes values (?)", (text,))

    def all(self) -> list[str]:
        return [row[0] for row in self.connection().execute("select text from notes")]

    def close(self) -> None:
        for connection in self.opened:
            connection.close()


def sides(notes: Notes):
    """A FastAPI app that writes a note and a Flask app that reads them."""
    import fastapi
    import flask

    writer = fastapi.FastAPI()

    @writer.post("/notes/new")
    def add(text: str) -> dict:
        notes.add(text)
        return {"thread": threading.current_thread().name}

    reader = flask.Flask("reader", static_folder=None)

    @reader.get("/notes")
    def read():
        return {"notes": notes.all(), "thread": threading.current_thread().name}

    return writer, reader


@pytest.mark.parametrize("front", ["asgi", "wsgi"])
@pytest.mark.parametrize(
    ("database", "shared"),
    [
        (":memory:", False),
        ("file:{tmp.name}?mode=memory&cache=shared", True),
        ("{tmp}/notes.db", True),
    ],
    ids=["memory", "shared-memory", "file"],
)
def test_what_the_two_sides_share(front, database, shared, tmp_path):
    notes = Notes(database.format(tmp=tmp_path))
    notes.connection()  # a shared-cache memory database lives while a connection is open
    writer, reader = sides(notes)
    bridge = combine(writer, reader) if front == "asgi" else combine(reader, writer)
    try:
        client = client_for_app(bridge)
        written = client.post("/notes/new", params={"text": "hello"}).json()
        read = client.get("/notes").json()
        assert written["thread"] != read["thread"]  # AnyIO's worker, a2wsgi's pool, the test's
        assert read["notes"] == (["hello"] if shared else [])
    finally:
        if front == "wsgi":
            bridge.close()
        notes.close()

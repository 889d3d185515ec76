"""The host I/O interfaces and RequestParts, sans-IO: literal requests, no framework, no server."""

import asyncio
from collections.abc import AsyncGenerator, Generator

import pytest

from dualweb._core.hostio import AsyncHostIO, RequestParts, SyncHostIO, content_too_large
from dualweb.exceptions import HTTPException

FORM = b"a=1&b=two+words"


class LiteralApp:
    """What both literal hosts answer alike: the app, the scope, the state, links."""

    def app(self) -> object:
        return "the app"

    def as_scope(self) -> dict:
        return {"type": "http", "path": "/x", "root_path": ""}

    def state(self) -> dict:
        return self.__dict__.setdefault("_state", {})

    def url_for(self, name: str, params: dict) -> str:
        return f"http://test/{name}"

    async def is_disconnected(self) -> bool:
        return False


class LiteralSync(LiteralApp, SyncHostIO):
    """A WSGI-like host over literal values."""

    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        self.headers = headers
        self.body = body
        self.asked: list[str] = []

    def url(self) -> str:
        return "http://test/x"

    def native(self) -> object:
        return self

    def client(self) -> tuple[str, int] | None:
        self.asked.append("client")
        return ("10.0.0.1", 1234)

    def header(self, name: str) -> str | None:
        self.asked.append(name)
        return self.headers.get(name)

    def header_items(self) -> list[tuple[str, str]]:
        return list(self.headers.items())

    def read_body(self, limit: int | None) -> bytes:
        if limit is not None and len(self.body) > limit:
            raise content_too_large()
        return self.body

    def body_chunks(self, limit: int | None) -> Generator[bytes, None, None]:
        for i in range(0, len(self.body), 3):
            yield self.body[i : i + 3]


class LiteralAsync(LiteralApp, AsyncHostIO):
    """An ASGI-like host over literal values."""

    def __init__(self, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.raw_headers = headers
        self.body = body

    def url(self) -> str:
        return "http://test/x"

    def native(self) -> object:
        return self

    def client(self) -> tuple[str, int] | None:
        return None

    async def read_body_async(self, limit: int | None) -> bytes:
        return self.body

    async def body_chunks_async(self, limit: int | None) -> AsyncGenerator[bytes, None]:
        for i in range(0, len(self.body), 4):
            yield self.body[i : i + 4]

    def on_loop(self, func, *args):
        raise AssertionError("no worker thread here")

    async def offload(self, func, *args):
        return func(*args)


def parts(io, **kwargs) -> RequestParts:
    return RequestParts("POST", "/x", "q=1&q=2", {}, io, **kwargs)


def test_a_host_must_answer_every_question():
    class Incomplete(SyncHostIO):
        def url(self) -> str:
            return ""

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()  # type: ignore[abstract]


def test_sync_parts_ask_the_host_only_when_needed():
    io = LiteralSync({"content-type": "application/x-www-form-urlencoded", "cookie": "a=b"}, FORM)
    request = parts(io)
    assert io.asked == []
    assert request.query_params.getlist("q") == ["1", "2"]
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert request.cookies == {"a": "b"}
    assert request.client == ("10.0.0.1", 1234)
    assert io.asked == ["content-type", "client"]
    form = request.form_sync()
    assert list(form.multi_items()) == [("a", "1"), ("b", "two words")]
    assert request.form_sync() is form  # read once


def test_declared_length_beyond_the_limit_is_413_before_reading():
    io = LiteralSync({"content-length": "100"}, b"x" * 100)
    request = parts(io)
    request.max_body_size = 10
    with pytest.raises(HTTPException) as caught:
        request.body_sync()
    assert (caught.value.status_code, caught.value.detail) == (413, "Content Too Large")
    assert request.form is None


def test_async_parts_read_headers_and_forms_from_the_host():
    headers = [(b"content-type", b"application/x-www-form-urlencoded"), (b"x-a", b"1")]
    request = parts(LiteralAsync(headers, FORM), client=("1.2.3.4", 5))
    assert request.header("x-a") == "1"
    assert request.header("missing") is None
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.client == ("1.2.3.4", 5)
    form = asyncio.run(request.form_async())
    assert list(form.multi_items()) == [("a", "1"), ("b", "two words")]
    assert asyncio.run(request.body_async()) == FORM


def test_the_body_streams_once_then_is_gone():
    request = parts(LiteralSync({}, b"abcdefgh"))
    assert list(request.stream_sync()) == [b"abc", b"def", b"gh"]
    with pytest.raises(RuntimeError, match="Stream consumed"):
        request.body_sync()
    # Read whole first, the body streams as itself, as in Starlette.
    request = parts(LiteralSync({}, b"abcdefgh"))
    assert request.body_sync() == b"abcdefgh"
    assert list(request.stream_sync()) == [b"abcdefgh"]

    async def chunks(request: RequestParts) -> list[bytes]:
        return [chunk async for chunk in request.stream_async()]

    assert asyncio.run(chunks(parts(LiteralAsync([], b"abcdefgh")))) == [b"abcd", b"efgh"]

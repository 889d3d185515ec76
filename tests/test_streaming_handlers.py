"""Handlers that ``yield``: their items streamed as JSON Lines, as FastAPI 0.165 streams them."""

import functools
import math
import threading
import typing
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
)
from datetime import date
from typing import Any

import fastapi
import pytest
from pydantic import BaseModel, Field

import dualweb
import dualweb.exceptions
from dualweb._core.runners import PlainStream, Primed, Solved
from dualweb.testing import TestClient
from tests._helpers import recorded, wait_until
from tests.conftest import native_client
from tests.test_sse import build_items, sse_of


class Item(BaseModel):
    name: str
    price: float = 1.5
    note: str | None = None
    sku: str = Field("x-1", alias="skuCode")


ITEMS: list[Any] = [
    Item(name="a"),
    {"name": "b", "price": math.nan, "skuCode": "s-2"},
    Item(name="ü ☃", price=math.inf, note="n"),
]
UNTYPED: list[Any] = [
    {"x": 1, "y": [1.0, math.nan, -math.inf], "z": "é ☃"},
    "two",
    3,
    None,
    [date(2026, 1, 2), {"k": (1, 2)}],
    Item(name="m", note="n"),
]


def build_jsonl(api: Any) -> Any:
    router = api.Router()

    @router.get("/iterable")
    def iterable() -> Iterable[Item]:
        yield from ITEMS

    @router.get("/iterator")
    def iterator() -> Iterator[Item]:
        yield from ITEMS

    @router.get("/generator")
    def generator() -> Generator[Item, None, None]:
        yield from ITEMS

    @router.get("/async-iterable")
    async def async_iterable() -> AsyncIterable[Item]:
        for item in ITEMS:
            yield item

    @router.get("/async-iterator")
    async def async_iterator() -> AsyncIterator[Item]:
        for item in ITEMS:
            yield item

    @router.get("/async-generator")
    async def async_generator() -> AsyncGenerator[Item, None]:
        for item in ITEMS:
            yield item

    @router.get("/untyped")
    def untyped():
        yield from UNTYPED

    @router.get("/async-untyped")
    async def async_untyped():
        for item in UNTYPED:
            yield item

    @router.get("/bare")
    def bare() -> typing.Iterator:  # type: ignore[type-arg]
        yield from UNTYPED

    @router.get("/ints")
    async def ints() -> AsyncIterator[int]:
        for value in ("1", 2, 3.0):
            yield value

    @router.get("/empty")
    def empty() -> Iterator[Item]:
        yield from ()

    @router.get("/options", response_model_exclude_none=True, response_model_by_alias=False)
    def options() -> Iterator[Item]:
        yield from ITEMS

    @router.get("/include", response_model_include={"name"})
    async def include() -> AsyncIterator[Item]:
        for item in ITEMS:
            yield item

    @router.get("/unset", response_model_exclude_unset=True)
    def unset() -> Iterator[Item]:
        yield from ITEMS

    @router.get("/with-model", response_model=list[int])
    def with_model():
        yield {"not": "a list of ints"}

    @router.post("/created/{start}", status_code=201)
    async def created(start: int, count: int = 2, body: dict[str, int] | None = None):
        for n in range(start, start + count):
            yield {"n": n, "body": body}

    def wrapper(func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapped

    @router.get("/decorated/{n}")
    @wrapper
    def decorated(n: int) -> Iterator[int]:
        yield from range(n)

    return router


JSONL_PATHS = [
    "/iterable",
    "/iterator",
    "/generator",
    "/async-iterable",
    "/async-iterator",
    "/async-generator",
    "/untyped",
    "/async-untyped",
    "/bare",
    "/ints",
    "/empty",
    "/options",
    "/include",
    "/unset",
    "/with-model",
    "/decorated/3",
]


@pytest.mark.parametrize("path", JSONL_PATHS)
def test_items_stream_as_fastapis_json_lines(parity, path):
    (got,) = parity(build_jsonl, [("GET", path)])
    assert got.headers["content-type"] == "application/jsonl"
    assert "content-length" not in got.headers


def test_json_lines_are_byte_for_byte_fastapis(parity, fastapi_ns):
    requests = [("GET", path) for path in JSONL_PATHS] + [
        ("POST", "/created/5", {"json": {"a": 1}}),
        ("POST", "/created/5?count=1"),
        ("POST", "/created/x"),
    ]
    ours = parity.client(build_jsonl)
    theirs = native_client(build_jsonl, fastapi_ns)
    for spec in requests:
        kwargs = spec[2] if len(spec) > 2 else {}
        got = ours.request(spec[0], spec[1], **kwargs)
        want = theirs.request(spec[0], spec[1], **kwargs)
        assert (got.status_code, got.content) == (want.status_code, want.content), spec
        assert got.headers["content-type"] == want.headers["content-type"], spec
    assert ours.get("/iterator").content == (
        b'{"name":"a","price":1.5,"note":null,"skuCode":"x-1"}\n'
        b'{"name":"b","price":null,"note":null,"skuCode":"s-2"}\n'
        b'{"name":"\xc3\xbc \xe2\x98\x83","price":null,"note":"n","skuCode":"x-1"}\n'
    )
    assert ours.get("/untyped").content.splitlines()[:2] == [
        b'{"x": 1, "y": [1.0, null, null], "z": "\\u00e9 \\u2603"}',
        b'"two"',
    ]


def test_status_code_and_parameters(parity):
    parity(
        build_jsonl,
        [
            ("POST", "/created/5", {"json": {"a": 1}}),
            ("POST", "/created/5?count=1"),
            ("POST", "/created/x"),
            ("POST", "/created/1", {"json": {"a": "not an int"}}),
        ],
    )


def build_invalid(api: Any) -> Any:
    router = api.Router()

    @router.get("/sync")
    def sync_items() -> Iterator[Item]:
        yield Item(name="ok")
        yield {"price": "not a price", "secret": "s3cr3t"}

    @router.get("/async")
    async def async_items() -> AsyncIterator[int]:
        yield 1
        yield "nope"

    return router


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_an_invalid_item_is_fastapis_response_validation_error(serve, fastapi_ns, path):
    ours = serve(build_invalid)
    theirs = native_client(build_invalid, fastapi_ns)
    with pytest.raises(dualweb.exceptions.ResponseValidationError) as got:
        ours.get(path)
    with pytest.raises(fastapi.exceptions.ResponseValidationError) as want:
        theirs.get(path)
    assert list(got.value.errors()) == list(want.value.errors())
    assert got.value.body == want.value.body
    assert got.value.errors()[0]["loc"][0] == "response"


def test_an_invalid_item_ends_the_stream_after_the_valid_ones(serve):
    client = serve(build_invalid, raise_server_exceptions=False)
    with client.stream("GET", "/sync") as response:
        assert response.status_code == 200
        first = next(response.iter_lines())
    assert first == '{"name":"ok","price":1.5,"note":null,"skuCode":"x-1"}'


# --- the response parameter, background tasks and yield dependencies -----------------------


def make_surroundings(api: Any, log: list[Any]) -> Any:
    router = api.Router()

    def resource():
        log.append("open")
        try:
            yield "resource"
        finally:
            log.append("close")

    async def async_resource():
        log.append("async open")
        yield "async resource"
        log.append("async close")

    def function_scoped():
        log.append("function open")
        yield "function"
        log.append("function close")

    def record(what: str) -> None:
        log.append(what)

    def mark(response: api.Response) -> None:
        # Set before the stream starts: it applies (set in the generator, too late: not).
        response.headers["x-stream"] = "yes"
        response.set_cookie("seen", "1")
        response.status_code = 202

    @router.get("/sync", dependencies=[api.Depends(mark)])
    def sync_stream(
        response: api.Response,
        tasks: api.BackgroundTasks,
        held: str = api.Depends(resource),
    ) -> Iterator[str]:
        response.headers["x-too-late"] = "yes"
        tasks.add_task(record, "task")
        for n in range(3):
            log.append(f"item {n}")
            yield f"{held} {n}"

    @router.get("/async")
    async def async_stream(
        tasks: api.BackgroundTasks,
        held: str = api.Depends(async_resource),
        other: str = api.Depends(resource),
        scoped: str = api.Depends(function_scoped, scope="function"),
    ) -> AsyncIterator[dict[str, str]]:
        tasks.add_task(record, "task")
        for n in range(2):
            log.append(f"item {n}")
            yield {"held": held, "other": other, "scoped": scoped}

    return router


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_yield_dependencies_stay_open_until_the_stream_ends(parity, path):
    build, logs = recorded(make_surroundings)
    parity(build, [("GET", path)])
    assert logs["dualweb"] == logs["native"]
    log = logs["dualweb"]
    assert log.index("close") > log.index("task") > log.index("item 1")


def test_response_parameter_and_background_tasks_apply(parity):
    build, logs = recorded(make_surroundings)
    (got,) = parity(build, [("GET", "/sync")])
    assert got.status_code == 202
    assert got.headers["x-stream"] == "yes"
    assert got.cookies["seen"] == "1"
    assert "x-too-late" not in got.headers
    assert logs["dualweb"] == ["open", "item 0", "item 1", "item 2", "task", "close"]


# --- sent as produced ----------------------------------------------------------------------


def make_incremental(api: Any, log: list[Any], got_first: threading.Event) -> Any:
    router = api.Router()

    def dependency():
        yield "dep"

    @router.get("/sync")
    def sync_stream() -> Iterator[int]:
        log.append("produce 1")
        yield 1
        log.append(("produce 2", got_first.wait(10)))
        yield 2

    @router.get("/async")
    async def async_stream() -> AsyncIterator[int]:
        log.append("produce 1")
        yield 1
        arrived = wait_until(got_first.is_set)
        log.append(("produce 2", arrived))
        yield 2

    @router.get("/solved")
    async def solved_stream(dep: str = api.Depends(dependency)):
        log.append("produce 1")
        yield dep
        arrived = wait_until(got_first.is_set)
        log.append(("produce 2", arrived))
        yield 2

    return router


def held_back(parity: Any, make: Any, path: str, *, raw: bool = False) -> tuple[Any, Any]:
    """The first chunk (or line) of ``path``, read before the handler produces the next,
    and the rest; ``make(api, log, got_first)`` builds a handler that waits for
    ``got_first`` before its second item and logs whether it came."""
    log: list[Any] = []
    got_first = threading.Event()
    client = parity.client(lambda api: make(api, log, got_first))
    with client.stream("GET", path) as response:
        parts = response.iter_raw() if raw else response.iter_lines()
        first = next(parts)
        log.append("client got 1")
        got_first.set()
        rest = b"".join(parts) if raw else list(parts)
    assert response.status_code == 200
    assert log == ["produce 1", "client got 1", ("produce 2", True)]
    return first, rest


@pytest.mark.parametrize("path", ["/sync", "/async", "/solved"])
def test_items_are_sent_as_they_are_produced(parity, path):
    first, rest = held_back(parity, make_incremental, path)
    assert first in ("1", '"dep"')
    assert rest == ["2"]


# --- how the handler is run -----------------------------------------------------------------


def test_a_generator_handler_is_called_never_awaited_nor_entered():
    router = dualweb.Router()
    calls: list[str] = []

    def dependency():
        calls.append("dependency")
        yield "dep"

    @router.get("/plain")
    async def plain() -> AsyncIterator[int]:
        yield 1

    @router.get("/solved")
    def solved(dep: str = dualweb.Depends(dependency)) -> Iterator[str]:
        yield dep

    for host in ("flask", "starlette"):
        client = TestClient(router, host)
        assert client.get("/plain").text == "1\n"
        assert client.get("/solved").text == '"dep"\n'
    plain_route, solved_route = router.routes
    assert plain_route.is_stream and solved_route.is_stream
    from dualweb._core.responding import responder_for
    from dualweb._core.runners import runner_for

    runner = runner_for(plain_route, responder_for(plain_route), router, None)
    assert isinstance(runner, Primed) and isinstance(runner.runner, PlainStream)
    primed = runner_for(solved_route, responder_for(solved_route), router, None)
    assert isinstance(primed, Primed)
    solved_runner = primed.runner
    assert isinstance(solved_runner, Solved)
    assert solved_runner.is_stream and solved_runner.has_teardown
    assert solved_runner.graph_is_sync  # making the generator never suspends
    assert calls == ["dependency", "dependency"]


def test_a_generator_handler_without_yield_dependencies_needs_no_exit_stacks():
    router = dualweb.Router()

    @router.get("/")
    async def stream(q: int = 0, request: dualweb.Request = None) -> AsyncIterator[int]:  # type: ignore[assignment]
        yield q

    from dualweb._core.responding import responder_for
    from dualweb._core.runners import runner_for

    (route,) = router.routes
    primed = runner_for(route, responder_for(route), router, None)
    assert isinstance(primed, Primed)
    runner = primed.runner
    assert isinstance(runner, Solved)
    assert not runner.has_teardown
    assert runner.graph_is_sync
    for host in ("flask", "fastapi", "starlette"):
        assert TestClient(router, host).get("/?q=4").text == "4\n"


def test_a_handler_returning_an_iterable_is_not_a_stream(parity):
    def build(api: Any) -> Any:
        router = api.Router()

        @router.get("/list")
        def listed() -> Iterable[int]:
            return [1, 2]

        return router

    (got,) = parity(build, [("GET", "/list")])
    assert got.headers["content-type"] == "application/json"


# --- response_class=StreamingResponse: raw chunks ----------------------------------------------


def make_raw(api: Any, log: list[Any] | None = None, got_first: Any = None) -> Any:
    router = api.Router()

    class TextStream(api.StreamingResponse):
        media_type = "text/plain"

    @router.get("/sync", response_class=api.StreamingResponse)
    def sync_raw() -> Iterator[str]:
        yield "one "
        yield b"two "
        yield "é"

    def mark(response: api.Response) -> None:
        response.headers["x-raw"] = "1"

    @router.get(
        "/async", response_class=TextStream, status_code=201, dependencies=[api.Depends(mark)]
    )
    async def async_raw() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    @router.get("/untyped", response_class=api.StreamingResponse)
    async def untyped():
        yield "x"

    @router.get("/held", response_class=api.StreamingResponse)
    def held() -> Iterator[str]:
        assert log is not None and got_first is not None
        log.append("produce 1")
        yield "1"
        log.append(("produce 2", got_first.wait(10)))
        yield "2"

    return router


def test_raw_chunks_with_a_streaming_response_class(parity):
    got = parity(make_raw, [("GET", "/sync"), ("GET", "/async"), ("GET", "/untyped")])
    assert got[0].content == "one two é".encode()
    assert "content-type" not in got[0].headers
    assert (got[1].status_code, got[1].headers["x-raw"]) == (201, "1")
    assert got[1].headers["content-type"] == "text/plain; charset=utf-8"


def test_raw_chunks_are_sent_as_they_are_produced(parity):
    assert held_back(parity, make_raw, "/held", raw=True) == (b"1", b"2")


# --- response_class=EventSourceResponse: server-sent events ------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        ("GET", "/items"),
        ("GET", "/events"),
        ("POST", "/chat/stream", {"json": {"prompt": "hello brave new world", "repeat": 2}}),
        ("POST", "/chat/stream", {"json": {"repeat": 1}}),
    ],
    ids=["items", "events", "chat", "chat-invalid"],
)
def test_yielded_items_are_fastapis_server_sent_events(parity, request_):
    (got,) = parity(lambda api: build_items(api, generator=True), [request_])
    if got.status_code == 200:
        assert got.headers["cache-control"] == "no-cache"
        assert got.headers["x-accel-buffering"] == "no"
        assert got.headers["content-type"] == "text/event-stream; charset=utf-8"


def make_typed_events(api: Any, log: list[Any] | None = None, got_first: Any = None) -> Any:
    sse = sse_of(api)
    router = api.Router()

    def held():
        yield "held"

    @router.get("/typed", response_class=sse.EventSourceResponse, response_model_exclude_none=True)
    async def typed() -> AsyncIterator[Item]:
        yield Item(name="a")
        yield {"name": "b", "price": math.nan, "note": "n"}

    @router.get("/strings", response_class=sse.EventSourceResponse, status_code=201)
    def strings(dep: str = api.Depends(held)) -> Iterator[str]:
        yield dep
        yield "two\nlines"
        yield 'say "hi"'

    @router.get("/events", response_class=sse.EventSourceResponse)
    def events() -> Iterator[sse.ServerSentEvent]:
        yield sse.ServerSentEvent(data={"a": 1}, event="e", id="1")
        yield sse.ServerSentEvent(raw_data="raw", retry=5)

    @router.get("/mixed", response_class=sse.EventSourceResponse)
    async def mixed() -> AsyncIterator[int]:
        yield 1
        yield sse.ServerSentEvent(data="not an int", comment="unvalidated")

    @router.get("/invalid", response_class=sse.EventSourceResponse)
    def invalid() -> Iterator[int]:
        yield 1
        yield "nope"

    @router.get("/held", response_class=sse.EventSourceResponse)
    def held_items() -> Iterator[int]:
        assert log is not None and got_first is not None
        log.append("produce 1")
        yield 1
        log.append(("produce 2", got_first.wait(10)))
        yield 2

    return router


def test_typed_server_sent_events(parity):
    got = parity(
        make_typed_events,
        [("GET", "/typed"), ("GET", "/strings"), ("GET", "/events"), ("GET", "/mixed")],
    )
    assert got[0].content == (
        b'data: {"name":"a","price":1.5,"skuCode":"x-1"}\n\n'
        b'data: {"name":"b","price":null,"note":"n","skuCode":"x-1"}\n\n'
    )
    assert got[1].status_code == 201
    assert got[1].content == b'data: "held"\n\ndata: "two\\nlines"\n\ndata: "say \\"hi\\""\n\n'


def test_an_invalid_event_item_is_fastapis_response_validation_error(serve, fastapi_ns):
    ours = serve(make_typed_events)
    theirs = native_client(make_typed_events, fastapi_ns)
    with pytest.raises(dualweb.exceptions.ResponseValidationError) as got:
        ours.get("/invalid")
    # (FastAPI raises it inside an exception group, from its producer task.)
    with pytest.raises(ExceptionGroup) as want:
        theirs.get("/invalid")
    (native,) = want.value.exceptions
    assert isinstance(native, fastapi.exceptions.ResponseValidationError)
    assert list(got.value.errors()) == list(native.errors())


def test_events_are_sent_as_they_are_produced(parity):
    assert held_back(parity, make_typed_events, "/held") == ("data: 1", ["", "data: 2", ""])


# --- the API document (every build* of this module is also compared by test_openapi*) ---------


def build_documented(api: Any) -> Any:
    sse = sse_of(api)
    router = api.Router()

    @router.get("/lines", status_code=201, responses={404: {"model": Item}})
    async def lines(q: int = 0) -> AsyncIterator[Item]:
        yield Item(name="a")

    @router.get("/untyped-lines", response_description="Lines")
    def untyped_lines():
        yield 1

    @router.get("/events", response_class=sse.EventSourceResponse)
    def events() -> Iterator[Item]:
        yield Item(name="a")

    @router.post("/untyped-events", response_class=sse.EventSourceResponse)
    async def untyped_events(item: Item):
        yield item

    @router.get("/event-objects", response_class=sse.EventSourceResponse)
    def event_objects() -> Iterator[sse.ServerSentEvent]:
        yield sse.ServerSentEvent(data=1)

    @router.get("/raw", response_class=api.StreamingResponse)
    def raw() -> Iterator[str]:
        yield "x"

    @router.get("/no-body", status_code=204)
    def no_body() -> Iterator[int]:
        yield from ()

    return router


def test_streamed_operations_are_documented_as_fastapi():
    from tests.test_openapi import assert_same_document

    document = assert_same_document(build_documented)
    lines = document["paths"]["/lines"]["get"]["responses"]["201"]["content"]
    assert lines == {"application/jsonl": {"itemSchema": {"$ref": "#/components/schemas/Item"}}}
    events = document["paths"]["/events"]["get"]["responses"]["200"]["content"]
    assert events["text/event-stream"]["itemSchema"]["required"] == ["data"]
    assert_same_document(build_jsonl)


# --- what ends a stream: its end, a failure, a status without a body ------------------------


class Unavailable(Exception):
    pass


def build_failing(log: list[str]) -> Any:
    router = dualweb.Router()

    @router.exception_handler(Unavailable)
    def unavailable(request: dualweb.Request, exc: Unavailable) -> dualweb.responses.Response:
        return dualweb.responses.JSONResponse({"unavailable": str(exc)}, status_code=503)

    def session() -> Iterator[str]:
        log.append("open")
        try:
            yield "session"
        except Exception as exc:
            log.append(f"teardown saw {type(exc).__name__}")
            raise
        finally:
            log.append("close")

    @router.get("/missing/sync")
    def missing_sync(held: str = dualweb.Depends(session)) -> Iterator[int]:
        raise dualweb.HTTPException(404, "no such stream")
        yield 1

    @router.get("/missing/async")
    async def missing_async(held: str = dualweb.Depends(session)) -> AsyncIterator[int]:
        raise dualweb.HTTPException(404, "no such stream")
        yield 1

    @router.get("/handled/sync", response_class=dualweb.sse.EventSourceResponse)
    def handled_sync(held: str = dualweb.Depends(session)) -> Iterator[int]:
        raise Unavailable("model offline")
        yield 1

    @router.get("/handled/async", response_class=dualweb.responses.StreamingResponse)
    async def handled_async(held: str = dualweb.Depends(session)) -> AsyncIterator[str]:
        raise Unavailable("model offline")
        yield "1"

    @router.get("/unhandled/sync")
    def unhandled_sync() -> Iterator[int]:
        raise RuntimeError("broken before the first item")
        yield 1

    @router.get("/unhandled/async")
    async def unhandled_async() -> AsyncIterator[int]:
        raise RuntimeError("broken before the first item")
        yield 1

    @router.get("/complete/sync")
    def complete_sync(held: str = dualweb.Depends(session)) -> Iterator[int]:
        try:
            yield 1
            yield 2
        finally:
            log.append("generator done")

    @router.get("/complete/async")
    async def complete_async(held: str = dualweb.Depends(session)) -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            log.append("generator done")

    return router


@pytest.mark.parametrize("colour", ["sync", "async"])
def test_an_exception_before_the_first_item_is_the_handlers(serve, colour):
    # NOTE: FastAPI starts the response before it runs the generator, so there an
    # HTTPException raised before the first item cannot answer; dualweb pulls the first
    # item first, so it answers as a handler's exception does, on every host.
    log: list[str] = []
    client = serve(build_failing(log))
    response = client.get(f"/missing/{colour}")
    assert response.status_code == 404
    assert response.json() == {"detail": "no such stream"}
    assert log == ["open", "teardown saw HTTPException", "close"]
    log.clear()
    response = client.get(f"/handled/{colour}")
    assert response.status_code == 503
    assert response.json() == {"unavailable": "model offline"}
    assert log == ["open", "teardown saw Unavailable", "close"]


@pytest.mark.parametrize("colour", ["sync", "async"])
def test_an_unhandled_exception_before_the_first_item_reaches_the_host(serve, colour):
    client = serve(build_failing([]))
    with pytest.raises(RuntimeError, match="broken before the first item"):
        client.get(f"/unhandled/{colour}")
    quiet = serve(build_failing([]), raise_server_exceptions=False)
    response = quiet.get(f"/unhandled/{colour}")
    assert response.status_code == 500
    assert "broken" not in response.text


@pytest.mark.parametrize("colour", ["sync", "async"])
def test_the_generator_ends_before_its_yield_dependencies_are_torn_down(serve, colour):
    log: list[str] = []
    client = serve(build_failing(log))
    assert client.get(f"/complete/{colour}").text == "1\n2\n"
    assert log == ["open", "generator done", "close"]


def build_no_body(log: list[str]) -> Any:
    router = dualweb.Router()

    @router.post("/sync", status_code=204)
    def sync_events() -> Iterator[int]:
        for n in range(3):
            log.append(f"sync {n}")
            yield n

    @router.post("/async", status_code=205, response_class=dualweb.sse.EventSourceResponse)
    async def async_events() -> AsyncIterator[int]:
        for n in range(2):
            log.append(f"async {n}")
            yield n

    return router


def test_a_stream_under_a_status_without_a_body_runs_and_sends_nothing(serve):
    # NOTE: FastAPI sends the items under a 204 anyway, which servers then refuse or cut.
    log: list[str] = []
    client = serve(build_no_body(log))
    response = client.post("/sync")
    assert (response.status_code, response.content) == (204, b"")
    response = client.post("/async")
    assert (response.status_code, response.content) == (205, b"")
    assert log == ["sync 0", "sync 1", "sync 2", "async 0", "async 1"]


@pytest.mark.parametrize("lifespan", [False, True], ids=["thread-loop", "lifespan-loop"])
def test_on_flask_a_stream_runs_in_the_request_context(lifespan):
    # As if wrapped in Flask's stream_with_context: `g`, `request` and the app context
    # outlive the view while the body is sent, for streams with no dependencies too, and
    # for async generators on the lifespan's shared loop.
    import contextlib

    import flask

    import dualweb.flask

    @contextlib.asynccontextmanager
    async def life(app: Any) -> AsyncIterator[dict[str, int]]:
        yield {"started": 1}

    router = dualweb.Router(lifespan=life) if lifespan else dualweb.Router()

    @router.get("/sync")
    def sync_stream() -> Iterator[str]:
        yield flask.g.user
        yield flask.request.path
        yield flask.current_app.name

    @router.get("/async", response_class=dualweb.sse.EventSourceResponse)
    async def async_stream() -> AsyncIterator[str]:
        yield flask.g.user
        yield flask.request.path

    app = flask.Flask("streams")

    @app.before_request
    def who() -> None:
        flask.g.user = "ada"

    dualweb.flask.mount(app, router)
    client = app.test_client()
    assert client.get("/sync").text == '"ada"\n"/sync"\n"streams"\n'
    assert client.get("/async").text == 'data: "ada"\n\ndata: "/async"\n\n'

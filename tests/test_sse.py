"""dualweb.sse against FastAPI 0.165's fastapi.sse: the format, the event model, the response."""

import asyncio
import math
import time
from typing import Any

import fastapi
import pytest
from pydantic import BaseModel, ValidationError

import dualweb.sse
from dualweb.sse import EventSourceResponse, ServerSentEvent, format_sse_event
from tests._helpers import fastapi_has
from tests.conftest import native_client

try:
    import fastapi.sse as native_sse
except ImportError:  # FastAPI before 0.135: the comparisons with it are skipped
    native_sse = None

#: The comparisons with native FastAPI's server-sent events (FastAPI 0.135 added them; it
#: formats empty data and comments, and data and comments with CR or CRLF in them, as dualweb
#: does from 0.141, and refuses a newline in an event's name or id from 0.137).
NATIVE_SSE = fastapi_has("0.135.0", "has fastapi.sse")
NATIVE_SSE_FORMAT = fastapi_has(
    "0.141.0", "formats empty and CR or CRLF-separated data and comments as dualweb does"
)


def sse_of(api: Any) -> Any:
    return native_sse if api.native else dualweb.sse


# --- format_sse_event ------------------------------------------------------------------------

FORMAT_CASES = [
    {},
    {"data_str": ""},
    {"data_str": "hello"},
    {"data_str": '"quoted"'},
    {"data_str": "one\ntwo"},
    {"data_str": "one\r\ntwo\rthree\n"},
    {"data_str": "\n\n"},
    {"data_str": "é ☃ 😀"},
    {"event": "update"},
    {"event": ""},
    {"id": "42"},
    {"id": ""},
    {"retry": 0},
    {"retry": 3000},
    {"comment": ""},
    {"comment": "ping"},
    {"comment": "a\nb\r\nc\r"},
    {"data_str": "d", "event": "e", "id": "i", "retry": 5, "comment": "c"},
    {"comment": "c", "retry": 1, "id": "i", "event": "e", "data_str": "x\ny"},
]


@NATIVE_SSE_FORMAT
@pytest.mark.parametrize("kwargs", FORMAT_CASES, ids=repr)
def test_format_sse_event_is_fastapis(kwargs):
    assert format_sse_event(**kwargs) == native_sse.format_sse_event(**kwargs)


def test_format_sse_event_takes_keywords_only():
    with pytest.raises(TypeError):
        format_sse_event("data")  # type: ignore[misc]


def test_keepalive_comment_and_interval():
    assert dualweb.sse.KEEPALIVE_COMMENT == b": ping\n\n"
    assert dualweb.sse._PING_INTERVAL == 15.0


@NATIVE_SSE
def test_keepalive_comment_and_interval_are_fastapis():
    assert dualweb.sse.KEEPALIVE_COMMENT == native_sse.KEEPALIVE_COMMENT
    assert dualweb.sse._PING_INTERVAL == native_sse._PING_INTERVAL


# --- ServerSentEvent ---------------------------------------------------------------------------


class Item(BaseModel):
    name: str
    price: float = 1.5


EVENT_CASES: list[dict[str, Any]] = [
    {},
    {"data": "hello"},
    {"data": {"a": 1, "b": [1, 2]}},
    {"data": 0},
    {"data": False},
    {"data": Item(name="x")},
    {"raw_data": "<p>raw</p>"},
    {"raw_data": "a\nb"},
    {"raw_data": ""},
    {"event": "message", "id": "7", "retry": 100, "comment": "note"},
    {"data": [1, 2], "event": "list", "id": "", "retry": 0},
    {"comment": "multi\nline"},
    {"data": None, "raw_data": "r"},
    # invalid
    {"data": 1, "raw_data": "r"},
    {"data": "", "raw_data": ""},
    {"event": "two\nlines"},
    {"event": "cr\r"},
    {"id": "two\nlines"},
    {"id": "a\rb"},
    {"id": "nul\0"},
    {"id": "nul\0and\nnewline"},
    {"retry": -1},
    {"retry": "soon"},
    {"retry": 1.5},
    {"retry": "10"},
    {"event": 5},
    {"id": 5},
    {"raw_data": 5},
    {"comment": 5},
    {"event": "a\nb", "id": "c\nd", "retry": -5},
]


def _errors(exc: ValidationError) -> list[tuple[Any, ...]]:
    return [(e["type"], e["loc"], e["msg"], e["input"]) for e in exc.errors()]


@NATIVE_SSE_FORMAT
@pytest.mark.parametrize("kwargs", EVENT_CASES, ids=repr)
def test_server_sent_event_validates_as_fastapis(kwargs):
    try:
        want = native_sse.ServerSentEvent(**kwargs)
    except ValidationError as exc:
        with pytest.raises(ValidationError) as got:
            ServerSentEvent(**kwargs)
        assert _errors(got.value) == _errors(exc)
        assert got.value.title == "ServerSentEvent"
    else:
        got_event = ServerSentEvent(**kwargs)
        assert got_event.model_dump() == want.model_dump()
        assert dualweb.sse.encode_item(got_event) == _fastapi_item_bytes(want)


@NATIVE_SSE
def test_server_sent_event_fields_and_schema_are_fastapis():
    assert list(ServerSentEvent.model_fields) == list(native_sse.ServerSentEvent.model_fields)
    ours = ServerSentEvent.model_json_schema()
    theirs = native_sse.ServerSentEvent.model_json_schema()
    for schema in (ours, theirs):
        schema.pop("description")
        for field in schema["properties"].values():
            field.pop("description", None)
    assert ours == theirs


def _fastapi_item_bytes(item: Any) -> bytes:
    """What FastAPI streams for one item an SSE generator handler yields."""
    app = fastapi.FastAPI()

    @app.get("/", response_class=native_sse.EventSourceResponse)
    async def one():
        yield item

    return client_body(app)


def client_body(app: Any) -> bytes:
    from dualweb.testing import client_for_app

    return client_for_app(app).get("/").content


# --- EventSourceResponse returned by a handler, on every host ------------------------------------


def build_preformatted(api: Any) -> Any:
    sse = sse_of(api)
    router = api.Router()

    def lines():
        yield "data: one\n\n"
        yield b"event: two\ndata: 2\n\n"
        yield sse.format_sse_event(data_str="three", id="3")

    async def async_lines():
        for i in range(3):
            await asyncio.sleep(0)
            yield f"id: {i}\ndata: é{i}\n\n"

    @router.get("/sync")
    def sync_stream():
        return sse.EventSourceResponse(lines())

    @router.get("/async")
    async def async_stream():
        return sse.EventSourceResponse(async_lines())

    @router.get("/list")
    def listed():
        return sse.EventSourceResponse(["data: a\n\n", "data: b\n\n"])

    @router.get("/empty")
    def empty():
        return sse.EventSourceResponse(iter([]))

    @router.get("/options")
    def options():
        return sse.EventSourceResponse(
            lines(),
            status_code=201,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "X-Own": "1"},
        )

    @router.get("/media")
    def media():
        return sse.EventSourceResponse(lines(), media_type="text/plain")

    return router


PREFORMATTED_REQUESTS = [
    ("GET", "/sync"),
    ("GET", "/async"),
    ("GET", "/list"),
    ("GET", "/empty"),
    ("GET", "/options"),
    ("GET", "/media"),
]


def _check_preformatted(responses: list[Any]) -> None:
    assert responses[0].headers["content-type"] == "text/event-stream; charset=utf-8"
    assert responses[0].content == b"data: one\n\nevent: two\ndata: 2\n\ndata: three\nid: 3\n\n"


def test_returned_event_source_response(parity):
    client = parity.client(build_preformatted)
    _check_preformatted([client.request(m, url) for m, url in PREFORMATTED_REQUESTS])


@NATIVE_SSE
def test_returned_event_source_response_is_fastapis(parity):
    _check_preformatted(parity(build_preformatted, PREFORMATTED_REQUESTS))


class Token(BaseModel):
    text: str
    index: int


class Chat(BaseModel):
    prompt: str
    repeat: int = 2


ITEMS: list[Any] = [
    {"a": 1, "é": "ü"},
    [1, "two", None],
    Token(text="hi", index=0),
    None,
    3.5,
    math.nan,
    {"nested": {"x": math.inf}},
]


def _events(sse: Any) -> list[Any]:
    event = sse.ServerSentEvent
    return [
        event(data={"a": 1}),
        event(data="quoted"),
        event(data=Token(text="é", index=1), event="token", id="1"),
        event(raw_data="raw\ntext", retry=10),
        event(comment="just a comment"),
        event(),
        event(data=[math.nan, 1.0], event="e"),
    ]


def build_items(api: Any, *, generator: bool) -> Any:
    """Handlers that stream ITEMS and events: returned in an EventSourceResponse
    (dualweb), or yielded by a generator handler (FastAPI's own way to send such
    items; FastAPI's returned EventSourceResponse sends only text and bytes)."""
    sse = sse_of(api)
    router = api.Router()

    def events():
        yield from _events(sse)

    async def tokens(chat: Chat):
        for round_ in range(chat.repeat):
            for index, word in enumerate(chat.prompt.split()):
                await asyncio.sleep(0)
                yield sse.ServerSentEvent(
                    data=Token(text=word, index=index), id=f"{round_}.{index}"
                )
            yield {"round": round_, "done": True}
        yield sse.ServerSentEvent(event="end", raw_data="[DONE]")

    if generator:

        @router.get("/items", response_class=sse.EventSourceResponse)
        def items_gen():
            yield from ITEMS

        @router.get("/events", response_class=sse.EventSourceResponse)
        async def events_gen():
            for event in events():
                yield event

        @router.post("/chat/stream", response_class=sse.EventSourceResponse)
        async def chat_gen(chat: Chat):
            async for item in tokens(chat):
                yield item

    else:

        @router.get("/items")
        def items():
            return sse.EventSourceResponse(iter(ITEMS))

        @router.get("/events")
        async def events_returned():
            return sse.EventSourceResponse(events())

        @router.post("/chat/stream")
        async def chat(chat: Chat):
            return sse.EventSourceResponse(tokens(chat))

    return router


# Headers FastAPI adds to a generator handler's stream, not to a returned EventSourceResponse.
_GENERATOR_HEADERS = {"cache-control", "x-accel-buffering"}


def _headers(response: Any) -> list[tuple[str, str]]:
    return sorted(
        (k.lower(), v)
        for k, v in response.headers.multi_items()
        if k.lower() not in {"date", "server", *_GENERATOR_HEADERS}
    )


@pytest.mark.parametrize(
    "request_",
    [
        ("GET", "/items", {}),
        ("GET", "/events", {}),
        ("POST", "/chat/stream", {"json": {"prompt": "hello brave new world", "repeat": 2}}),
        ("POST", "/chat/stream", {"json": {"prompt": "one"}}),
        ("POST", "/chat/stream", {"json": {"repeat": 1}}),
        (
            "POST",
            "/chat/stream",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
        ),
    ],
    ids=["items", "events", "chat", "chat-default", "chat-invalid", "chat-malformed"],
)
@fastapi_has("0.144.0", "streams the items a generator handler yields as dualweb sends them")
def test_returned_items_are_sent_as_fastapi_streams_them(serve, fastapi_ns, request_):
    method, url, kwargs = request_
    ours = serve(lambda api: build_items(api, generator=False))
    theirs = native_client(lambda api: build_items(api, generator=True), fastapi_ns)
    got = ours.request(method, url, **kwargs)
    want = theirs.request(method, url, **kwargs)
    assert got.status_code == want.status_code
    assert got.content == want.content
    assert _headers(got) == _headers(want)
    if want.status_code == 200:
        assert want.headers["cache-control"] == "no-cache"  # FastAPI's generator path only
        assert got.headers["content-type"] == "text/event-stream; charset=utf-8"


def test_chat_stream_events(serve):
    client = serve(lambda api: build_items(api, generator=False))
    response = client.post("/chat/stream", json={"prompt": "hi there", "repeat": 1})
    assert response.status_code == 200
    assert response.content == (
        b'data: {"text":"hi","index":0}\nid: 0.0\n\n'
        b'data: {"text":"there","index":1}\nid: 0.1\n\n'
        b'data: {"round": 0, "done": true}\n\n'
        b"event: end\ndata: [DONE]\n\n"
    )


def test_event_source_response_is_a_streaming_response():
    from dualweb.responses import StreamingResponse

    response = EventSourceResponse(iter(()))
    assert isinstance(response, StreamingResponse)
    assert response.media_type == "text/event-stream"
    assert response.raw_headers == [("content-type", "text/event-stream; charset=utf-8")]


# --- keep-alive ------------------------------------------------------------------------------

IDLE = 0.3


def build_idle(api: Any) -> Any:
    router = api.Router()

    async def async_events():
        yield ServerSentEvent(data=1)
        await asyncio.sleep(IDLE)
        yield "data: partial\n"
        await asyncio.sleep(IDLE)  # inside an event: no comment may come here
        yield "\n"
        await asyncio.sleep(IDLE)
        yield {"last": True}

    def sync_events():
        yield ServerSentEvent(data=1)
        time.sleep(IDLE)
        yield {"last": True}

    @router.get("/async")
    async def idle_async():
        return EventSourceResponse(async_events())

    @router.get("/sync")
    def idle_sync():
        return EventSourceResponse(sync_events())

    return router


def _without_pings(body: bytes) -> tuple[bytes, int]:
    return body.replace(b": ping\n\n", b""), body.count(b": ping\n\n")


def test_idle_async_stream_gets_keepalive_comments_between_events(serve, monkeypatch):
    monkeypatch.setattr(dualweb.sse, "_PING_INTERVAL", IDLE / 4)
    body = serve(build_idle).get("/async").content
    events, pings = _without_pings(body)
    assert events == b'data: 1\n\ndata: partial\n\ndata: {"last": true}\n\n'
    assert pings >= 2
    first, rest = body.split(b"data: partial\n", 1)
    assert first.startswith(b"data: 1\n\n: ping\n\n")
    assert rest.startswith(b"\n: ping\n\n")  # none inside the partial event


def test_idle_sync_stream_gets_keepalive_comments_on_asgi_hosts(serve, host, monkeypatch):
    monkeypatch.setattr(dualweb.sse, "_PING_INTERVAL", IDLE / 4)
    body = serve(build_idle).get("/sync").content
    events, pings = _without_pings(body)
    assert events == b'data: 1\n\ndata: {"last": true}\n\n'
    if host == "flask":
        assert pings == 0  # the WSGI server's thread steps a sync generator itself
    else:
        assert pings >= 1


def test_a_busy_stream_gets_no_keepalive_comment(serve):
    body = serve(build_idle).get("/sync").content
    assert b": ping" not in body


# --- the stream's end -----------------------------------------------------------------------


def _tracked(log: list[str], fail: bool = False) -> Any:
    async def events():
        try:
            yield ServerSentEvent(data=1)
            if fail:
                raise LookupError("boom")
            yield ServerSentEvent(data=2)
        finally:
            log.append("closed")

    return events()


def test_closing_the_async_stream_closes_the_content():
    from dualweb._core.concurrency import call_inline

    log: list[str] = []

    async def read_one() -> bytes:
        stream = EventSourceResponse(_tracked(log)).iter_async(call_inline)
        first = await stream.__anext__()
        await stream.aclose()  # what the host does when the client goes away
        return first

    assert asyncio.run(read_one()) == b"data: 1\n\n"
    assert log == ["closed"]


def test_closing_the_wsgi_stream_closes_async_content():
    log: list[str] = []
    stream = EventSourceResponse(_tracked(log)).iter_sync()
    assert next(stream) == b"data: 1\n\n"
    stream.close()  # what the WSGI server does when the client goes away
    assert log == ["closed"]


def test_an_error_in_the_content_reaches_the_host():
    from dualweb._core.concurrency import call_inline

    async def read_all() -> list[bytes]:
        return [c async for c in EventSourceResponse(_tracked(log, True)).iter_async(call_inline)]

    log: list[str] = []
    with pytest.raises(LookupError, match="boom"):
        asyncio.run(read_all())
    assert log == ["closed"]
    log.clear()
    with pytest.raises(LookupError, match="boom"):
        list(EventSourceResponse(_tracked(log, True)).iter_sync())
    assert log == ["closed"]

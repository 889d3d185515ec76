"""Bad input, one table: every row on every host, directly and through the bridge.

One router has every kind of parameter. Each row is a raw request and the answer the docs
promise for it; it is sent to the router on each host (the ``host`` fixture), served as it
is and as the fallback of ``combine`` behind an ASGI front and behind a WSGI front. Every
answer must be the row's, never a 5xx, and must show nothing of the server (a traceback,
a file path, a class repr). Where native FastAPI, given the same router source, answers a
4xx too, dualweb's answer must be the same; the rows that say ``native=False`` are where
FastAPI is broken, or where dualweb differs from it on purpose (each says why).

Through the in-process clients there is no server, so the server's own limits (header
count and size, line length) are absent: those rows show what dualweb itself does.
"""

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import fastapi
import flask
import pytest
from pydantic import BaseModel, Field

import dualweb
from dualweb._core.nesting import DEFAULT_MAX_JSON_DEPTH
from dualweb.bridge import combine
from dualweb.testing import build_app, client_for_app
from tests._helpers import field_part, file_part, installed_below, multipart_body
from tests.conftest import DUALWEB

FILE_CONTENT = b"0123456789" * 100


class Inner(BaseModel):
    label: str
    weight: float = Field(ge=0)


class Item(BaseModel):
    name: str
    price: float = Field(gt=0)
    ratio: float = 1.0
    inner: Inner | None = None


class Filters(BaseModel):
    limit: int = Field(10, le=100)
    order: str = "asc"


def build(api: Any, download: str) -> Any:
    """The router, in ``api``'s vocabulary (dualweb's or FastAPI's); ``router.ran`` lists
    the guarded handlers that ran."""
    router = api.Router(prefix="/api")
    ran: list[str] = []
    # Native FastAPI takes a route's max_body_size from 0.164; below it (the floor) its
    # build has no limit, and the rows of the limits (native=False) compare nothing.
    unsized = api.native and installed_below("fastapi", "0.164")

    def limit(size: int) -> dict[str, int]:
        return {} if unsized else {"max_body_size": size}

    router.ran = ran

    @router.get("/items/{item_id}")
    def by_id(item_id: int):
        return {"item_id": item_id}

    @router.get("/names/{name}")
    def by_name(name: str):
        return {"name": name}

    @router.get("/files/{rest:path}")
    def by_path(rest: str):
        return {"rest": rest}

    @router.get("/query")
    def query(n: int, tags: Annotated[list[str], api.Query()] = [], q: str = ""):
        return {"n": n, "tags": tags, "q": len(q)}

    @router.get("/query-model")
    def query_model(filters: Annotated[Filters, api.Query()]):
        return filters

    @router.get("/header")
    def header(x_token: Annotated[str, api.Header()]):
        return {"x_token": x_token}

    @router.get("/cookie")
    def cookie(session: Annotated[str, api.Cookie()]):
        return {"session": session}

    # The floats are answered as their repr: JSON has no NaN nor Infinity.
    @router.post("/body")
    def body(item: Item):
        weight = None if item.inner is None else repr(item.inner.weight)
        return {
            "name": len(item.name),
            "price": repr(item.price),
            "ratio": repr(item.ratio),
            "weight": weight,
        }

    @router.post("/limited", **limit(1024))
    def limited(item: Item):
        ran.append("limited")
        return {"name": item.name}

    @router.post("/form")
    def form(
        a: Annotated[str, api.Form()],
        f: Annotated[api.UploadFile, api.File()],
        g: Annotated[list[api.UploadFile], api.File()] = [],
    ):
        return {"a": a, "f": f.filename, "g": [upload.filename for upload in g]}

    @router.post("/upload-limited", **limit(4096))
    def upload_limited(f: Annotated[api.UploadFile, api.File()]):
        ran.append("upload-limited")
        return {"f": f.filename}

    @router.get("/download")
    def download_file():
        return api.FileResponse(download)

    @router.get("/echo-cookie")
    def echo_cookie(v: str, response: api.Response):
        response.set_cookie("echo", v)
        return {"v": v}

    @router.get("/echo-header")
    def echo_header(v: str, response: api.Response):
        response.headers["x-echo"] = v
        return {"v": v}

    return router


# --- the table -------------------------------------------------------------------------

JSON = ("content-type", "application/json")
BOUNDARY = "matrix-boundary"
MULTIPART = ("content-type", f"multipart/form-data; boundary={BOUNDARY}")
Body = bytes | Callable[[], Iterator[bytes]] | None


@dataclasses.dataclass
class Row:
    """A raw request and the answer the docs promise for it."""

    name: str
    method: str
    path: str  # percent-encoded as it goes on the wire
    headers: list[tuple[str, str | bytes]]
    body: Body
    status: int
    #: The whole JSON answer, or a check of it (given the parsed body and the entry kind,
    #: "asgi" or "wsgi": what the outermost app is).
    expected: Any
    #: Compare with native FastAPI where it answers a 4xx (False: see the row's comment).
    native: bool = True
    #: The (distribution, version) from which native FastAPI answers the row as dualweb
    #: does: below it (the floor, docs/versions.md) there is nothing to compare.
    native_from: tuple[str, str] | None = None
    #: The guarded handler must not have run.
    guarded: str | None = None
    #: The ways in: served directly, behind an ASGI front, behind a WSGI front.
    vias: tuple[str, ...] = ("direct", "asgi-front", "wsgi-front")
    check_headers: Callable[[list[tuple[bytes, bytes]]], None] | None = None


def error(type_: str, loc: list[Any], msg: str, input_: Any, ctx: Any = None) -> dict[str, Any]:
    """FastAPI's 422 body with one error."""
    detail: dict[str, Any] = {"type": type_, "loc": loc, "msg": msg, "input": input_}
    if ctx is not None:
        detail["ctx"] = ctx
    return {"detail": [detail]}


def detail(text: str) -> dict[str, str]:
    return {"detail": text}


def chunks(*parts: bytes) -> Callable[[], Iterator[bytes]]:
    """A body sent chunked, without a length (a new generator per request)."""
    return lambda: iter(parts)


def as_received(sent: bytes, entry: str) -> str:
    """What a header's bytes become for the handler: latin-1 text, as every server gives
    it. NOTE: Starlette's test client, the ASGI way in, sends httpx's text of the header
    re-encoded as UTF-8, so bytes that are not UTF-8 arrive there as the UTF-8 of their
    latin-1 reading; a server sends them as they are (the WSGI way in does)."""
    text = sent.decode("latin-1")
    return text.encode().decode("latin-1") if entry == "asgi" else text


def one_safe_cookie(headers: list[tuple[bytes, bytes]]) -> None:
    """No header injection: one Set-Cookie, and no CR or LF in any header."""
    assert [name for name, _ in headers if name.lower() == b"set-cookie"] == [b"set-cookie"]
    for name, value in headers:
        assert b"\r" not in name + value and b"\n" not in name + value, (name, value)


def one_safe_header(headers: list[tuple[bytes, bytes]]) -> None:
    """No header injection: the echoed value in one header, CR and LF made spaces."""
    assert [name for name, _ in headers if name.lower() == b"set-cookie"] == []
    # (A WSGI front's server side drops the trailing spaces.)
    assert [value.rstrip() for name, value in headers if name.lower() == b"x-echo"] == [
        b"a  Set-Cookie: evil=1"
    ]
    for name, value in headers:
        assert b"\r" not in name + value and b"\n" not in name + value, (name, value)


ITEM = b'{"name": "a", "price": 1}'
INT = "Input should be a valid integer, unable to parse string as an integer"
MISSING = "Field required"
NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from"
PARSE_ERROR = detail("There was an error parsing the body")
TOO_LARGE = detail("Content Too Large")
# NOTE: FastAPI answers a route's max_body_size 413 as Starlette's plain text when the
# declared length is too large (and as JSON when a chunked body is): dualweb answers
# FastAPI's JSON detail both ways. Its form limits answer 400 (docs/forms-and-files.md).
NATIVE_413 = False


def ok_body(name: int = 1, price: str = "1.0", ratio: str = "1.0", weight: Any = None) -> Any:
    return {"name": name, "price": price, "ratio": ratio, "weight": weight}


def form(*parts: bytes) -> bytes:
    return multipart_body(BOUNDARY, *parts)


ROWS = [
    # -- paths: convertors, unicode, percent-encoding ------------------------------------
    Row(
        "path-int",
        "GET",
        "/api/items/abc",
        [],
        None,
        422,
        error("int_parsing", ["path", "item_id"], INT, "abc"),
    ),
    Row("path-invalid-utf8", "GET", "/api/names/%FF", [], None, 200, {"name": "\ufffd"}),
    Row("path-overlong-utf8", "GET", "/api/names/%C0%AF", [], None, 200, {"name": "\ufffd\ufffd"}),
    Row("path-unicode", "GET", "/api/names/%E2%82%AC", [], None, 200, {"name": "\u20ac"}),
    Row("path-nul", "GET", "/api/names/a%00b", [], None, 200, {"name": "a\x00b"}),
    # A %2F is a slash by the time routes are matched (every server decodes the path).
    Row("path-encoded-slash", "GET", "/api/names/a%2Fb", [], None, 404, detail("Not Found")),
    Row(
        "path-convertor-traversal",
        "GET",
        "/api/files/..%2F..%2Fetc%2Fpasswd%00",
        [],
        None,
        200,
        {"rest": "../../etc/passwd\x00"},
    ),
    # -- query ----------------------------------------------------------------------------
    Row(
        "query-repeated-scalar",
        "GET",
        "/api/query?n=1&n=2",
        [],
        None,
        200,
        {"n": 2, "tags": [], "q": 0},
    ),
    Row(
        "query-invalid-utf8",
        "GET",
        "/api/query?n=%FF&tags=%C0%AF",
        [],
        None,
        422,
        error("int_parsing", ["query", "n"], INT, "\ufffd"),
    ),
    Row(
        "query-huge-number",
        "GET",
        "/api/query?n=" + "9" * 5000,
        [],
        None,
        422,
        error(
            "int_parsing_size",
            ["query", "n"],
            "Unable to parse input string as an integer, exceeded maximum size",
            "9" * 5000,
        ),
    ),
    Row(
        "query-huge-string",
        "GET",
        "/api/query?n=1&q=" + "x" * 60_000,
        [],
        None,
        200,
        {"n": 1, "tags": [], "q": 60_000},
    ),
    Row(
        "query-model-repeated",
        "GET",
        "/api/query-model?limit=1000&limit=1000&order=%FF",
        [],
        None,
        422,
        error(
            "less_than_equal",
            ["query", "limit"],
            "Input should be less than or equal to 100",
            "1000",
            {"le": 100},
        ),
    ),
    Row(
        "query-missing",
        "GET",
        "/api/query",
        [],
        None,
        422,
        error("missing", ["query", "n"], MISSING, None),
    ),
    # -- headers and cookies --------------------------------------------------------------
    Row(
        "header-invalid-utf8",
        "GET",
        "/api/header",
        [("x-token", b"\xff\xfe\xc0\xaf")],
        None,
        200,
        lambda got, entry: got == {"x_token": as_received(b"\xff\xfe\xc0\xaf", entry)},
    ),
    Row(
        "header-1mb",
        "GET",
        "/api/header",
        [("x-token", "v" * 1_000_000)],
        None,
        200,
        {"x_token": "v" * 1_000_000},
    ),
    Row(
        "header-10000",
        "GET",
        "/api/header",
        [(f"x-h{i}", "v") for i in range(10_000)] + [("x-token", "t")],
        None,
        200,
        {"x_token": "t"},
    ),
    Row(
        "header-missing",
        "GET",
        "/api/header",
        [],
        None,
        422,
        error("missing", ["header", "x-token"], MISSING, None),
    ),
    Row(
        "cookie-invalid-utf8",
        "GET",
        "/api/cookie",
        [("cookie", b"session=\xff\xc0\xaf")],
        None,
        200,
        lambda got, entry: got == {"session": as_received(b"\xff\xc0\xaf", entry)},
    ),
    Row(
        "cookie-garbage",
        "GET",
        "/api/cookie",
        [("cookie", ";;;=;=session")],
        None,
        422,
        error("missing", ["cookie", "session"], MISSING, None),
    ),
    # -- JSON bodies ------------------------------------------------------------------------
    Row(
        "json-truncated",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "a", "price":',
        422,
        error("json_invalid", ["body", 22], "JSON decode error", {}, {"error": "Expecting value"}),
    ),
    Row(
        "json-malformed",
        "POST",
        "/api/body",
        [JSON],
        b"{'name': 'a',}",
        422,
        error(
            "json_invalid",
            ["body", 1],
            "JSON decode error",
            {},
            {"error": "Expecting property name enclosed in double quotes"},
        ),
    ),
    Row(
        "json-invalid-utf8",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "\xff\xc0\xaf", "price": 1}',
        400,
        PARSE_ERROR,
    ),
    Row(
        "json-deep",
        "POST",
        "/api/body",
        [JSON],
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        # (FastAPI: a 400 "There was an error parsing the body", from the parser's own
        # RecursionError; dualweb refuses what nests beyond max_json_depth first.)
        422,
        {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body", 5 * DEFAULT_MAX_JSON_DEPTH],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {
                        "error": f"Nesting deeper than {DEFAULT_MAX_JSON_DEPTH} levels of "
                        "arrays and objects"
                    },
                }
            ]
        },
        native=False,
    ),
    Row(
        "json-huge-int",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "a", "price": 1' + b"0" * 5000 + b"}",
        400,
        PARSE_ERROR,
    ),
    # 1e5000 is a float too large for a float: +Infinity, which satisfies gt=0.
    Row(
        "json-huge-float",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "a", "price": 1e5000}',
        200,
        ok_body(price="inf"),
    ),
    Row(
        "json-huge-string",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "' + b"x" * 1_000_000 + b'", "price": 1}',
        200,
        ok_body(name=1_000_000),
    ),
    # NOTE: FastAPI echoes a non-finite input in its 422 and fails to encode it (a 500).
    Row(
        "json-nan-constrained",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "a", "price": NaN}',
        422,
        error(
            "greater_than", ["body", "price"], "Input should be greater than 0", None, {"gt": 0.0}
        ),
        native=False,
    ),
    Row(
        "json-infinity-nested-constrained",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "a", "price": 1, "inner": {"label": "l", "weight": -Infinity}}',
        422,
        error(
            "greater_than_equal",
            ["body", "inner", "weight"],
            "Input should be greater than or equal to 0",
            None,
            {"ge": 0.0},
        ),
        native=False,
    ),
    Row(
        "json-nan-unconstrained",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "a", "price": Infinity, "ratio": NaN,'
        b' "inner": {"label": "l", "weight": Infinity}}',
        200,
        ok_body(price="inf", ratio="nan", weight="inf"),
    ),
    # The last of duplicate keys wins, as in Python's json and pydantic's parser.
    Row(
        "json-duplicate-keys",
        "POST",
        "/api/body",
        [JSON],
        b'{"name": "a", "price": 1, "price": -1}',
        422,
        error("greater_than", ["body", "price"], "Input should be greater than 0", -1, {"gt": 0.0}),
    ),
    Row(
        "json-empty",
        "POST",
        "/api/body",
        [JSON],
        b"",
        422,
        error("missing", ["body"], MISSING, None),
    ),
    Row(
        "json-no-body",
        "POST",
        "/api/body",
        [],
        None,
        422,
        error("missing", ["body"], MISSING, None),
    ),
    # -- content types ----------------------------------------------------------------------
    Row(
        "content-type-wrong",
        "POST",
        "/api/body",
        [("content-type", "text/plain")],
        ITEM,
        422,
        error("model_attributes_type", ["body"], NOT_AN_OBJECT, ITEM.decode()),
    ),
    Row(
        "content-type-missing",
        "POST",
        "/api/body",
        [],
        ITEM,
        422,
        error("model_attributes_type", ["body"], NOT_AN_OBJECT, ITEM.decode()),
    ),
    Row(
        "content-type-misleading",
        "POST",
        "/api/body",
        [MULTIPART],
        ITEM,
        422,
        error("model_attributes_type", ["body"], NOT_AN_OBJECT, ITEM.decode()),
    ),
    Row(
        "content-type-invalid-utf8",
        "POST",
        "/api/body",
        [("content-type", b"application/json\xff")],
        ITEM,
        422,
        error("model_attributes_type", ["body"], NOT_AN_OBJECT, ITEM.decode()),
    ),
    Row(
        "content-type-json-to-a-form",
        "POST",
        "/api/form",
        [JSON],
        b'{"a": "1"}',
        422,
        {
            "detail": [
                {"type": "missing", "loc": ["body", "a"], "msg": MISSING, "input": None},
                {"type": "missing", "loc": ["body", "f"], "msg": MISSING, "input": None},
            ]
        },
    ),
    # -- body size ----------------------------------------------------------------------------
    Row(
        "oversize-declared",
        "POST",
        "/api/limited",
        [JSON, ("content-length", "999999")],
        ITEM,
        413,
        TOO_LARGE,
        native=NATIVE_413,
        guarded="limited",
    ),
    Row(
        "oversize",
        "POST",
        "/api/limited",
        [JSON],
        b'{"name": "' + b"x" * 2000 + b'", "price": 1}',
        413,
        TOO_LARGE,
        native=NATIVE_413,
        guarded="limited",
    ),
    # NOTE: a WSGI front hands an ASGI fallback no body without a length (a2wsgi reads
    # Content-Length bytes: docs/bridge.md), so chunked rows go in directly and behind
    # an ASGI front only.
    Row(
        "oversize-chunked",
        "POST",
        "/api/limited",
        [JSON],
        chunks(b'{"name": "', b"x" * 1000, b"x" * 1000, b'", "price": 1}'),
        413,
        TOO_LARGE,
        native=NATIVE_413,
        guarded="limited",
        vias=("direct", "asgi-front"),
    ),
    Row(
        "chunked",
        "POST",
        "/api/body",
        [JSON],
        chunks(b'{"name": "', b"x" * 100, b'", "price": 1}'),
        200,
        ok_body(name=100),
        vias=("direct", "asgi-front"),
    ),
    Row(
        "upload-oversize",
        "POST",
        "/api/upload-limited",
        [MULTIPART],
        form(file_part("f", "f.txt", b"z" * 5000)),
        413,
        TOO_LARGE,
        native=NATIVE_413,
        guarded="upload-limited",
    ),
    # -- multipart ------------------------------------------------------------------------------
    # A file name is the client's text, never a path to open: handed over as it came,
    # but for what comes before a backslash (python-multipart's rule, FastAPI's too).
    Row(
        "multipart-file-names",
        "POST",
        "/api/form",
        [MULTIPART],
        form(
            field_part("a", b"\xff"),
            file_part("f", "../../etc/passwd", b"1"),
            file_part("g", "C:\\x", b"2"),
            file_part("g", "a\x00b", b"3"),
        ),
        200,
        {"a": "\xff", "f": "../../etc/passwd", "g": ["x", "a\x00b"]},
    ),
    Row(
        "multipart-no-boundary",
        "POST",
        "/api/form",
        [("content-type", "multipart/form-data")],
        form(field_part("a", "1")),
        400,
        detail("Missing boundary in multipart."),
    ),
    Row(
        "multipart-wrong-boundary",
        "POST",
        "/api/form",
        [("content-type", "multipart/form-data; boundary=other")],
        form(field_part("a", "1")),
        400,
        detail("Invalid multipart data."),
        native_from=("starlette", "1.7"),
    ),
    Row(
        "multipart-no-name",
        "POST",
        "/api/form",
        [MULTIPART],
        form(b"Content-Disposition: form-data\r\n\r\nx"),
        400,
        detail('The Content-Disposition header field "name" must be provided.'),
    ),
    Row(
        "multipart-too-many-fields",
        "POST",
        "/api/form",
        [MULTIPART],
        form(*[field_part(f"k{i}", "v") for i in range(1001)]),
        413,
        detail("Too many fields. Maximum number of fields is 1000."),
        native=NATIVE_413,
    ),
    Row(
        "multipart-too-many-files",
        "POST",
        "/api/form",
        [MULTIPART],
        form(field_part("a", "1"), *[file_part("g", str(i), b"v") for i in range(1001)]),
        413,
        detail("Too many files. Maximum number of files is 1000."),
        native=NATIVE_413,
    ),
    Row(
        "multipart-part-too-large",
        "POST",
        "/api/form",
        [MULTIPART],
        form(field_part("a", b"x" * (1024 * 1024 + 1)), file_part("f", "f", b"1")),
        413,
        detail("Part exceeded maximum size of 1024KB."),
        native=NATIVE_413,
    ),
    # -- what a handler sends back ----------------------------------------------------------------
    Row(
        "cookie-crlf",
        "GET",
        "/api/echo-cookie?v=a%0D%0ASet-Cookie:%20evil=1%0D%0A",
        [],
        None,
        200,
        {"v": "a\r\nSet-Cookie: evil=1\r\n"},
        check_headers=one_safe_cookie,
    ),
    # A CR or LF a handler echoes into a header becomes a space: one header, no injection.
    # (FastAPI sends it as it is; Werkzeug refuses it at send time, a 500.)
    Row(
        "header-crlf",
        "GET",
        "/api/echo-header?v=a%0D%0ASet-Cookie:%20evil=1%0D%0A",
        [],
        None,
        200,
        {"v": "a\r\nSet-Cookie: evil=1\r\n"},
        check_headers=one_safe_header,
    ),
    # Too many ranges: not worth the work, the whole file is sent (Starlette's rule).
    Row(
        "range-1000",
        "GET",
        "/api/download",
        [("range", "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 2000, 2)))],
        None,
        200,
        FILE_CONTENT,
        native_from=("starlette", "1.6"),
    ),
    Row(
        "range-unsatisfiable",
        "GET",
        "/api/download",
        [("range", "bytes=5000-6000")],
        None,
        416,
        b"",
    ),
]

# --- the ways in -----------------------------------------------------------------------------


@dataclasses.dataclass
class Target:
    client: Any
    router: Any
    entry: str  # the outermost app's kind: "asgi" or "wsgi"


@pytest.fixture(scope="module")
def download(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("bad-input") / "data.txt"
    path.write_bytes(FILE_CONTENT)
    return str(path)


@pytest.fixture(scope="module")
def targets(download: str) -> Callable[[str, str], Target]:
    """``target(host, via)``: the router on ``host``, served directly or as the fallback
    of a ``combine``, built once for the module."""
    made: dict[tuple[str, str], Target] = {}

    def target(host: str, via: str) -> Target:
        if (host, via) not in made:
            router = build(DUALWEB, download)
            app = build_app(router, host)
            if via == "asgi-front":
                app = combine(fastapi.FastAPI(), app)
            elif via == "wsgi-front":
                app = combine(flask.Flask("front", static_folder=None), app)
            if via == "direct":
                entry = "wsgi" if host == "flask" else "asgi"
            else:
                entry = via.removesuffix("-front")
            client = client_for_app(app, raise_server_exceptions=False)
            made[host, via] = Target(client, router, entry)
        return made[host, via]

    return target


@pytest.fixture(scope="module")
def native(download: str, fastapi_ns: Any) -> Any:
    app = fastapi.FastAPI()
    app.include_router(build(fastapi_ns, download))
    return client_for_app(app, raise_server_exceptions=False)


# What a body must never show: the server's files, and Python's internals.
LEAKS = [
    b"Traceback",
    b'File "',
    b"<class",
    os.path.dirname(dualweb.__file__).encode(),
    sys.prefix.encode(),
]


def send(client: Any, row: Row) -> Any:
    content = row.body() if callable(row.body) else row.body
    request = client.build_request(row.method, row.path, headers=row.headers, content=content)
    try:
        return client.send(request)
    finally:
        client.cookies.clear()  # (each row is a new client's request)


def parsed(response: Any) -> Any:
    if response.headers.get("content-type", "").startswith("application/json"):
        return json.loads(response.content)
    return response.content


CASES = [pytest.param(row, via, id=f"{row.name}-{via}") for row in ROWS for via in row.vias]


@pytest.mark.parametrize(("row", "via"), CASES)
def test_bad_input(host: str, row: Row, via: str, targets: Any, native: Any) -> None:
    target = targets(host, via)
    target.router.ran.clear()
    response = send(target.client, row)
    got = parsed(response)
    assert response.status_code < 500, (response.status_code, response.content[:300])
    for leak in LEAKS:
        assert leak not in response.content, leak
    assert response.status_code == row.status, response.content[:300]
    if callable(row.expected):
        assert row.expected(got, target.entry), got
    else:
        assert got == row.expected
    if row.guarded is not None:
        assert row.guarded not in target.router.ran
    if row.check_headers is not None:
        row.check_headers(response.headers.raw)
    if row.native and not (row.native_from and installed_below(*row.native_from)):
        theirs = send(native, row)
        if 400 <= theirs.status_code < 500:
            assert (response.status_code, got) == (theirs.status_code, parsed(theirs))

"""Every response type of ``dualweb.responses`` on every host, compared with native FastAPI:
returned from handlers, as ``response_class=`` and as a Router's ``default_response_class=``;
redirects, streamed bodies (never buffered) and files (ranges, HEAD, validators)."""

import asyncio
import os
import re
import threading
from urllib.parse import quote

import anyio
import pytest

import dualweb.background
import dualweb.responses
from tests._helpers import WAIT, recorded
from tests.conftest import DUALWEB, _headers, native_client


def single_task(api):
    """The class of one background task: Starlette's for FastAPI, dualweb's own otherwise."""
    if api.native:
        import starlette.background

        return starlette.background.BackgroundTask
    return dualweb.background.BackgroundTask


# --- plain response classes returned from handlers -------------------------------------------


def build_returned(api):
    router = api.Router()

    @router.get("/response")
    def plain():
        return api.Response("raw text")

    @router.get("/response/bytes")
    def raw_bytes():
        return api.Response(b"\x00\x01binary", media_type="application/octet-stream")

    @router.get("/response/xml")
    def xml():
        return api.Response("<a>1</a>", media_type="application/xml", headers={"X-Kind": "xml"})

    @router.get("/response/text-type")
    def text_type():
        # A text/* media type gains a charset; one that names its charset keeps it.
        return api.Response("ok", media_type="text/csv")

    @router.get("/response/own-charset")
    def own_charset():
        return api.Response("ok", media_type="text/plain; charset=latin-1")

    @router.get("/response/no-content")
    def no_content():
        return api.Response(status_code=204)

    @router.get("/response/not-modified")
    def not_modified():
        return api.Response(status_code=304, headers={"ETag": '"abc"'})

    @router.get("/json")
    def json_response():
        return api.JSONResponse({"b": [1, 2.5, None], "a": "ü"}, status_code=201)

    @router.get("/json/headers")
    async def json_headers():
        return api.JSONResponse(
            [1, 2], headers={"X-Total": "2", "Cache-Control": "no-store"}, status_code=202
        )

    @router.get("/json/media-type")
    def json_media_type():
        return api.JSONResponse({"x": 1}, media_type="application/vnd.api+json")

    @router.get("/html")
    def html():
        return api.HTMLResponse("<h1>Hello</h1>", status_code=200)

    @router.get("/html/teapot")
    def teapot():
        return api.HTMLResponse("<p>short and stout</p>", status_code=418, headers={"X-Tea": "1"})

    @router.get("/text")
    async def text():
        return api.PlainTextResponse("plain ünïcode")

    @router.get("/text/error")
    def text_error():
        return api.PlainTextResponse("nope", status_code=503, headers={"Retry-After": "120"})

    @router.get("/cookie")
    def cookie():
        response = api.PlainTextResponse("with cookie")
        response.set_cookie("session", "abc", httponly=True)
        response.headers["X-Set-Later"] = "yes"
        return response

    return router


def test_returned_response_classes(parity):
    results = parity(
        build_returned,
        [
            ("GET", "/response"),
            ("GET", "/response/bytes"),
            ("GET", "/response/xml"),
            ("GET", "/response/text-type"),
            ("GET", "/response/own-charset"),
            ("GET", "/response/no-content"),
            ("GET", "/response/not-modified"),
            ("GET", "/json"),
            ("GET", "/json/headers"),
            ("GET", "/json/media-type"),
            ("GET", "/html"),
            ("GET", "/html/teapot"),
            ("GET", "/text"),
            ("GET", "/text/error"),
            ("GET", "/cookie"),
        ],
    )
    (plain, raw, xml, text_type, own_charset, no_content, not_modified, js, js_headers,
     js_media, html, teapot, text, text_error, cookie) = results  # fmt: skip
    assert plain.content == b"raw text"
    assert "content-type" not in plain.headers
    assert plain.headers["content-length"] == "8"
    assert raw.content == b"\x00\x01binary"
    assert raw.headers["content-type"] == "application/octet-stream"
    assert xml.headers["content-type"] == "application/xml"
    assert xml.headers["x-kind"] == "xml"
    assert text_type.headers["content-type"] == "text/csv; charset=utf-8"
    assert own_charset.headers["content-type"] == "text/plain; charset=latin-1"
    assert no_content.status_code == 204
    assert no_content.content == b""
    assert "content-length" not in no_content.headers
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == '"abc"'
    assert js.status_code == 201
    assert js.content == '{"b":[1,2.5,null],"a":"ü"}'.encode()
    assert js.headers["content-type"] == "application/json"
    assert js_headers.status_code == 202
    assert js_headers.headers["x-total"] == "2"
    assert js_headers.headers["cache-control"] == "no-store"
    assert js_media.headers["content-type"] == "application/vnd.api+json"
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.text == "<h1>Hello</h1>"
    assert teapot.status_code == 418
    assert teapot.headers["x-tea"] == "1"
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.text == "plain ünïcode"
    assert text.headers["content-length"] == str(len("plain ünïcode".encode()))
    assert text_error.status_code == 503
    assert text_error.headers["retry-after"] == "120"
    assert cookie.headers["set-cookie"] == "session=abc; HttpOnly; Path=/; SameSite=lax"
    assert cookie.headers["x-set-later"] == "yes"


# --- response_class= on an operation -------------------------------------------------------------


def build_response_class(api, file_path):
    router = api.Router()

    @router.get("/html", response_class=api.HTMLResponse)
    def html():
        return "<b>bold</b>"

    @router.get("/text", response_class=api.PlainTextResponse, status_code=201)
    async def text():
        return "created"

    @router.get("/json", response_class=api.JSONResponse)
    def json_class():
        return {"k": [1, "two"]}

    @router.get("/response", response_class=api.Response)
    def response_class():
        return "as is"

    @router.get("/annotated", response_class=api.PlainTextResponse)
    def annotated() -> str:
        return "annotated text"

    @router.get("/redirect", response_class=api.RedirectResponse)
    def redirect():
        return "/elsewhere"

    @router.get("/redirect/302", response_class=api.RedirectResponse, status_code=302)
    async def redirect_302():
        return "https://example.com/a b"

    @router.get("/file", response_class=api.FileResponse)
    def file():
        return str(file_path)

    @router.get("/own", response_class=api.HTMLResponse)
    def own():
        # A returned Response wins over response_class.
        return api.PlainTextResponse("mine", headers={"X-Own": "1"})

    @router.get("/with-response-param", response_class=api.HTMLResponse)
    def with_param(response: api.Response):
        response.headers["X-From-Param"] = "1"
        response.status_code = 202
        return "<i>param</i>"

    return router


def test_response_class_on_operation(parity, tmp_path):
    file_path = tmp_path / "data.txt"
    file_path.write_bytes(b"file by response_class")

    def build(api):
        return build_response_class(api, file_path)

    no_follow = {"follow_redirects": False}
    results = parity(
        build,
        [
            ("GET", "/html"),
            ("GET", "/text"),
            ("GET", "/json"),
            ("GET", "/response"),
            ("GET", "/annotated"),
            ("GET", "/redirect", no_follow),
            ("GET", "/redirect/302", no_follow),
            ("GET", "/file"),
            ("GET", "/own"),
            ("GET", "/with-response-param"),
        ],
    )
    html, text, js, response, annotated, redirect, redirect_302, file, own, param = results
    assert html.text == "<b>bold</b>"
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert text.status_code == 201
    assert text.text == "created"
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert js.json() == {"k": [1, "two"]}
    assert response.content == b"as is"
    assert "content-type" not in response.headers
    assert annotated.text == "annotated text"
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/elsewhere"
    assert redirect_302.status_code == 302
    assert redirect_302.headers["location"] == "https://example.com/a%20b"
    assert file.content == b"file by response_class"
    assert file.headers["content-type"] == "text/plain; charset=utf-8"
    assert own.text == "mine"
    assert own.headers["content-type"] == "text/plain; charset=utf-8"
    assert param.status_code == 202
    assert param.headers["x-from-param"] == "1"
    assert param.headers["content-type"] == "text/html; charset=utf-8"


# --- default_response_class= on a Router, and through include_router ---------------------------


def build_default_class(api):
    app = api.Router()

    html_router = api.Router(default_response_class=api.HTMLResponse)

    @html_router.get("/page")
    def page():
        return "<p>page</p>"

    @html_router.get("/override", response_class=api.JSONResponse)
    def override():
        return {"json": True}

    @html_router.get("/returned")
    def returned():
        return api.PlainTextResponse("returned wins")

    @html_router.get("/status", status_code=201)
    async def status_page():
        return "<p>created</p>"

    text_router = api.Router(prefix="/text", default_response_class=api.PlainTextResponse)

    @text_router.get("/hello")
    def hello():
        return "hello"

    plain_router = api.Router()

    @plain_router.get("/inherits")
    def inherits():
        return "<p>inherits the parent's default</p>"

    @plain_router.get("/explicit", response_class=api.PlainTextResponse)
    def explicit():
        return "explicit"

    parent = api.Router(prefix="/parent", default_response_class=api.HTMLResponse)
    parent.include_router(plain_router, prefix="/child")
    parent.include_router(text_router)

    @app.get("/json")
    def default_json():
        return {"default": "json"}

    app.include_router(html_router, prefix="/html")
    app.include_router(text_router)
    app.include_router(parent)
    return app


def test_default_response_class_on_router(parity):
    results = parity(
        build_default_class,
        [
            ("GET", "/json"),
            ("GET", "/html/page"),
            ("GET", "/html/override"),
            ("GET", "/html/returned"),
            ("GET", "/html/status"),
            ("GET", "/text/hello"),
            ("GET", "/parent/child/inherits"),
            ("GET", "/parent/child/explicit"),
            ("GET", "/parent/text/hello"),
        ],
    )
    (default_json, page, override, returned, status, hello, inherits, explicit,
     nested_text) = results  # fmt: skip
    html_type = "text/html; charset=utf-8"
    text_type = "text/plain; charset=utf-8"
    assert default_json.headers["content-type"] == "application/json"
    assert page.headers["content-type"] == html_type
    assert page.text == "<p>page</p>"
    assert override.json() == {"json": True}
    assert override.headers["content-type"] == "application/json"
    assert returned.headers["content-type"] == text_type
    assert status.status_code == 201
    assert status.headers["content-type"] == html_type
    assert hello.headers["content-type"] == text_type
    assert hello.text == "hello"
    assert inherits.headers["content-type"] == html_type
    assert explicit.headers["content-type"] == text_type
    assert nested_text.headers["content-type"] == text_type


# --- redirects ------------------------------------------------------------------------------


REDIRECT_CODES = [301, 302, 303, 307, 308]


def build_redirects(api):
    router = api.Router()

    @router.get("/to/{code}")
    def to(code: int):
        return api.RedirectResponse("/target", status_code=code)

    @router.post("/post/{code}")
    def post(code: int):
        return api.RedirectResponse(url="/target", status_code=code)

    @router.get("/default")
    def default():
        return api.RedirectResponse("/target")

    @router.get("/quoted")
    def quoted():
        return api.RedirectResponse("/a path/ünï?q=a b&x=1#frag ment")

    @router.get("/absolute")
    async def absolute():
        return api.RedirectResponse("https://example.com/search?q=x y&lang=fr%20ca")

    @router.get("/headers")
    def headers():
        return api.RedirectResponse("/target", status_code=303, headers={"X-Why": "moved"})

    @router.get("/target")
    def target():
        return {"arrived": True}

    return router


def test_redirects(parity):
    no_follow = {"follow_redirects": False}
    requests = [("GET", f"/to/{code}", no_follow) for code in REDIRECT_CODES]
    requests += [("POST", f"/post/{code}", no_follow) for code in REDIRECT_CODES]
    requests += [
        ("GET", "/default", no_follow),
        ("GET", "/quoted", no_follow),
        ("GET", "/absolute", no_follow),
        ("GET", "/headers", no_follow),
    ]
    results = parity(build_redirects, requests)
    for code, response in zip(REDIRECT_CODES * 2, results[:10], strict=True):
        assert response.status_code == code
        assert response.headers["location"] == "/target"
        assert response.content == b""
        assert response.headers["content-length"] == "0"
    default, quoted, absolute, headers = results[10:]
    assert default.status_code == 307
    assert quoted.headers["location"] == "/a%20path/%C3%BCn%C3%AF?q=a%20b&x=1#frag%20ment"
    assert absolute.headers["location"] == "https://example.com/search?q=x%20y&lang=fr%20ca"
    assert headers.status_code == 303
    assert headers.headers["x-why"] == "moved"


def test_redirect_is_followed(parity):
    (followed,) = parity(build_redirects, [("GET", "/to/302", {"follow_redirects": True})])
    assert followed.json() == {"arrived": True}


# --- streamed bodies -------------------------------------------------------------------------


def make_streams(api, log):
    router = api.Router()

    def numbers(n):
        for i in range(n):
            log.append(f"sync {i}")
            yield f"line {i}\n"

    async def async_numbers(n):
        for i in range(n):
            await asyncio.sleep(0)
            log.append(f"async {i}")
            yield f"async {i}\n".encode()

    def record(message):
        log.append(message)

    async def record_async(message):
        await asyncio.sleep(0)
        log.append(message)

    @router.get("/sync")
    def sync_stream():
        return api.StreamingResponse(numbers(3))

    @router.get("/async")
    async def async_stream():
        return api.StreamingResponse(async_numbers(3), media_type="application/octet-stream")

    @router.get("/async-from-sync-handler")
    def async_from_sync():
        return api.StreamingResponse(async_numbers(2), media_type="text/plain")

    @router.get("/list")
    def from_list():
        return api.StreamingResponse([b"a", b"b", b"c"], media_type="text/plain")

    @router.get("/strings")
    async def strings():
        return api.StreamingResponse(["é", "t", "é"], media_type="text/plain")

    @router.get("/mixed")
    def mixed():
        return api.StreamingResponse(iter(["text ", b"bytes ", "more"]), media_type="text/csv")

    @router.get("/empty")
    def empty():
        return api.StreamingResponse(iter([]), media_type="text/plain")

    @router.get("/ndjson")
    def ndjson():
        return api.StreamingResponse(
            (f'{{"n":{i}}}\n' for i in range(3)),
            status_code=201,
            media_type="application/x-ndjson",
            headers={"X-Stream": "yes", "Cache-Control": "no-cache"},
        )

    @router.get("/background")
    def with_background():
        tasks = api.BackgroundTasks()
        tasks.add_task(record, "task 1")
        tasks.add_task(record_async, "task 2")
        return api.StreamingResponse(numbers(2), background=tasks, media_type="text/plain")

    @router.get("/background/async")
    async def with_background_async():
        return api.StreamingResponse(
            async_numbers(2), background=single_task(api)(record_async, "single task")
        )

    @router.get("/background/param")
    def with_param(tasks: api.BackgroundTasks):
        tasks.add_task(record, "param task")
        return api.StreamingResponse(numbers(2))

    @router.get("/background/own-wins")
    def own_wins(tasks: api.BackgroundTasks):
        tasks.add_task(record, "param task (dropped)")
        own = api.BackgroundTasks()
        own.add_task(record, "own task")
        return api.StreamingResponse(numbers(1), background=own)

    return router


def test_streaming_bodies(parity):
    build, logs = recorded(make_streams)
    results = parity(
        build,
        [
            ("GET", "/sync"),
            ("GET", "/async"),
            ("GET", "/async-from-sync-handler"),
            ("GET", "/list"),
            ("GET", "/strings"),
            ("GET", "/mixed"),
            ("GET", "/empty"),
            ("GET", "/ndjson"),
        ],
    )
    sync, asynchronous, async_sync, listed, strings, mixed, empty, ndjson = results
    assert sync.text == "line 0\nline 1\nline 2\n"
    assert "content-type" not in sync.headers
    assert "content-length" not in sync.headers
    assert asynchronous.content == b"async 0\nasync 1\nasync 2\n"
    assert asynchronous.headers["content-type"] == "application/octet-stream"
    assert async_sync.content == b"async 0\nasync 1\n"
    assert listed.content == b"abc"
    assert listed.headers["content-type"] == "text/plain; charset=utf-8"
    assert strings.text == "été"
    assert mixed.content == b"text bytes more"
    assert mixed.headers["content-type"] == "text/csv; charset=utf-8"
    assert empty.content == b""
    assert ndjson.status_code == 201
    assert ndjson.headers["content-type"] == "application/x-ndjson"
    assert ndjson.headers["x-stream"] == "yes"
    assert ndjson.headers["cache-control"] == "no-cache"
    assert logs["dualweb"] == logs["native"]


def test_streaming_background_tasks_run_after_the_stream(parity):
    build, logs = recorded(make_streams)
    expected = {
        "/background": ["sync 0", "sync 1", "task 1", "task 2"],
        "/background/async": ["async 0", "async 1", "single task"],
        "/background/param": ["sync 0", "sync 1", "param task"],
        "/background/own-wins": ["sync 0", "own task"],
    }
    for path, events in expected.items():
        (response,) = parity(build, [("GET", path)])
        assert response.status_code == 200
        assert logs["dualweb"] == events, path
        assert logs["native"] == events, path


def make_incremental(api, log, got_first):
    """Streams whose second chunk is produced only once the client holds the first
    (or after ``WAIT`` seconds: a buffering host makes the log show ``False``)."""
    router = api.Router()

    def sync_chunks():
        log.append("produce 1")
        yield b"one"
        log.append(("produce 2", got_first.wait(WAIT)))
        yield b"two"

    async def async_chunks():
        log.append("produce 1")
        yield b"one"
        arrived = await anyio.to_thread.run_sync(got_first.wait, WAIT)
        log.append(("produce 2", arrived))
        yield b"two"

    @router.get("/sync")
    def sync_stream():
        return api.StreamingResponse(sync_chunks(), media_type="application/octet-stream")

    @router.get("/async")
    async def async_stream():
        return api.StreamingResponse(async_chunks(), media_type="application/octet-stream")

    @router.get("/async-in-sync-handler")
    def async_in_sync_handler():
        return api.StreamingResponse(async_chunks(), media_type="application/octet-stream")

    return router


@pytest.mark.parametrize("path", ["/sync", "/async", "/async-in-sync-handler"])
def test_streaming_is_not_buffered(parity, path):
    log = []
    got_first = threading.Event()
    client = parity.client(lambda api: make_incremental(api, log, got_first))
    with client.stream("GET", path) as response:
        chunks = response.iter_raw()
        first = next(chunks)
        log.append("client got 1")
        got_first.set()
        rest = b"".join(chunks)
    assert response.status_code == 200
    assert first == b"one"
    assert rest == b"two"
    assert log == ["produce 1", "client got 1", ("produce 2", True)]


# --- files ----------------------------------------------------------------------------------


CONTENT = bytes(range(256)) * 4  # 1024 bytes


@pytest.fixture
def files(tmp_path):
    """A directory of files, by name."""
    names = {
        "data.bin": CONTENT,
        "notes.txt": b"plain notes\n",
        "page.html": b"<p>page</p>",
        "doc.json": b'{"a": 1}',
        "style.css": b"body {}",
        "image.png": b"\x89PNG\r\n\x1a\n",
        "report.pdf": b"%PDF-1.4",
        "archive.weird-extension": b"???",
        "no_extension": b"none",
    }
    for name, data in names.items():
        (tmp_path / name).write_bytes(data)
    os.utime(tmp_path / "data.bin", (1_700_000_000, 1_700_000_000))
    return tmp_path


def make_files(api, directory, log):
    router = api.Router()

    def record(message):
        log.append(message)

    @router.get("/files/{name}")
    def by_name(name: str):
        return api.FileResponse(directory / name)

    @router.get("/as-str")
    async def as_str():
        return api.FileResponse(str(directory / "notes.txt"))

    @router.get("/download")
    def download():
        return api.FileResponse(directory / "data.bin", filename="report.csv")

    @router.get("/download/non-ascii")
    def download_non_ascii():
        return api.FileResponse(directory / "notes.txt", filename="résumé 2024.txt")

    @router.get("/download/space")
    def download_space():
        return api.FileResponse(directory / "notes.txt", filename="my notes.txt")

    @router.get("/inline")
    def inline():
        return api.FileResponse(
            directory / "report.pdf", filename="report.pdf", content_disposition_type="inline"
        )

    @router.get("/media-type")
    def media_type():
        return api.FileResponse(directory / "data.bin", media_type="application/x-custom")

    @router.get("/headers")
    def headers():
        return api.FileResponse(
            directory / "notes.txt",
            headers={"Cache-Control": "max-age=60", "X-File": "notes"},
            status_code=200,
        )

    @router.get("/own-headers")
    def own_headers():
        # Headers given by the handler win over the ones the file would get.
        return api.FileResponse(
            directory / "notes.txt",
            filename="notes.txt",
            headers={
                "Content-Disposition": 'attachment; filename="other.txt"',
                "Accept-Ranges": "none",
                "ETag": '"mine"',
                "Content-Type": "text/markdown",
            },
        )

    @router.get("/status")
    def status():
        return api.FileResponse(directory / "data.bin", status_code=203)

    @router.get("/background")
    def background():
        tasks = api.BackgroundTasks()
        tasks.add_task(record, "file sent")
        return api.FileResponse(directory / "notes.txt", background=tasks)

    @router.api_route("/ranged", methods=["GET", "HEAD"])
    def ranged():
        return api.FileResponse(directory / "data.bin")

    @router.api_route("/ranged/download", methods=["GET", "HEAD"])
    def ranged_download():
        return api.FileResponse(directory / "notes.txt", filename="notes.txt")

    @router.post("/ranged")
    def ranged_post():
        return api.FileResponse(directory / "data.bin")

    @router.get("/missing")
    def missing():
        return api.FileResponse(directory / "does-not-exist.txt")

    return router


def file_build(directory):
    return recorded(lambda api, log: make_files(api, directory, log))


def test_file_content_types(parity, files):
    build, _ = file_build(files)
    names = sorted(path.name for path in files.iterdir())
    results = parity(build, [("GET", f"/files/{name}") for name in names])
    by_name = dict(zip(names, results, strict=True))
    for name, response in by_name.items():
        assert response.content == (files / name).read_bytes()
        assert response.headers["content-length"] == str((files / name).stat().st_size)
        assert response.headers["accept-ranges"] == "bytes"
        assert "content-disposition" not in response.headers
    types = {name: response.headers["content-type"] for name, response in by_name.items()}
    assert types["notes.txt"] == "text/plain; charset=utf-8"
    assert types["page.html"] == "text/html; charset=utf-8"
    assert types["doc.json"] == "application/json"
    assert types["style.css"] == "text/css; charset=utf-8"
    assert types["image.png"] == "image/png"
    assert types["report.pdf"] == "application/pdf"
    assert types["archive.weird-extension"] == "application/octet-stream"
    assert types["no_extension"] == "application/octet-stream"


def test_file_headers_and_filenames(parity, files):
    build, logs = file_build(files)
    results = parity(
        build,
        [
            ("GET", "/as-str"),
            ("GET", "/download"),
            ("GET", "/download/non-ascii"),
            ("GET", "/download/space"),
            ("GET", "/inline"),
            ("GET", "/media-type"),
            ("GET", "/headers"),
            ("GET", "/status"),
            ("GET", "/background"),
            ("GET", "/own-headers"),
        ],
    )
    (as_str, download, non_ascii, space, inline, media_type, headers, status, background,
     own) = results  # fmt: skip
    stat = (files / "data.bin").stat()
    assert as_str.text == "plain notes\n"
    assert download.content == CONTENT
    assert download.headers["content-disposition"] == 'attachment; filename="report.csv"'
    assert download.headers["content-type"] == "text/csv; charset=utf-8"  # from the filename
    assert download.headers["content-length"] == "1024"
    assert download.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert re.fullmatch(r'"[0-9a-f]{32}"', download.headers["etag"])
    assert (
        download.headers["etag"]
        == dualweb.responses.FileResponse(files / "data.bin").headers["etag"]
    )
    assert stat.st_mtime == 1_700_000_000
    assert non_ascii.headers["content-disposition"] == (
        "attachment; filename*=utf-8''" + quote("résumé 2024.txt")
    )
    assert space.headers["content-disposition"] == "attachment; filename*=utf-8''my%20notes.txt"
    assert inline.headers["content-disposition"] == 'inline; filename="report.pdf"'
    assert inline.headers["content-type"] == "application/pdf"
    assert media_type.headers["content-type"] == "application/x-custom"
    assert headers.headers["cache-control"] == "max-age=60"
    assert headers.headers["x-file"] == "notes"
    assert status.status_code == 203
    assert background.text == "plain notes\n"
    assert logs["dualweb"] == logs["native"] == ["file sent"]
    assert own.headers.get_list("content-disposition") == ['attachment; filename="other.txt"']
    assert own.headers.get_list("accept-ranges") == ["none"]
    assert own.headers.get_list("etag") == ['"mine"']
    assert own.headers.get_list("content-type") == ["text/markdown"]


def test_file_head(parity, files):
    build, _ = file_build(files)
    head, head_download, get = parity(
        build,
        [("HEAD", "/ranged"), ("HEAD", "/ranged/download"), ("GET", "/ranged")],
    )
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == "1024"
    assert head.headers["content-type"] == "application/octet-stream"
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["last-modified"] == get.headers["last-modified"]
    assert head_download.headers["content-disposition"] == 'attachment; filename="notes.txt"'
    assert get.content == CONTENT


def test_file_single_ranges(parity, files):
    build, _ = file_build(files)
    etag = dualweb.responses.FileResponse(files / "data.bin").headers["etag"]
    last_modified = "Tue, 14 Nov 2023 22:13:20 GMT"
    results = parity(
        build,
        [
            ("GET", "/ranged", {"headers": {"Range": "bytes=0-9"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=-16"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=1000-"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=1020-5000"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=-5000"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=0-9", "If-Range": etag}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=0-9", "If-Range": last_modified}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=0-9", "If-Range": '"stale"'}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=0-9", "If-Range": "W/" + etag}}),
            ("HEAD", "/ranged", {"headers": {"Range": "bytes=0-9"}}),
            ("POST", "/ranged", {"headers": {"Range": "bytes=0-9"}}),
            ("GET", "/status", {"headers": {"Range": "bytes=0-9"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=0-9,0-5"}}),
        ],
    )
    (first, suffix, open_ended, past_end, long_suffix, etag_match, date_match, stale,
     weak, head, post, not_ok, merged) = results  # fmt: skip
    assert first.status_code == 206
    assert first.content == CONTENT[:10]
    assert first.headers["content-range"] == "bytes 0-9/1024"
    assert first.headers["content-length"] == "10"
    assert suffix.content == CONTENT[-16:]
    assert suffix.headers["content-range"] == "bytes 1008-1023/1024"
    assert open_ended.content == CONTENT[1000:]
    assert open_ended.headers["content-range"] == "bytes 1000-1023/1024"
    assert past_end.content == CONTENT[1020:]
    assert long_suffix.status_code == 206
    assert long_suffix.content == CONTENT
    assert etag_match.status_code == date_match.status_code == 206
    assert etag_match.content == date_match.content == CONTENT[:10]
    assert stale.status_code == weak.status_code == 200
    assert stale.content == weak.content == CONTENT
    assert "content-range" not in stale.headers
    assert head.status_code == 206
    assert head.content == b""
    assert head.headers["content-length"] == "10"
    assert post.status_code == 200
    assert post.content == CONTENT
    assert not_ok.status_code == 203
    assert not_ok.content == CONTENT
    assert merged.status_code == 206  # overlapping ranges merge into one
    assert merged.headers["content-range"] == "bytes 0-9/1024"
    assert merged.content == CONTENT[:10]


def test_file_bad_ranges(parity, files):
    build, _ = file_build(files)
    results = parity(
        build,
        [
            ("GET", "/ranged", {"headers": {"Range": "bytes=1024-"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=2000-3000"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=0-1,2000-"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes"}}),
            ("GET", "/ranged", {"headers": {"Range": "items=0-1"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=abc"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=-"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=9-3"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=x-y"}}),
            ("GET", "/ranged", {"headers": {"Range": "bytes=" + ",".join(["0-1"] * 101)}}),
        ],
    )
    (unsatisfiable, far, one_far, no_equals, units, junk, dash, reversed_, letters,
     too_many) = results  # fmt: skip
    for response in (unsatisfiable, far, one_far):
        assert response.status_code == 416
        assert response.headers["content-range"] == "bytes */1024"
        assert response.content == b""
    assert no_equals.status_code == 400
    assert no_equals.text == "Malformed range header."
    assert units.status_code == 400
    assert units.text == "Only support bytes range"
    for response in (junk, dash, letters):
        assert response.status_code == 400
        assert response.text == "Range header: range must be requested"
    assert reversed_.status_code == 400
    assert reversed_.text == "Range header: start must be less than end"
    assert too_many.status_code == 200  # more ranges than max_ranges: the whole file
    assert too_many.content == CONTENT


def _multipart(response):
    """``(status, headers, body)`` with the random boundary replaced by ``BOUNDARY``."""
    content_type = response.headers["content-type"]
    boundary = content_type.partition("boundary=")[2]
    assert re.fullmatch(r"[0-9a-f]{26}", boundary), content_type
    headers = [(k, v.replace(boundary, "BOUNDARY")) for k, v in _headers(response)]
    return response.status_code, headers, response.content.replace(boundary.encode(), b"BOUNDARY")


@pytest.mark.parametrize(
    "spec",
    ["bytes=0-9,20-29", "bytes=500-509, -4, 0-0", "bytes=0-9,5-14,100-"],
)
def test_file_multiple_ranges(parity, fastapi_ns, files, spec):
    build, _ = file_build(files)
    ours = parity.client(build)
    theirs = native_client(build, fastapi_ns)
    got = ours.get("/ranged", headers={"Range": spec})
    want = theirs.get("/ranged", headers={"Range": spec})
    assert _multipart(got) == _multipart(want)
    assert got.status_code == 206
    assert int(got.headers["content-length"]) == len(got.content)
    # The body's structure: one part per (merged) range, each with its headers and bytes.
    boundary = got.headers["content-type"].partition("boundary=")[2].encode()
    assert got.content.endswith(b"--" + boundary + b"--")
    parts = got.content[: -len(boundary) - 4].split(b"--" + boundary + b"\r\n")
    assert parts[0] == b""
    ranges = []
    for part in parts[1:]:
        head, _, data = part.partition(b"\r\n\r\n")
        assert data.endswith(b"\r\n")
        data = data[:-2]
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0] == "Content-Type: application/octet-stream"
        match = re.fullmatch(r"Content-Range: bytes (\d+)-(\d+)/1024", lines[1])
        assert match, lines
        start, end = int(match[1]), int(match[2])
        assert data == CONTENT[start : end + 1]
        ranges.append((start, end))
    expected = {
        "bytes=0-9,20-29": [(0, 9), (20, 29)],
        "bytes=500-509, -4, 0-0": [(0, 0), (500, 509), (1020, 1023)],
        "bytes=0-9,5-14,100-": [(0, 14), (100, 1023)],
    }
    assert ranges == expected[spec]
    head = ours.head("/ranged", headers={"Range": spec})
    assert head.status_code == 206
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]


def test_file_missing(parity, files):
    with pytest.raises(RuntimeError, match="does not exist"):
        dualweb.responses.FileResponse(files / "does-not-exist.txt")
    with pytest.raises(RuntimeError, match="is not a file"):
        dualweb.responses.FileResponse(files)
    build, _ = file_build(files)
    client = parity.client(build)
    with pytest.raises(RuntimeError, match="does not exist"):
        client.get("/missing")
    quiet = parity.client(build, raise_server_exceptions=False)
    assert quiet.get("/missing").status_code == 500


# --- a response's background tasks -----------------------------------------------------------


def make_background(api, log):
    router = api.Router()

    def record(message):
        log.append(message)

    async def record_async(message):
        await asyncio.sleep(0)
        log.append(message)

    @router.get("/tasks")
    def tasks_on_response():
        tasks = api.BackgroundTasks()
        tasks.add_task(record, "one")
        tasks.add_task(record_async, "two")
        log.append("handler")
        return api.JSONResponse({"ok": True}, background=tasks)

    @router.get("/single")
    async def single():
        return api.PlainTextResponse("single", background=single_task(api)(record, "single"))

    @router.get("/param")
    def param(tasks: api.BackgroundTasks):
        tasks.add_task(record, "param")
        return api.HTMLResponse("<p>param</p>")

    @router.get("/own-wins")
    async def own_wins(tasks: api.BackgroundTasks):
        tasks.add_task(record, "param (dropped)")
        own = api.BackgroundTasks()
        own.add_task(record_async, "own")
        return api.Response("own", background=own)

    @router.get("/redirect")
    def redirect():
        tasks = api.BackgroundTasks()
        tasks.add_task(record, "after redirect")
        return api.RedirectResponse("/tasks", status_code=303, background=tasks)

    return router


def test_response_background_tasks(parity):
    build, logs = recorded(make_background)
    expected = {
        "/tasks": ["handler", "one", "two"],
        "/single": ["single"],
        "/param": ["param"],
        "/own-wins": ["own"],
        "/redirect": ["after redirect"],
    }
    for path, events in expected.items():
        (response,) = parity(build, [("GET", path, {"follow_redirects": False})])
        assert response.status_code in (200, 303)
        assert logs["dualweb"] == events, path
        assert logs["native"] == events, path


def test_namespaces_offer_every_response_class(fastapi_ns):
    names = [
        "Response",
        "JSONResponse",
        "HTMLResponse",
        "PlainTextResponse",
        "RedirectResponse",
        "StreamingResponse",
        "FileResponse",
    ]
    for name in names:
        assert getattr(DUALWEB, name) is getattr(dualweb.responses, name)
        assert hasattr(fastapi_ns, name)

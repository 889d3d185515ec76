"""``dualweb.bridge.combine``: one app out of a primary and a fallback, under real servers.

The real-server tests run ``_bridge_server.py``: a FastAPI primary in front of a Flask
fallback under uvicorn (``asgi-front``), and a Flask primary in front of a FastAPI fallback
under gunicorn's gthread worker (``wsgi-front``). Details of the routing decision are
checked in process, with each framework's own test client.
"""

import concurrent.futures
import contextlib
import hashlib
import http.client
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dualweb.bridge import ASGIBridge, WSGIBridge, combine
from tests._helpers import wait_until
from tests._servers import ServerProcess, fetch, server_process

HERE = Path(__file__).resolve().parent
MB = 1024 * 1024
THREADS = 3
#: The path prefix a client sends: uvicorn's root_path is what a proxy already took off,
#: gunicorn's SCRIPT_NAME is part of the request's path.
PREFIX = {"asgi-front": "", "wsgi-front": "/mount"}
PRIMARY = {"asgi-front": "fastapi", "wsgi-front": "flask"}
FALLBACK = {"asgi-front": "flask", "wsgi-front": "fastapi"}

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process memory from /proc"
)


class Front:
    def __init__(self, name: str, server: ServerProcess, markers: Path) -> None:
        self.name = name
        self.server = server
        self.markers = markers
        self.prefix = PREFIX[name]

    def fetch(self, method: str, path: str, **kwargs):
        return fetch(self.server.port, method, self.prefix + path, **kwargs)

    def json(self, method: str, path: str, **kwargs):
        status, _, body = self.fetch(method, path, **kwargs)
        return status, json.loads(body)

    @contextlib.contextmanager
    def connect(self, path: str) -> Iterator[http.client.HTTPResponse]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=3)
        try:
            connection.request("GET", self.prefix + path)
            yield connection.getresponse()
        finally:
            connection.close()


@contextlib.contextmanager
def running(name: str, markers: Path) -> Iterator[Front]:
    args = [str(HERE / "_bridge_server.py"), name, str(markers), str(THREADS)]
    with server_process(args) as server:
        yield Front(name, server, markers)


@pytest.fixture(scope="module", params=list(PREFIX))
def front(request, tmp_path_factory) -> Iterator[Front]:
    with running(request.param, tmp_path_factory.mktemp(request.param)) as started:
        yield started


# --- the routing decision ----------------------------------------------------------------


def test_primary_routes_are_served_by_the_primary(front):
    assert front.json("GET", "/new")[1]["served_by"] == PRIMARY[front.name]


def test_a_path_without_a_primary_route_goes_to_the_fallback(front):
    assert front.json("GET", "/old") == (
        200,
        {"served_by": FALLBACK[front.name]}
        | ({"started": True, "state": "lifespan"} if front.name == "wsgi-front" else {}),
    )
    status, headers, body = front.fetch("GET", "/nowhere")
    assert status == 404
    if FALLBACK[front.name] == "flask":  # Flask's own 404 page, not FastAPI's JSON
        assert headers["content-type"].startswith("text/html")
    else:
        assert json.loads(body) == {"detail": "Not Found"}


def test_a_handlers_own_404_does_not_fall_through(front):
    # The fallback has a 200 route at the same path: it must not be reached.
    assert front.json("GET", "/owned-404") == (
        404,
        {"detail": "the primary's handler says 404"},
    )


def test_a_primary_path_with_another_method_is_the_primarys_405(front):
    status, headers, body = front.fetch("GET", "/only-post")
    assert status == 405
    assert b"wrongly" not in body
    assert "POST" in headers["allow"]
    assert front.json("POST", "/only-post") == (200, {"posted": True})


def test_a_dualweb_router_works_on_either_side(front):
    assert front.json("GET", "/dw-new/hello/ada?shout=true") == (
        200,
        {"side": PRIMARY[front.name], "hello": "ADA"},
    )
    assert front.json("GET", "/dw-old/hello/bob") == (
        200,
        {"side": FALLBACK[front.name], "hello": "bob"},
    )
    # A dualweb handler's own 404 on the primary side is the primary's answer.
    assert front.json("GET", "/dw-new/missing") == (
        404,
        {"detail": f"{PRIMARY[front.name]} dualweb route says no"},
    )


# --- what passes through unchanged ---------------------------------------------------------


def test_method_path_query_headers_cookies_body_and_root_path_pass_unchanged(front):
    status, headers, body = front.fetch(
        "PUT",
        "/echo/a%20b/caf%C3%A9?x=1&x=2&y=%C3%A9&empty=&plus=a+b",
        body=b'{"some": "body"}',
        headers={"X-Custom": "value, with comma", "Cookie": "a=1; b=two", "X-Other": "o"},
    )
    assert status == 203
    echoed = json.loads(body)
    assert echoed == {
        **echoed,
        "served_by": FALLBACK[front.name],
        "method": "PUT",
        "rest": "a b/café",
        "path": "/echo/a b/café",
        "root_path": "/mount",
        "query_string": "x=1&x=2&y=%C3%A9&empty=&plus=a+b",
        "query": [["x", "1"], ["x", "2"], ["y", "é"], ["empty", ""], ["plus", "a b"]],
        "headers": {"x-custom": "value, with comma", "x-other": "o"},
        "cookies": {"a": "1", "b": "two"},
        "body": '{"some": "body"}',
    }
    # Response headers: repeated ones stay repeated, cookies stay separate.
    assert headers.get_all("x-echo") == ["one", "two"]
    cookies = headers.get_all("set-cookie")
    assert [c.split(";")[0] for c in cookies] == ["first=1", 'second="2 and more"']
    assert "HttpOnly" in cookies[1]


# Only the ASGI front wraps its primary: gunicorn serves the Flask primary directly.
@pytest.mark.parametrize("front", ["asgi-front"], indirect=True)
def test_the_primary_sees_the_root_path_too(front):
    assert front.json("GET", "/new")[1]["root_path"] == "/mount"


# --- streaming both ways -------------------------------------------------------------------


def test_a_streaming_response_arrives_before_the_generator_finishes(front, tmp_path):
    release = tmp_path / "release"
    with front.connect(f"/stream?release={release}") as response:
        assert response.status == 200
        # read1 returns what has arrived; a buffering bridge would time out here.
        assert response.read1(100).startswith(b"first\n")
        release.touch()
        rest = response.read()
    assert rest.replace(b"first\n", b"") == b"second\nthird\n"


class _Upload:
    """A deterministic body, produced chunk by chunk, never whole."""

    def __init__(self, size: int, chunk: int = MB) -> None:
        self.size = size
        self.chunk = chunk
        self.sha256 = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        block = bytes(range(256)) * (self.chunk // 256)
        sent = 0
        while sent < self.size:
            piece = block[: min(self.chunk, self.size - sent)]
            self.sha256.update(piece)
            sent += len(piece)
            yield piece


def _post(front: Front, upload: _Upload) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", front.server.port, timeout=60)
    try:
        connection.request(
            "POST",
            front.prefix + "/upload",
            body=iter(upload),
            headers={"Content-Length": str(upload.size), "Content-Type": "application/x"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _peak_memory(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@linux_only
def test_a_large_upload_streams_through_the_bridge(front):
    pid = front.json("GET", "/pid")[1]["pid"]  # the process that serves (gunicorn's worker)
    warm = _Upload(4 * MB)
    assert _post(front, warm) == (200, {"size": warm.size, "sha256": warm.sha256.hexdigest()})
    before = _peak_memory(pid)
    upload = _Upload(100 * MB)
    status, answer = _post(front, upload)
    growth = _peak_memory(pid) - before
    assert (status, answer) == (200, {"size": upload.size, "sha256": upload.sha256.hexdigest()})
    print(f"\n{front.name}: 100 MB through the bridge, peak RSS +{growth / MB:.1f} MB")
    assert growth < 30 * MB


# --- disconnects and threads ---------------------------------------------------------------


def _start_slow_and_leave(front: Front, name: str) -> None:
    sock = socket.create_connection(("127.0.0.1", front.server.port), timeout=5)
    try:
        sock.sendall(f"GET {front.prefix}/slow?name={name} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = b""
        while b"tick 0" not in received:
            more = sock.recv(4096)
            assert more, received
            received += more
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # with linger 0: a reset, as a client that goes away


def _wait_for(path: Path, timeout: float) -> bool:
    # The server writes the marker with write_text: wait until it has its content too.
    return wait_until(lambda: path.exists() and bool(path.read_text().strip()), timeout, 0.05)


def test_a_client_that_disconnects_stops_the_fallbacks_stream(front):
    started = time.monotonic()
    names = [f"{front.name}-gone-{i}" for i in range(THREADS)]
    for name in names:  # as many as the bridge has threads
        _start_slow_and_leave(front, name)
    for name in names:
        marker = front.markers / f"slow-{name}"
        # The stream would run for 30 s; it is closed within a few chunks of the disconnect.
        assert _wait_for(marker, 10), front.server.output()
        sent = int(marker.read_text().split()[0])
        assert sent < 100, marker.read_text()  # 5 s of ticks, of 30 s
    print(f"\n{front.name}: {THREADS} streams closed after {time.monotonic() - started:.2f}s")
    # Every thread is free again: the fallback answers at once.
    answered = time.monotonic()
    assert front.json("GET", "/old")[0] == 200
    assert time.monotonic() - answered < 5


# Under a WSGI front the WSGI server's own threads serve the fallback.
@pytest.mark.parametrize("front", ["asgi-front"], indirect=True)
def test_the_thread_pool_size_is_the_threads_keyword(front, tmp_path):
    release = tmp_path / "release"

    def blocked() -> dict:
        return front.json("GET", f"/block?release={release}")[1]

    with concurrent.futures.ThreadPoolExecutor(THREADS + 2) as pool:
        futures = [pool.submit(blocked) for _ in range(THREADS + 2)]
        time.sleep(1.0)  # all are sent; only THREADS can be running
        release.touch()
        answers = [f.result(timeout=30) for f in futures]
    assert max(a["peak"] for a in answers) == THREADS
    assert max(a["threads"] for a in answers) <= THREADS


# --- lifespan ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PREFIX))
def test_the_asgi_sides_lifespan_runs_in_both_arrangements(name, tmp_path):
    with running(name, tmp_path) as started:
        status, answer = started.json("GET", "/new" if name == "asgi-front" else "/old")
        # Startup ran before the first request, and its state reached the request.
        assert (status, answer["started"], answer["state"]) == (200, True, "lifespan")
        pid = started.json("GET", "/pid")[1]["pid"]
        assert not (tmp_path / "shutdown").exists()
    # The server stopped (SIGTERM): the shutdown ran in the process that served.
    assert _wait_for(tmp_path / "shutdown", 5)
    assert (tmp_path / "startup").read_text() == (tmp_path / "shutdown").read_text()
    assert (tmp_path / "shutdown").read_text() == str(pid)


# --- the routing decision, in process ------------------------------------------------------


def _flask_fallback():
    import flask

    app = flask.Flask("fallback", static_folder=None)

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def anything(path):
        return {"fallback": "/" + path}

    return app


def _starlette_fallback():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def anything(request):
        return JSONResponse({"fallback": request.url.path})

    return Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])


def test_starlette_mounts_hosts_and_slash_redirects_in_process():
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route, Router
    from starlette.testclient import TestClient

    async def hello(request):
        return PlainTextResponse("primary")

    async def opaque(scope, receive, send):
        await PlainTextResponse("opaque", status_code=404)(scope, receive, send)

    sub_app = Starlette(routes=[Route("/there", hello)])
    primary = Starlette(
        routes=[
            Route("/items", hello),
            Mount("/sub", routes=[Route("/a", hello)]),
            Mount("/app", app=sub_app),
            Mount("/opaque", app=opaque),
            Mount("/nested", app=Router(routes=[Mount("/deeper", routes=[Route("/x", hello)])])),
        ]
    )
    bridge = combine(primary, _flask_fallback())
    assert isinstance(bridge, ASGIBridge)
    client = TestClient(bridge, follow_redirects=False)
    assert client.get("/items").text == "primary"
    assert client.get("/items/").status_code == 307  # the primary's slash redirect
    assert client.get("/sub/a").text == "primary"
    assert client.get("/sub/b").json() == {"fallback": "/sub/b"}  # a mounted router's miss
    assert client.get("/app/there").text == "primary"
    assert client.get("/app/elsewhere").json() == {"fallback": "/app/elsewhere"}
    assert client.get("/opaque/anything").text == "opaque"  # an opaque mount owns its prefix
    assert client.get("/nested/deeper/x").text == "primary"
    assert client.get("/nested/deeper/y").json() == {"fallback": "/nested/deeper/y"}
    assert client.post("/items").status_code == 405


def test_fastapi_included_routers_in_process():
    import fastapi
    from starlette.testclient import TestClient

    outer = fastapi.APIRouter(prefix="/api")
    inner = fastapi.APIRouter(prefix="/v1")

    @inner.get("/users/{user_id}")
    def user(user_id: int):
        return {"user": user_id}

    outer.include_router(inner)
    app = fastapi.FastAPI()
    app.include_router(outer)
    client = TestClient(combine(app, _flask_fallback()))
    assert client.get("/api/v1/users/3").json() == {"user": 3}
    # A path matched but invalid is the primary's 422, not the fallback's.
    assert client.get("/api/v1/users/abc").status_code == 422
    assert client.delete("/api/v1/users/3").status_code == 405
    assert client.get("/api/v1/groups").json() == {"fallback": "/api/v1/groups"}


def test_flask_rules_in_process():
    import flask
    from werkzeug.test import Client

    primary = flask.Flask("primary", static_folder=None)

    @primary.get("/dir/")
    def directory():
        return "primary dir"

    @primary.get("/thing/<int:n>")
    def thing(n):
        return f"thing {n}"

    bridge = combine(primary, _starlette_fallback())
    assert isinstance(bridge, WSGIBridge)
    try:
        client = Client(bridge)
        assert client.get("/dir/").text == "primary dir"
        assert client.get("/dir").status_code == 308  # Flask's strict-slash redirect
        assert client.get("/thing/3").text == "thing 3"
        assert client.get("/thing/x").json == {"fallback": "/thing/x"}  # no rule matches
        assert client.post("/thing/3").status_code == 405
        assert client.post("/elsewhere", data=b"x").json == {"fallback": "/elsewhere"}
    finally:
        bridge.close()


def test_match_keyword_and_bad_arguments():
    from starlette.testclient import TestClient

    async def plain(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"plain"})

    with pytest.raises(TypeError, match="route table"):
        combine(plain, _flask_fallback())
    bridge = combine(plain, _flask_fallback(), match=lambda scope: scope["path"] == "/p")
    client = TestClient(bridge)
    assert client.get("/p").text == "plain"
    assert client.get("/q").json() == {"fallback": "/q"}
    with pytest.raises(ValueError, match="threads"):
        combine(plain, _flask_fallback(), threads=0, match=bool)
    with pytest.raises(TypeError):
        combine(object(), _flask_fallback())


def test_two_asgi_apps_both_get_their_lifespan_in_process():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    events = []

    def app_with_lifespan(name, path):
        @contextlib.asynccontextmanager
        async def lifespan(app):
            events.append(f"{name} up")
            yield {"who": name}
            events.append(f"{name} down")

        async def endpoint(request):
            return JSONResponse({"state": request.state.who})

        return Starlette(routes=[Route(path, endpoint)], lifespan=lifespan)

    bridge = combine(app_with_lifespan("primary", "/p"), app_with_lifespan("fallback", "/{x}"))
    with TestClient(bridge) as client:
        assert events == ["primary up", "fallback up"]
        assert client.get("/p").json() == {"state": "primary"}
        assert client.get("/other").json() == {"state": "fallback"}
    assert events == ["primary up", "fallback up", "primary down", "fallback down"]


def _dualweb_side(events, name):
    import dualweb

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append(f"{name} up")
        yield {"who": name}
        events.append(f"{name} down")

    router = dualweb.Router(lifespan=lifespan)

    @router.get("/" + name)
    async def who(request: dualweb.Request):
        return {"state": request.state.who}

    return router


@pytest.mark.parametrize("front", ["fastapi", "flask"])
def test_dualweb_lifespans_on_both_sides_run_with_the_bridge(front):
    """Each side's routers get their lifespan and its state, whichever side is in front;
    under an ASGI front, a Flask side's starts and stops with the front's lifespan."""
    import fastapi
    import flask

    import dualweb.fastapi
    import dualweb.flask
    from dualweb.testing import client_for_app

    events = []
    asgi_app, wsgi_app = fastapi.FastAPI(), flask.Flask("side", static_folder=None)
    dualweb.fastapi.mount(asgi_app, _dualweb_side(events, "asgi"))
    dualweb.flask.mount(wsgi_app, _dualweb_side(events, "wsgi"))
    if front == "fastapi":
        bridge = combine(asgi_app, wsgi_app)
        with client_for_app(bridge) as client:
            assert events == ["asgi up", "wsgi up"]  # before any request
            assert client.get("/asgi").json() == {"state": "asgi"}
            assert client.get("/wsgi").json() == {"state": "wsgi"}
        assert events == ["asgi up", "wsgi up", "asgi down", "wsgi down"]
    else:
        bridge = combine(wsgi_app, asgi_app)
        bridge.start()
        try:
            assert sorted(events) == ["asgi up", "wsgi up"]
            client = client_for_app(bridge)
            assert client.get("/asgi").json() == {"state": "asgi"}
            assert client.get("/wsgi").json() == {"state": "wsgi"}
        finally:
            bridge.close()
        assert sorted(events[2:]) == ["asgi down", "wsgi down"]


def test_a_path_that_is_not_utf8_reaches_an_asgi_fallback_behind_flask():
    # a2wsgi decodes the path strictly: `/%C0%AF` made the WSGI front fail (500); an ASGI
    # server gives such bytes as U+FFFD, and so does the front now.
    import fastapi
    import flask

    from dualweb.bridge import combine
    from dualweb.testing import client_for_app

    fallback = fastapi.FastAPI()

    @fallback.get("/files/{name}")
    def files(name: str):
        return {"name": name}

    client = client_for_app(combine(flask.Flask("front"), fallback))
    response = client.get("/files/%C0%AF")
    assert (response.status_code, response.json()) == (200, {"name": "\ufffd\ufffd"})


class _EndsEarly:
    """A WSGI server's input for a client that left after ``sent`` bytes of its body."""

    def __init__(self, sent: int) -> None:
        self._left = sent

    def read(self, size: int = -1) -> bytes:
        size = self._left if size < 0 else min(size, self._left)
        self._left -= size
        return b"x" * size


def _iterate_in_thread(iterable: Iterator[bytes]) -> list[Any]:
    """Iterate a WSGI response as a server's thread does; what ended it (within 10 s)."""
    ended: list[Any] = []

    def run() -> None:
        try:
            for _ in iterable:
                pass
            ended.append("end")
        except BaseException as exc:
            ended.append(exc)
        finally:
            iterable.close()  # type: ignore[attr-defined]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    return ended


def test_an_upload_that_ends_early_is_a_disconnect_for_an_asgi_fallback_behind_flask():
    # A WSGI server's input reads b"" when the client leaves mid-upload: a2wsgi passed that on
    # as empty chunks, more to come, for ever (the thread spun, the handler never ended).
    import flask
    from starlette.applications import Starlette
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from werkzeug.test import EnvironBuilder

    seen: list[str] = []

    async def upload(request: Request) -> JSONResponse:
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
        except ClientDisconnect:
            seen.append("disconnect")
            raise
        return JSONResponse({"size": size})

    fallback = Starlette(routes=[Route("/upload", upload, methods=["POST"])])
    bridge = combine(flask.Flask("front"), fallback)
    environ = EnvironBuilder("/upload", method="POST").get_environ()
    environ.update({"CONTENT_LENGTH": str(MB), "wsgi.input": _EndsEarly(MB // 2)})
    try:
        ended = _iterate_in_thread(iter(bridge(environ, lambda *args: None)))
        assert [type(what) for what in ended] == [ConnectionResetError], ended
        assert wait_until(lambda: seen == ["disconnect"]), seen
    finally:
        bridge.close()


def test_an_error_an_asgi_fallback_raises_after_its_answer_is_logged(caplog):
    # Starlette answers with the app's handler for Exception, then re-raises for the server
    # to log; a2wsgi had finished the response and dropped it, unseen.
    import fastapi
    import flask
    from starlette.responses import JSONResponse
    from werkzeug.test import EnvironBuilder

    async def handled(request: Any, exc: Exception) -> JSONResponse:
        return JSONResponse({"handled": type(exc).__name__}, status_code=500)

    fallback = fastapi.FastAPI(exception_handlers={Exception: handled})

    @fallback.get("/fail")
    def fail() -> dict:
        raise LookupError("handler failed")

    bridge = combine(flask.Flask("front"), fallback)
    statuses: list[str] = []
    try:
        response = bridge(
            EnvironBuilder("/fail").get_environ(), lambda status, *_: statuses.append(status)
        )
        assert (b"".join(response), statuses) == (
            b'{"handled":"LookupError"}',
            ["500 Internal Server Error"],
        )
        response.close()  # type: ignore[attr-defined]
    finally:
        bridge.close()
    logged = [r for r in caplog.records if r.name == "dualweb.bridge" and r.exc_info]
    assert [(r.levelname, repr(r.exc_info[1])) for r in logged] == [  # type: ignore[index]
        ("ERROR", "LookupError('handler failed')")
    ]

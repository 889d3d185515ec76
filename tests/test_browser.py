"""A real headless browser opens each host's docs pages, as they are served by default.

Debian's chromium (``scripts/install-browser`` installs it) loads ``/docs`` from a
real server on 127.0.0.1 (Werkzeug's for Flask, uvicorn for FastAPI and Starlette),
with every other host name made unresolvable, and the test reads the DOM Swagger UI
rendered: each operation of examples/app.py must be there. The page and its assets
must come from the local server alone: no CDN URL in the page, and the server must
have served the assets. A screenshot of each host's page is kept in test-artifacts/.

The chat example's page (examples/chat) is watched over chromium's DevTools pipe while
its reply streams in from a real server of each host.
"""

import base64
import contextlib
import importlib.util
import itertools
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests._servers import asgi_server, fetch, serving, wsgi_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_TIMEOUT = 90  # seconds of real time for one browser run
VIRTUAL_TIME_BUDGET = 20_000  # ms of page time: scripts and fetches settle well within it
# Every host but the test server's own address fails to resolve: a page that needed a
# CDN could not render, whatever the machine's network allows.
CLOSED_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"

#: The operations of examples/app.py, as Swagger UI shows them: path and summary.
OPERATIONS = {
    ("get", "/items", "List Items"),
    ("post", "/items", "Create Item"),
    ("get", "/items/{item_id}", "Read Item"),
    ("post", "/items/{item_id}/buy", "Buy"),
}


def require_chromium() -> None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: this test drives Debian's chromium. "
            f"Install it with scripts/install-browser (as root: apt-get install -y chromium)",
            pytrace=False,
        )


def example_app(host: str = "flask", **mount_options: Any) -> Any:
    """examples/app.py's router, mounted on a new app of ``host`` with ``mount_options``."""
    from dualweb.testing import build_app

    spec = importlib.util.spec_from_file_location("_browser_example", ROOT / "examples" / "app.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return build_app(example.router, host, **mount_options)


@contextlib.contextmanager
def recording_server(app: Any) -> Iterator[tuple[int, list[str]]]:
    """A real server for ``app`` (Werkzeug's for a Flask app, uvicorn for an ASGI one);
    yields its port and the paths it was asked for."""
    requested: list[str] = []
    lock = threading.Lock()

    def record(path: str) -> None:
        with lock:
            requested.append(path)

    if hasattr(app, "wsgi_app"):

        def recording(environ: dict[str, Any], start_response: Any) -> Any:
            record(environ.get("PATH_INFO", ""))
            return app.wsgi_app(environ, start_response)

        with wsgi_server(recording) as port:
            yield port, requested
        return

    async def recording_asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            record(scope["path"])
        await app(scope, receive, send)

    with asgi_server(recording_asgi) as port:
        yield port, requested


def browser_command(profile: str) -> list[str]:
    """Headless chromium with its own profile, on the closed network, doing nothing unasked."""
    return [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        CLOSED_NETWORK,
    ]


def chromium(*args: str, profile: str) -> str:
    """Run headless chromium with ``args``; returns its stdout, or fails with its output."""
    command = [*browser_command(profile), f"--virtual-time-budget={VIRTUAL_TIME_BUDGET}", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so all its helpers stop with it
    )
    try:
        out, err = process.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=10)
        pytest.fail(f"chromium did not finish in {CHROMIUM_TIMEOUT}s:\n{err.decode()[-3000:]}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # helpers left behind, if any
    assert process.returncode == 0, f"chromium exited {process.returncode}:\n{err.decode()[-3000:]}"
    return out.decode("utf-8", errors="replace")


class Rendered(HTMLParser):
    """What Swagger UI rendered: operations (method, path, summary) and asset URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.operations: set[tuple[str, str, str]] = set()
        self.urls: list[str] = []
        self._method = ""
        self._path = ""
        self._in_summary = False
        self._summary = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append(str(found[name]))
        if "opblock" in classes:
            methods = [c.removeprefix("opblock-") for c in classes if c.startswith("opblock-")]
            self._method = next((m for m in methods if m in _METHODS), "")
            self._path = ""
        if "opblock-summary-path" in classes:
            self._path = found.get("data-path") or ""
        if "opblock-summary-description" in classes:
            self._in_summary, self._summary = True, ""

    def handle_data(self, data: str) -> None:
        if self._in_summary:
            self._summary += data

    def handle_endtag(self, tag: str) -> None:
        if self._in_summary:
            self._in_summary = False
            self.operations.add((self._method, self._path, self._summary.strip()))


_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def rendered(dom: str) -> Rendered:
    parser = Rendered()
    parser.feed(dom)
    return parser


def local_only(urls: list[str]) -> list[str]:
    """The URLs that would leave the local server (absolute, or scheme-relative)."""
    return [url for url in urls if re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.IGNORECASE)]


@pytest.fixture
def profile() -> Iterator[str]:
    require_chromium()
    with tempfile.TemporaryDirectory(prefix="dualweb-chromium-") as tmp:
        yield tmp


#: Where the docs page screenshots are kept (one per host), for a person or CI to look at.
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.parametrize("host", ["flask", "fastapi", "starlette"])
def test_swagger_ui_renders_the_operations_offline_by_default(profile: str, host: str) -> None:
    # The pages as every host serves them by default, with no network but the server.
    with recording_server(example_app(host)) as (port, requested):
        status, _, page = fetch(port, "GET", "/docs")
        assert status == 200
        html = page.decode()
        assert "cdn" not in html.lower()
        assert local_only(rendered(html).urls) == []
        assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
            "/docs-assets/swagger-ui.css",
            "/docs-assets/swagger-ui-bundle.js",
        ]

        requested.clear()
        dom = chromium("--dump-dom", f"http://127.0.0.1:{port}/docs", profile=profile)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"docs-{host}.png"
        shot.unlink(missing_ok=True)
        chromium(
            f"--screenshot={shot}",
            "--window-size=1280,1600",
            "--hide-scrollbars",
            f"http://127.0.0.1:{port}/docs",
            profile=profile,
        )

    page_seen = rendered(dom)
    assert page_seen.operations == OPERATIONS, dom[-3000:]
    assert 'class="swagger-ui"' in dom
    assert "cdn" not in dom.lower()
    assert local_only(page_seen.urls) == [], page_seen.urls
    # The browser fetched the page, its assets and the document from the local server.
    for path in (
        "/docs",
        "/docs-assets/swagger-ui-bundle.js",
        "/docs-assets/swagger-ui.css",
        "/openapi.json",
    ):
        assert path in requested, requested
    assert_rendered_png(shot.read_bytes())


def test_the_network_is_closed_to_the_browser(profile: str) -> None:
    """The control: the same page loading Swagger UI from its CDN renders nothing here."""
    with recording_server(example_app(offline_docs=False)) as (port, requested):
        dom = chromium("--dump-dom", f"http://127.0.0.1:{port}/docs", profile=profile)
    assert "cdn.jsdelivr.net" in dom
    assert rendered(dom).operations == set()
    assert "opblock" not in dom
    assert "/openapi.json" not in requested  # Swagger UI never ran


def assert_rendered_png(data: bytes) -> None:
    """``data`` is a 1280x1600 PNG of a rendered page, not a blank image."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    assert data[12:16] == b"IHDR"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1600)
    assert len(data) > 10_000


# --- the chat example's page, watched while its reply streams in -------------------------


class DevTools:
    """Headless chromium driven over its DevTools pipe (``--remote-debugging-pipe``): a page
    can be watched while it changes, which ``--dump-dom`` cannot do (its virtual time may
    run out while a response body is still streaming in)."""

    def __init__(self, profile: str, log: Any) -> None:
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()
        command = [*browser_command(profile), "--remote-debugging-pipe", "about:blank"]
        # The browser reads commands on its fd 3 and writes replies on its fd 4 (bash puts
        # them there: dash takes one-digit descriptors only).
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}', *command],
            pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._ids = itertools.count(1)
        self._buffer = b""

    def send(self, method: str, session: str | None = None, **params: Any) -> Any:
        """Run one DevTools command (in a page's ``session``) and return its result."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == number:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, session: str, expression: str) -> Any:
        """The JSON value of a JavaScript ``expression`` in the page."""
        result = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return result["result"].get("value")

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + CHROMIUM_TIMEOUT
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._replies], [], [], deadline - time.monotonic())
            chunk = os.read(self._replies, 1 << 16) if ready else b""
            if not chunk:
                raise RuntimeError("chromium stopped answering")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            self.send("Browser.close")
        for fd in (self._commands, self._replies):
            os.close(fd)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # helpers left behind, if any
        self.process.wait(timeout=10)


@contextlib.contextmanager
def devtools(profile: str) -> Iterator[DevTools]:
    with tempfile.TemporaryFile() as log:
        browser = DevTools(profile, log)
        try:
            yield browser
        except BaseException:
            log.seek(0)
            print(log.read().decode(errors="replace")[-3000:])  # shown with the failure
            raise
        finally:
            browser.close()


def chat_example() -> Any:
    """examples/chat's package, importable as ``chat`` (as its own tests import it)."""
    folder = str(ROOT / "examples" / "chat")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import chat.api
    import chat.fastapi_app
    import chat.flask_app
    import chat.model

    return chat


#: The chat page's state: the turns' roles and text, the reply's token spans and the status.
CHAT_STATE = """({
  turns: [...document.querySelectorAll(".turn")].map(t => [t.classList[1], t.textContent]),
  tokens: [...document.querySelectorAll(".assistant .token")].map(t => t.textContent),
  status: document.getElementById("status")?.textContent ?? "",
})"""
REPLY = ["Reply", " 1:", " you", " said", " hello", " there"]


@pytest.mark.parametrize("host", ["flask", "fastapi"])
def test_the_chat_page_renders_tokens_as_they_arrive(profile: str, host: str) -> None:
    """examples/chat's page, on a real server of each host: the reply grows token by token
    in the browser (its token spans are seen at counts between none and all) and ends
    with the `done` event's status."""
    chat = chat_example()
    overrides = chat.api.router.dependency_overrides
    overrides[chat.api.get_model] = lambda: chat.model.FakeModel(delay=0.15)
    app = (chat.flask_app if host == "flask" else chat.fastapi_app).create_app()
    counts: list[int] = []
    try:
        with serving(app) as port, devtools(profile) as browser:
            target = browser.send("Target.createTarget", url="about:blank")["targetId"]
            page = browser.send("Target.attachToTarget", targetId=target, flatten=True)
            session = page["sessionId"]
            browser.send("Page.navigate", session, url=f"http://127.0.0.1:{port}/?q=hello there")
            deadline = time.monotonic() + CHROMIUM_TIMEOUT
            state = browser.evaluate(session, CHAT_STATE)
            while not state["status"].endswith("(stop)") and time.monotonic() < deadline:
                if not counts or counts[-1] != len(state["tokens"]):
                    counts.append(len(state["tokens"]))
                time.sleep(0.02)
                state = browser.evaluate(session, CHAT_STATE)
            shot = os.environ.get("DUALWEB_CHAT_SCREENSHOT")  # a path, to look at the page
            if shot:
                png = browser.send("Page.captureScreenshot", session, format="png")["data"]
                Path(shot).write_bytes(base64.b64decode(png))
    finally:
        del overrides[chat.api.get_model]
    assert state["status"] == "6 tokens (stop)", state
    assert state["turns"] == [["user", "hello there"], ["assistant", "".join(REPLY)]]
    assert state["tokens"] == REPLY
    assert [n for n in counts if 0 < n < len(REPLY)], counts  # seen while it streamed in


ROOM_STATE = """({
  log: [...document.querySelectorAll("#room-log li")].map(li => li.textContent),
  status: document.getElementById("room-status")?.textContent ?? "",
  shown: [...document.querySelectorAll("#room form")]
    .filter(form => form.offsetParent !== null).map(form => form.id),
})"""


@pytest.mark.parametrize("host", ["flask", "fastapi"])
def test_two_browser_pages_talk_in_the_chat_room(profile: str, host: str) -> None:
    """examples/chat's room, on a real server of each host (Werkzeug, uvicorn): two pages
    join over WebSockets, one speaks, both show it; the other leaves and it is told."""
    chat = chat_example()
    app = (chat.flask_app if host == "flask" else chat.fastapi_app).create_app()

    def wait_for(session: str, done: Any) -> Any:
        deadline = time.monotonic() + CHROMIUM_TIMEOUT
        state = browser.evaluate(session, ROOM_STATE)
        while not done(state) and time.monotonic() < deadline:
            time.sleep(0.05)
            state = browser.evaluate(session, ROOM_STATE)
        return state

    with serving(app) as port, devtools(profile) as browser:
        sessions = {}
        for user in ("ann", "bob"):
            target = browser.send("Target.createTarget", url="about:blank")["targetId"]
            page = browser.send("Target.attachToTarget", targetId=target, flatten=True)
            sessions[user] = (target, page["sessionId"])
            url = f"http://127.0.0.1:{port}/?user={user}"
            browser.send("Page.navigate", page["sessionId"], url=url)
            wait_for(page["sessionId"], lambda state, user=user: f"{user} joined" in state["log"])
        ann, bob = sessions["ann"][1], sessions["bob"][1]
        browser.evaluate(
            ann,
            'document.getElementById("said").value = "hello bob";'
            'document.getElementById("say").requestSubmit(); true',
        )
        heard = wait_for(bob, lambda state: "ann: hello bob" in state["log"])
        said = wait_for(ann, lambda state: "ann: hello bob" in state["log"])
        shot = os.environ.get("DUALWEB_ROOM_SCREENSHOT")  # a path, to look at the page
        if shot:
            png = browser.send("Page.captureScreenshot", bob, format="png")["data"]
            Path(f"{shot}-{host}.png").write_bytes(base64.b64decode(png))
        browser.send("Target.closeTarget", targetId=sessions["bob"][0])
        left = wait_for(ann, lambda state: "bob left" in state["log"])
    assert heard["log"] == ["bob joined", "ann: hello bob"], heard
    assert said["log"] == ["ann joined", "bob joined", "ann: hello bob"], said
    assert said["status"] == "in the lobby as ann"
    assert said["shown"] == ["say"]  # the join form gives way to the room's
    assert left["log"][-1] == "bob left", left

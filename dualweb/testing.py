"""Test a router on any host with one httpx-style client.

``TestClient(router, target)`` mounts ``router`` on a new Flask, FastAPI or
Starlette app and sends requests to it in-process. The client is an
``httpx2.Client`` and behaves the same whatever the target: the same base URL
(``http://testserver``), the same ``user-agent: testclient`` header, redirects
followed unless asked otherwise, cookies kept by the cookie rules of httpx
(``Secure`` ones sent over https only, unless ``secure_cookies_over_http=True``
asks for Flask's test client's way), and unhandled server exceptions raised in
the test. The pytest plugin (``dualweb.pytest_plugin``) runs a test once per
installed host with it.
"""

from __future__ import annotations

from ._extras import require

require("dualweb.testing", "testing", "httpx2")

import contextlib
import contextvars
import functools
import importlib
import inspect
from collections.abc import Mapping, Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, TypedDict, Unpack

import httpx2

from ._ws_client import ASGILink, WebSocketDenialResponse, WebSocketTestSession, WSGILink
from ._wsgi_client import CLIENT, WSGITransport
from .routing import Router

__all__ = [
    "HOSTS",
    "ClientOptions",
    "TestClient",
    "WebSocketDenialResponse",
    "WebSocketTestSession",
    "build_app",
    "client_for_app",
    "installed_hosts",
]

#: Every host dualweb serves on, by the name ``target`` takes.
HOSTS = ("flask", "fastapi", "starlette")

# What each host needs to import: its framework, then dualweb's host module.
_HOST_MODULES: dict[str, tuple[str, ...]] = {
    "flask": ("flask", "werkzeug", "dualweb.flask"),
    "fastapi": ("fastapi", "starlette", "dualweb.fastapi"),
    "starlette": ("starlette", "dualweb.starlette"),
}


def host_import_error(target: str) -> ImportError | None:
    """Why ``target`` cannot be served here (its framework does not import), or ``None``."""
    if target not in _HOST_MODULES:
        raise ValueError(f"unknown target {target!r}; expected one of {', '.join(HOSTS)}")
    for module in _HOST_MODULES[target]:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            return exc
    return None


def installed_hosts() -> tuple[str, ...]:
    """The hosts whose frameworks import in this environment, in ``HOSTS`` order."""
    return tuple(name for name in HOSTS if host_import_error(name) is None)


def build_app(router: Router, target: str, **mount_kwargs: Any) -> Any:
    """A new app of the ``target`` framework serving ``router``."""
    if target == "flask":
        import flask

        from . import flask as host_flask

        flask_app = flask.Flask("dualweb_test")
        host_flask.mount(flask_app, router, **mount_kwargs)
        return flask_app
    if target == "fastapi":
        import fastapi

        from . import fastapi as host_fastapi

        fastapi_app = fastapi.FastAPI()
        host_fastapi.mount(fastapi_app, router, **mount_kwargs)
        return fastapi_app
    if target == "starlette":
        import starlette.applications

        from . import starlette as host_starlette

        starlette_app = starlette.applications.Starlette()
        host_starlette.mount(starlette_app, router, **mount_kwargs)
        return starlette_app
    raise ValueError(f"unknown target {target!r}; expected one of {', '.join(HOSTS)}")


@functools.cache
def _takes_client(client_class: type) -> bool:
    return "client" in inspect.signature(client_class).parameters


def _is_asgi(app: Any) -> bool:
    if hasattr(app, "wsgi_app"):  # a Flask app
        return False
    if inspect.iscoroutinefunction(app):
        return True
    call = type(app).__call__ if callable(app) else None
    return inspect.iscoroutinefunction(call)


class _ASGITransport(httpx2.BaseTransport):
    """Sends each request through Starlette's test client (ASGI apps, lifespan, portals)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        # The outer client owns cookies, redirects and auth; this hop only delivers.
        # NOTE: in a context of its own, as a server's request is: Starlette's client
        # would carry the test's context variables into the app (a Flask app context
        # a test pushed, say), and a test would pass where a server fails.
        response: httpx2.Response = contextvars.Context().run(
            self.client.send, request, stream=True, follow_redirects=False
        )
        return response

    def close(self) -> None:
        self.client.close()


class ClientOptions(TypedDict, total=False):
    """The options of every ``TestClient``, whether it mounts a router or serves an app."""

    raise_server_exceptions: bool
    base_url: str
    follow_redirects: bool
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None
    cookies: Any
    secure_cookies_over_http: bool
    root_path: str


def _cookies_over_http() -> DefaultCookiePolicy:
    """A cookie policy that sends Secure cookies over http too, as Werkzeug's test client does."""
    return DefaultCookiePolicy(secure_protocols=("https", "wss", "http", "ws"))


class _Cookies(httpx2.Cookies):
    # NOTE: httpx2 before 2.10 reads every response's cookies through a copy of its
    # request made header by header, each found by a scan of all of them: a request of
    # 10,000 headers took seconds. A response without Set-Cookie has nothing to read.
    def extract_cookies(self, response: httpx2.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class TestClient(httpx2.Client):
    """An httpx client whose requests ``router`` serves in-process on ``target``.

    ``target`` is ``"flask"``, ``"fastapi"`` or ``"starlette"``; other keyword
    arguments (``prefix``, and the docs keywords of Flask and Starlette) go to
    the host's ``mount``. ``client.app`` is the host app, for adding native
    routes or hooks, and ``client.target`` the host's name.

    Unhandled server exceptions are raised in the test unless
    ``raise_server_exceptions=False``, which shows the host's own 500 instead.
    A cookie set with ``Secure`` is kept but sent over https only, as FastAPI's
    and Starlette's clients do (httpx follows the cookie rules);
    ``secure_cookies_over_http=True`` sends it to ``http://testserver`` too, as
    Flask's test client does. ``root_path`` serves the app under that root path, as
    FastAPI's ``TestClient(app, root_path=...)`` does (ASGI ``root_path``, WSGI
    ``SCRIPT_NAME``). Every host sees the client as ``testclient``, port 50000.

    Use the client as a context manager to run the app's lifespan (startup on
    entering, shutdown on leaving), on every host, as Starlette's client does:
    also after requests were sent without it, and again after it ended. The
    client stays usable after ``with`` (``close()`` ends it); a ``with`` inside
    another on the same client does not run the lifespan a second time.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    app: Any
    target: str

    def __init__(
        self,
        router: Router,
        target: str = "flask",
        *,
        raise_server_exceptions: bool = True,
        base_url: str = "http://testserver",
        follow_redirects: bool = True,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        cookies: Any = None,
        secure_cookies_over_http: bool = False,
        root_path: str = "",
        **mount_kwargs: Any,
    ) -> None:
        if not isinstance(router, Router):
            raise TypeError(
                f"TestClient takes a dualweb Router, not {type(router).__name__}; "
                "use client_for_app(app) for an app"
            )
        error = host_import_error(target)
        if error is not None:
            raise ImportError(
                f"dualweb cannot serve on {target!r} here: {error} (install 'dualweb[{target}]')"
            ) from error
        app = build_app(router, target, **mount_kwargs)
        self._setup(
            app,
            target,
            raise_server_exceptions=raise_server_exceptions,
            base_url=base_url,
            follow_redirects=follow_redirects,
            headers=headers,
            cookies=cookies,
            secure_cookies_over_http=secure_cookies_over_http,
            root_path=root_path,
        )

    @classmethod
    def for_app(cls, app: Any, **options: Unpack[ClientOptions]) -> TestClient:
        """A client of an existing app: Flask or any WSGI app, FastAPI, Starlette or any ASGI
        app (a ``dualweb.bridge.combine`` result included), with ``TestClient``'s options."""
        client = cls.__new__(cls)
        client._setup(app, None, **options)
        return client

    def _setup(
        self,
        app: Any,
        target: str | None,
        *,
        raise_server_exceptions: bool = True,
        base_url: str = "http://testserver",
        follow_redirects: bool = True,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        cookies: Any = None,
        secure_cookies_over_http: bool = False,
        root_path: str = "",
    ) -> None:
        self.app = app
        self._asgi_client: Any = None
        self._socket_portals = contextlib.ExitStack()
        self._socket_portal: Any = None
        self._flask_lifespan: Any = None
        self._entered = 0
        self._cookie_policy = _cookies_over_http() if secure_cookies_over_http else None
        transport: httpx2.BaseTransport
        if _is_asgi(app):
            from starlette.testclient import TestClient as StarletteClient

            # NOTE: Starlette's TestClient takes client= from 0.44 on; before, it sent
            # the same address, ("testclient", 50000), without being asked.
            named: dict[str, Any] = {"client": CLIENT} if _takes_client(StarletteClient) else {}
            self._asgi_client = StarletteClient(
                app,
                base_url=base_url,
                raise_server_exceptions=raise_server_exceptions,
                root_path=root_path,
                **named,
            )
            transport = _ASGITransport(self._asgi_client)
            kind = "fastapi" if type(app).__module__.startswith("fastapi") else "starlette"
        else:
            if hasattr(app, "wsgi_app"):
                app.testing = raise_server_exceptions
                if "dualweb" in getattr(app, "extensions", {}):
                    from .flask import _process_lifespan

                    # As Starlette's client does: the lifespan runs inside `with` only.
                    self._flask_lifespan = _process_lifespan(app)
                    self._flask_lifespan.lazy = False
            transport = WSGITransport(
                app, raise_app_exceptions=raise_server_exceptions, root_path=root_path
            )
            kind = "flask" if hasattr(app, "wsgi_app") else "wsgi"
        self.target = target or kind
        default_headers = httpx2.Headers(headers)
        default_headers.setdefault("user-agent", "testclient")
        super().__init__(
            base_url=base_url,
            headers=default_headers,
            cookies=cookies,
            transport=transport,
            follow_redirects=follow_redirects,
        )
        self.cookies = self._cookies  # (as _Cookies, with the client's policy)

    # httpx replaces the jar when cookies are assigned; the policy the client was made
    # with goes with every jar it has.
    @property
    def cookies(self) -> httpx2.Cookies:
        """Cookie values to include when sending requests."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._cookies = _Cookies(cookies)
        if self._cookie_policy is not None:
            self._cookies.jar.set_policy(self._cookie_policy)

    # NOTE: httpx2 before 2.17 copies the client's cookies into a jar of the default
    # policy for each request (before 2.16 also without per-request cookies, and for each
    # redirect), so Secure cookies stayed behind over http. A request's cookies are a jar
    # of the client's policy here (httpx2 sends a CookieJar as it is, not a copy), and a
    # redirect's Cookie header, which httpx2 always makes from the client's cookies, is
    # made again from the client's jar.
    def _merge_cookies(self, cookies: Any = None) -> Any:
        merged = super()._merge_cookies(cookies)
        if self._cookie_policy is None or not merged:
            return merged
        jar = CookieJar(self._cookie_policy)
        for cookie in httpx2.Cookies(merged).jar:
            jar.set_cookie(cookie)
        return jar

    def _build_redirect_request(
        self, request: httpx2.Request, response: httpx2.Response
    ) -> httpx2.Request:
        redirect = super()._build_redirect_request(request, response)
        if self._cookie_policy is not None:
            redirect.headers.pop("cookie", None)
            self._cookies.set_cookie_header(redirect)
        return redirect

    def websocket_connect(
        self, url: str, subprotocols: Sequence[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        """A WebSocket session to the app, on every host, as Starlette's test client
        gives (``with client.websocket_connect("/ws") as websocket: ...``).

        ``kwargs`` are a request's (``headers``, ``cookies``, ``params``); the
        client's own headers and cookies go too. A close before ``accept`` raises
        ``dualweb.WebSocketDisconnect`` with the app's code and reason, an HTTP
        answer ``WebSocketDenialResponse``; the app's unhandled exceptions are
        raised in the test.
        """
        headers = httpx2.Headers(kwargs.pop("headers", None))
        headers.setdefault("connection", "upgrade")
        headers.setdefault("upgrade", "websocket")
        headers.setdefault("sec-websocket-key", "testserver==")
        headers.setdefault("sec-websocket-version", "13")
        if subprotocols is not None:
            headers.setdefault("sec-websocket-protocol", ", ".join(subprotocols))
        if url.startswith(("ws://", "wss://")):
            url = "http" + url[2:]  # the handshake is an HTTP request
        request = self.build_request("GET", url, headers=headers, **kwargs)
        if self._asgi_client is None:
            transport = self._transport
            if not isinstance(transport, WSGITransport):
                raise RuntimeError("this client has no app to connect to")
            return WebSocketTestSession(WSGILink(transport.app, transport.environ(request)))
        from starlette.testclient import _Upgrade

        secure = request.url.scheme == "https"
        request.url = request.url.copy_with(scheme="wss" if secure else "ws")
        try:
            self.send(request)
        except _Upgrade as upgrade:
            found = upgrade.session
            link = ASGILink(found.app, dict(found.scope), self._portal_for_sockets)
            return WebSocketTestSession(link)
        raise RuntimeError("the app did not take the WebSocket upgrade")  # pragma: no cover

    def _portal_for_sockets(self) -> contextlib.AbstractContextManager[Any]:
        # Every socket of this client runs on one event loop, as on a server (a handler
        # may send on another client's socket): the lifespan's, inside `with`, else one
        # kept until the client closes. (Starlette's client starts one per session.)
        portal = self._asgi_client.portal
        if portal is None:
            if self._socket_portal is None:
                import anyio.from_thread

                started = anyio.from_thread.start_blocking_portal(**self._asgi_client.async_backend)
                self._socket_portal = self._socket_portals.enter_context(started)
            portal = self._socket_portal
        return contextlib.nullcontext(portal)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._socket_portals.close()
            self._socket_portal = None

    # NOTE: as Starlette's client, `with` runs the lifespan and nothing else: it neither
    # refuses a client that has sent requests (httpx's own `__enter__` does) nor closes the
    # client on leaving.
    def __enter__(self) -> TestClient:
        if self.is_closed:
            raise RuntimeError("Cannot reopen a client instance, once it has been closed.")
        if self._entered == 0:
            if self._asgi_client is not None:
                # (A context of its own, as a server gives the lifespan.)
                contextvars.Context().run(self._asgi_client.__enter__)  # portal, startup
            elif self._flask_lifespan is not None:
                self._flask_lifespan.start()
        self._entered += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._entered -= 1
        if self._entered > 0:
            return
        if self._asgi_client is not None:
            self._asgi_client.__exit__(exc_type, exc_value, traceback)  # lifespan shutdown
        elif self._flask_lifespan is not None:
            self._flask_lifespan.stop()


def client_for_app(app: Any, **options: Unpack[ClientOptions]) -> TestClient:
    """A ``TestClient`` for an existing Flask, FastAPI or Starlette app (or any WSGI/ASGI
    app), with ``TestClient``'s options (``follow_redirects``, ``headers``, ``cookies`` ...)."""
    return TestClient.for_app(app, **options)

"""The test client's way into a WSGI app: the environ a real server would make.

httpx's own ``WSGITransport`` keeps the last of a repeated header, names the client
``127.0.0.1``, and raises an error that cuts a streamed body short into the test even
when asked not to. This one gives the app what gunicorn and Werkzeug's server give it
(a repeated header's values joined with ``,``), names the client as Starlette's test
client names it (``testclient``, port 50000), serves the app under a root path
(``SCRIPT_NAME``, as gunicorn does), and, when server exceptions are not raised, ends a
stream where the app's error cut it, as the ASGI test client does.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx2

__all__ = ["CLIENT", "WSGITransport"]

#: The client address the test clients give an app: Starlette's test client's.
CLIENT = ("testclient", 50000)


class _Body(httpx2.SyncByteStream):
    """The app's response body, closed as a server closes it."""

    def __init__(self, result: Iterable[bytes], raise_app_exceptions: bool) -> None:
        self._result = result
        self._chunks = self._iterate(result, raise_app_exceptions)
        self._first: list[bytes] = []

    @staticmethod
    def _iterate(result: Iterable[bytes], raise_app_exceptions: bool) -> Iterator[bytes]:
        try:
            for chunk in result:
                if chunk:
                    yield chunk
        except Exception:
            if raise_app_exceptions:
                raise
            # NOTE: a server logs the error and ends the response where it was cut, and
            # so does Starlette's test client (the body so far, no error in the test).

    def prime(self) -> None:
        """Pull the first chunk now (an app may start its response there)."""
        self._first = [next(self._chunks, b"")]

    def __iter__(self) -> Iterator[bytes]:
        yield from self._first
        yield from self._chunks

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


class WSGITransport(httpx2.BaseTransport):
    """Sends each request to a WSGI app in-process, with the environ of a real server."""

    def __init__(
        self, app: Callable[..., Any], *, raise_app_exceptions: bool = True, root_path: str = ""
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path.rstrip("/")

    def environ(self, request: httpx2.Request) -> dict[str, Any]:
        """The WSGI environ of ``request``."""
        url = request.url
        # NOTE: PATH_INFO is the path's bytes, percent-decoded, as latin-1 text, as
        # gunicorn and Werkzeug's server give it (PEP 3333); httpx's ``url.path`` has
        # decoded them as UTF-8 already, which no server does (and a character beyond
        # latin-1 cannot be a WSGI string at all).
        path = unquote_to_bytes(url.raw_path.partition(b"?")[0]).decode("latin-1")
        root = self.root_path
        if root and (path == root or path.startswith(root + "/")):
            # The full path, as a proxy that keeps the prefix sends it: the server takes
            # the root path off (gunicorn with SCRIPT_NAME; Starlette's router for ASGI).
            path = path[len(root) :]
        port = url.port or {"http": 80, "https": 443}[url.scheme]
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(request.content),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            # NOTE: the input holds the whole body and ends with it, as gunicorn and
            # Werkzeug's server say of theirs; without it, Werkzeug reads a chunked
            # body (no Content-Length) as empty.
            "wsgi.input_terminated": True,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": root,
            "PATH_INFO": path,
            "QUERY_STRING": url.query.decode("ascii"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": CLIENT[0],
            "REMOTE_PORT": str(CLIENT[1]),
        }
        if "chunked" in request.headers.get("transfer-encoding", "").lower():
            # A body without a length: the server gives the app an input that ends where
            # the body ends, and says so (gunicorn and Werkzeug's server do).
            environ["wsgi.input_terminated"] = True
        elif request.content and "content-length" not in request.headers:
            environ["CONTENT_LENGTH"] = str(len(request.content))
        # (The header's bytes as latin-1 text, as a server puts them in the environ: httpx's
        # own reading would take valid UTF-8 for text.)
        for raw_name, raw_value in request.headers.raw:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            # A repeated header's values joined with ",", as gunicorn and Werkzeug's
            # server join them (WSGI has one variable per name).
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        started: list[tuple[str, list[tuple[str, str]], Any]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            started.append((status, headers, exc_info))
            return lambda _: None

        result = self.app(self.environ(request), start_response)
        body = _Body(result, self.raise_app_exceptions)
        if not started:
            body.prime()  # (a WSGI app may call start_response at its body's first chunk)
        if not started:
            # The app failed before it answered (its error not raised into the test): a
            # server sends its own 500, as Starlette's test client does.
            return httpx2.Response(500, text="Internal Server Error")
        status, headers, exc_info = started[-1]
        if exc_info and exc_info[0] and self.raise_app_exceptions:
            raise exc_info[1]
        return httpx2.Response(
            int(status.split()[0]),
            headers=[(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers],
            stream=body,
        )

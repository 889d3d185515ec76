"""What dualweb's TestClient hands an app, on every host, as FastAPI's TestClient does:
repeated headers, the client's address, a root path, and a stream an error cuts short."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests._helpers import fastapi_has, installed_below, starlette_has
from tests.conftest import native_client


def build(api: Any) -> Any:
    router = api.Router()

    @router.get("/echo")
    def echo(request: api.Request, x_token: list[str] | None = api.Header(None)):
        return {
            "x_token": x_token,
            "client": [request.client.host, request.client.port],
            "root_path": request.scope["root_path"],
            "base_url": str(request.base_url),
            "url_for": str(request.url_for("echo")),
        }

    return router


def build_cut(api: Any) -> Any:
    router = api.Router()

    @router.get("/cut")
    def cut() -> Iterator[int]:
        yield 1
        raise RuntimeError("boom")

    return router


def test_repeated_headers_and_the_clients_address(parity):
    parity(build, [("GET", "/echo", {"headers": [("x-token", "foo"), ("x-token", "bar")]})])


@pytest.mark.parametrize("url", ["/echo", "/api/v1/echo"])
def test_root_path_option(parity, fastapi_ns, url):
    # FastAPI's TestClient(app, root_path=...) is the server's root path: the app sees it
    # in the scope, its links and its document, and matches paths with it or without.
    ours = parity.client(build, root_path="/api/v1")
    theirs = native_client(build, fastapi_ns, root_path="/api/v1")
    assert ours.get(url).json() == theirs.get(url).json()
    document = ours.get("/openapi.json").json()
    assert document == theirs.get("/openapi.json").json()
    assert document["servers"] == [{"url": "/api/v1"}]


def test_root_path_option_of_an_apps_client(host):
    from dualweb.testing import build_app, client_for_app
    from tests.conftest import DUALWEB

    client = client_for_app(build_app(build(DUALWEB), host), root_path="/api/v1")
    assert client.get("/echo").json()["url_for"] == "http://testserver/api/v1/echo"


#: Starlette 1.9's test client streams the response: an error that cuts it short leaves
#: the body so far; before, it reads its buffer from the end and the body is empty.
STARLETTE_STREAMING_CLIENT = "1.9.0"


def test_an_error_that_cuts_a_stream_short(host, serve):
    # Without raising server exceptions: the body so far, as a server sends it.
    got = serve(build_cut, raise_server_exceptions=False).get("/cut").content
    if host == "flask" or not installed_below("starlette", STARLETTE_STREAMING_CLIENT):
        assert got == b"1\n"
    else:  # on the ASGI hosts, an older Starlette's test client (native FastAPI's too)
        assert got == b""
    # Raised in the test otherwise, on every host.
    with pytest.raises(RuntimeError, match="boom"):
        serve(build_cut).get("/cut")


@fastapi_has("0.134.0", "streams a generator endpoint as JSON Lines")
@starlette_has(STARLETTE_STREAMING_CLIENT, "test client keeps the body an error cuts short")
def test_an_error_that_cuts_a_stream_short_like_fastapi(parity):
    [response] = parity(build_cut, [("GET", "/cut")], raise_server_exceptions=False)
    assert response.content == b"1\n"

"""Fixtures: every behaviour test runs on each host, and is compared with native FastAPI.

A test writes its handlers once inside ``build(api)``, where ``api`` is either
the ``dualweb`` vocabulary or FastAPI's (with ``Router`` standing for
``APIRouter``). The ``parity`` fixture serves the dualweb build on the host of
the current parameter and the FastAPI build on FastAPI itself, sends the same
requests to both and asserts that status, headers and body agree.
"""

import json
import types
from collections.abc import Callable, Iterable
from typing import Any

import pytest

import dualweb
import dualweb.exception_handlers
import dualweb.exceptions
import dualweb.responses
from dualweb.testing import TestClient, client_for_app
from tests._helpers import installed_below


def _dualweb_namespace() -> types.SimpleNamespace:
    ns = types.SimpleNamespace(**{name: getattr(dualweb, name) for name in dualweb.__all__})
    ns.native = False
    for module in (dualweb.responses, dualweb.exceptions, dualweb.exception_handlers):
        for name in module.__all__:
            setattr(ns, name, getattr(module, name))
    return ns


def _fastapi_namespace() -> types.SimpleNamespace:
    import fastapi
    import fastapi.exception_handlers
    import fastapi.exceptions
    import fastapi.responses

    ns = types.SimpleNamespace()
    for module in (fastapi.responses, fastapi.exceptions, fastapi.exception_handlers, fastapi):
        for name in dir(module):
            if not name.startswith("_"):
                setattr(ns, name, getattr(module, name))
    ns.Router = fastapi.APIRouter
    ns.native = True
    return ns


DUALWEB = _dualweb_namespace()


@pytest.fixture(scope="session")
def fastapi_ns() -> types.SimpleNamespace:
    return _fastapi_namespace()


@pytest.fixture
def host(dualweb_host: str) -> str:
    """The name of the host the test runs on: dualweb's pytest plugin parametrizes
    ``dualweb_host`` over every installed host (ids flask, fastapi, starlette)."""
    return dualweb_host


@pytest.fixture
def serve(host: str) -> Callable[..., Any]:
    """``serve(router_or_build, **mount_kwargs)`` -> a client of it on the current host."""

    def make(router_or_build: Any, **kwargs: Any) -> Any:
        router = router_or_build(DUALWEB) if callable(router_or_build) else router_or_build
        return TestClient(router, host, **kwargs)

    return make


def native_client(build: Callable[[Any], Any], fastapi_ns: Any, **kwargs: Any) -> Any:
    import fastapi

    app = fastapi.FastAPI()
    router = build(fastapi_ns)
    app.include_router(router)
    for key, handler in getattr(router, "_test_exception_handlers", {}).items():
        app.add_exception_handler(key, handler)
    return client_for_app(app, **kwargs)


_IGNORED_HEADERS = {"date", "server"}


def _headers(response: Any) -> list[tuple[str, str]]:
    return sorted(
        (k.lower(), v)
        for k, v in response.headers.multi_items()
        if k.lower() not in _IGNORED_HEADERS
    )


def _body(response: Any) -> Any:
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            return json.loads(response.content)
        except ValueError:
            pass
    return response.content


Request = tuple[str, str] | tuple[str, str, dict[str, Any]]


NEXT_HOST = {"flask": "fastapi", "fastapi": "starlette", "starlette": "flask"}


class Parity:
    """Sends requests to dualweb on one host and to native FastAPI, and compares."""

    def __init__(self, host: str, fastapi_ns: Any) -> None:
        self.host = host
        self.fastapi_ns = fastapi_ns

    def reference(
        self, build: Callable[[Any], Any], fastapi_from: str | None = None, **kwargs: Any
    ) -> Any:
        """The client the answers are compared with: native FastAPI serving the build, or,
        below ``fastapi_from`` (the first FastAPI that takes the build's source; the floor,
        docs/versions.md), dualweb on the next host (flask, fastapi, starlette, round): every
        host must still agree, and the test's own assertions still hold."""
        if fastapi_from is not None and installed_below("fastapi", fastapi_from):
            return TestClient(build(DUALWEB), NEXT_HOST[self.host], **kwargs)
        return native_client(build, self.fastapi_ns, **kwargs)

    def client(self, build: Callable[[Any], Any], **kwargs: Any) -> Any:
        """A client of the dualweb build on this host alone."""
        return TestClient(build(DUALWEB), self.host, **kwargs)

    def __call__(
        self,
        build: Callable[[Any], Any],
        requests: Iterable[Request],
        *,
        compare_headers: bool = True,
        raise_server_exceptions: bool = True,
        fastapi_from: str | None = None,
    ) -> list[Any]:
        """``fastapi_from``: as ``reference``'s."""
        ours = TestClient(
            build(DUALWEB), self.host, raise_server_exceptions=raise_server_exceptions
        )
        theirs = self.reference(
            build, fastapi_from, raise_server_exceptions=raise_server_exceptions
        )
        results = []
        for spec in requests:
            method, url = spec[0], spec[1]
            kwargs: dict[str, Any] = dict(spec[2]) if len(spec) > 2 else {}  # type: ignore[misc]
            got = ours.request(method, url, **kwargs)
            want = theirs.request(method, url, **kwargs)
            where = f"{method} {url} {kwargs or ''} on {self.host}"
            assert got.status_code == want.status_code, (where, got.content, want.content)
            assert _body(got) == _body(want), where
            if compare_headers:
                assert _headers(got) == _headers(want), where
            results.append(got)
        return results


@pytest.fixture
def parity(host: str, fastapi_ns: Any) -> Parity:
    """Compare the dualweb build on the current host with the FastAPI build on FastAPI."""
    return Parity(host, fastapi_ns)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked ``long`` run only when ``-m`` names them (``-m long``); otherwise they
    are deselected (their short forms run), not reported as skipped."""
    if "long" in (config.getoption("markexpr") or ""):
        return
    kept = [item for item in items if "long" not in item.keywords]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept

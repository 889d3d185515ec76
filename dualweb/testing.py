"""Test a router on any host with one httpx-style client."""

from __future__ import annotations

from typing import Any

from .routing import Router

__all__ = ["HOSTS", "TestClient", "build_app"]

#: Every host dualweb serves on, by the name ``target`` takes.
HOSTS = ("flask", "fastapi", "starlette")


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


def TestClient(
    router: Router,
    target: str = "flask",
    *,
    raise_server_exceptions: bool = True,
    base_url: str = "http://testserver",
    **mount_kwargs: Any,
) -> Any:
    """An httpx client whose requests are served in-process by ``router`` on ``target``.

    The client's ``app`` attribute is the host app, for adding native routes or
    hooks. Unhandled server exceptions are raised in the test unless
    ``raise_server_exceptions=False``, which shows the host's own 500 instead.
    """
    app = build_app(router, target, **mount_kwargs)
    return client_for_app(app, raise_server_exceptions=raise_server_exceptions, base_url=base_url)


def client_for_app(
    app: Any, *, raise_server_exceptions: bool = True, base_url: str = "http://testserver"
) -> Any:
    """An httpx client for an existing Flask, FastAPI or Starlette app."""
    import httpx2

    if hasattr(app, "wsgi_app"):
        app.testing = raise_server_exceptions
        client: Any = httpx2.Client(
            transport=httpx2.WSGITransport(app=app, raise_app_exceptions=raise_server_exceptions),
            base_url=base_url,
        )
    else:
        from starlette.testclient import TestClient as StarletteClient

        client = StarletteClient(
            app, base_url=base_url, raise_server_exceptions=raise_server_exceptions
        )
    client.app = app
    return client

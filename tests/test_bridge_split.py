"""``combine`` warns at build time of a path whose methods the two apps split: the primary
owns the path, so a method only the fallback has there is the primary's 405."""

import re
import warnings

import pytest

from dualweb import Router
from dualweb.bridge import SplitPathWarning, combine
from dualweb.testing import client_for_app


def fastapi_app(routes):
    """A FastAPI app with a route per ``{path: [methods]}``."""
    import fastapi

    app = fastapi.FastAPI()
    for path, methods in routes.items():
        app.add_api_route(path, _answer("fastapi"), methods=methods)  # path params unread
    return app


def flask_app(routes):
    """A Flask app with a rule per ``{path: [methods]}`` (``{item_id}`` as ``<int:item_id>``)."""
    import flask

    app = flask.Flask("split", static_folder=None)
    for path, methods in routes.items():
        rule = path.replace("{item_id}", "<int:item_id>")
        app.add_url_rule(rule, rule, lambda **_: {"side": "flask"}, methods=methods)
    return app


def _answer(side):
    def answer():
        return {"side": side}

    return answer


def _split(primary, fallback):
    with pytest.warns(SplitPathWarning) as caught:
        bridge = combine(primary, fallback)
    assert {w.filename for w in caught} == {__file__}  # the warning points at combine's caller
    return bridge, [str(w.message) for w in caught]


def test_asgi_front_names_a_path_with_a_method_left_in_the_flask_fallback():
    bridge, messages = _split(
        fastapi_app({"/items": ["GET"]}), flask_app({"/items": ["GET", "POST"]})
    )
    assert messages == [
        "combine: POST /items is routed by the fallback, but the primary routes /items (GET) "
        "and answers it with 405 Method Not Allowed: the fallback never sees it. Move all of "
        "a path's methods to the primary together."
    ]
    client = client_for_app(bridge)
    assert client.get("/items").json() == {"side": "fastapi"}
    response = client.post("/items")  # what the warning says: the primary's 405
    assert (response.status_code, response.headers["allow"]) == (405, "GET")


def test_wsgi_front_names_a_path_with_a_method_left_in_the_fastapi_fallback():
    bridge, messages = _split(
        flask_app({"/items/{item_id}": ["GET"]}),
        fastapi_app({"/items/{item_id}": ["GET", "PUT", "DELETE"]}),
    )
    assert len(messages) == 1
    assert messages[0].startswith(
        "combine: DELETE, PUT /items/{item_id} is routed by the fallback, but the primary "
        "routes /items/<int:item_id> (GET) and answers them with 405"
    )
    try:
        client = client_for_app(bridge)
        assert client.get("/items/3").json() == {"side": "flask"}
        assert client.put("/items/3").status_code == 405
    finally:
        bridge.close()


def test_two_apps_of_one_kind_too():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def answer(request):
        return JSONResponse({"side": "starlette"})

    fallback = Starlette(routes=[Route("/items", answer, methods=["GET", "PATCH"])])
    assert _split(fastapi_app({"/items": ["GET"]}), fallback)[1][0].startswith(
        "combine: PATCH /items"
    )
    assert _split(flask_app({"/items": ["POST"]}), flask_app({"/items": ["GET"]}))[1][0].startswith(
        "combine: GET /items is routed by the fallback, but the primary routes /items (POST)"
    )


def test_dualweb_routers_and_mounted_apps_on_either_side():
    import fastapi
    import flask
    from starlette.applications import Starlette
    from starlette.routing import Mount

    import dualweb.fastapi
    import dualweb.flask
    import dualweb.starlette

    def router(*methods):
        router = Router()
        router.api_route("/books/{book_id}", methods=list(methods))(_answer("dualweb"))
        return router

    moved = fastapi.FastAPI()
    dualweb.fastapi.mount(moved, router("GET"), prefix="/dw")
    legacy = flask.Flask("legacy", static_folder=None)
    dualweb.flask.mount(legacy, router("GET", "POST"), prefix="/dw")
    assert re.match(  # the Flask side's rule, as Flask has it
        r"combine: POST /dw/books/<\w+:\w+> is routed by the fallback, but the primary "
        r"routes /dw/books/\{book_id\} \(GET\)",
        _split(moved, legacy)[1][0],
    )
    starlette_app = Starlette()
    dualweb.starlette.mount(starlette_app, router("GET"), openapi_url=None)
    outer = Starlette(routes=[Mount("/v2", app=starlette_app)])
    other = fastapi.FastAPI()
    dualweb.fastapi.mount(other, router("GET", "DELETE"), prefix="/v2")
    assert _split(outer, other)[1][0].startswith("combine: DELETE /v2/books/{book_id}")


def test_a_fixed_path_is_tried_on_the_primarys_own_routing():
    # /items/new is matched by the FastAPI primary's /items/{item_id}: its 405.
    bridge, messages = _split(
        fastapi_app({"/items/{item_id}": ["GET"]}), flask_app({"/items/new": ["POST"]})
    )
    assert messages[0].startswith(
        "combine: POST /items/new is routed by the fallback, but the primary routes "
        "/items/new (GET) and answers it with 405"
    )
    assert client_for_app(bridge).post("/items/new").status_code == 405
    # Flask's int converter does not match "new": that request reaches the fallback, and
    # nothing is said.
    bridge = combine(
        flask_app({"/items/{item_id}": ["GET"]}), fastapi_app({"/items/new": ["POST"]})
    )
    try:
        assert client_for_app(bridge).post("/items/new").json() == {"side": "fastapi"}
    finally:
        bridge.close()


def test_nothing_is_said_when_no_path_is_split():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A path moved whole: the fallback's old route is shadowed, not split.
        combine(fastapi_app({"/items": ["GET", "POST"]}), flask_app({"/items": ["GET", "POST"]}))
        # HEAD and OPTIONS, which Flask adds to every rule, are not a split.
        combine(fastapi_app({"/items": ["GET"]}), flask_app({"/items": ["GET"]}))
        # Different paths.
        combine(fastapi_app({"/new": ["GET"]}), flask_app({"/old": ["POST"]}))
        # A table that cannot be read: a plain ASGI or WSGI callable, or match=.
        combine(fastapi_app({"/items": ["GET"]}), _plain_wsgi)
        combine(_plain_asgi, flask_app({"/items": ["POST"]}), match=lambda scope: True)
        combine(
            fastapi_app({"/items": ["GET"]}),
            flask_app({"/items": ["POST"]}),
            match=lambda scope: True,
        )


def test_a_route_that_cannot_be_asked_does_not_stop_combine():
    from starlette.applications import Starlette
    from starlette.routing import BaseRoute

    class Odd(BaseRoute):
        def matches(self, scope):
            raise KeyError("a key this route expects")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        combine(Starlette(routes=[Odd()]), flask_app({"/items": ["POST"]}))


def _plain_wsgi(environ, start_response):
    start_response("200 OK", [])
    return [b"plain"]


async def _plain_asgi(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"plain"})

"""What the Flask host hands Flask, and takes from it, around the core's work."""

import functools
import io
from typing import Annotated

import flask
import pytest

import dualweb
import dualweb.flask
from dualweb.exceptions import DualwebError
from dualweb.testing import client_for_app


def _app() -> flask.Flask:
    router = dualweb.Router()

    @router.post("/upload")
    def handler(
        name: Annotated[str, dualweb.Form()],
        file: Annotated[dualweb.UploadFile, dualweb.File()],
    ):
        return {"name": name, "file": file.file.read().decode(), "filename": file.filename}

    app = flask.Flask("forms")
    dualweb.flask.mount(app, router)
    return app


def test_flask_code_after_the_view_sees_the_form_the_core_decoded():
    app = _app()
    seen = {}

    @app.after_request
    def after(response):
        seen["form"] = flask.request.form.to_dict()
        storage = flask.request.files["file"]
        seen["file"] = (storage.filename, storage.mimetype)
        return response

    response = client_for_app(app).post(
        "/upload", data={"name": "ann"}, files={"file": ("a.txt", b"hello", "text/plain")}
    )
    assert response.json() == {"name": "ann", "file": "hello", "filename": "a.txt"}
    assert seen == {"form": {"name": "ann"}, "file": ("a.txt", "text/plain")}


def test_a_form_flask_parsed_before_the_view_is_still_the_handlers():
    # A before_request hook (a CSRF check, say) reads request.form: Werkzeug consumes
    # the body; the handler still gets the fields and files.
    app = _app()

    @app.before_request
    def csrf():
        flask.request.form.get("csrf_token")

    response = client_for_app(app).post(
        "/upload", data={"name": "bo"}, files={"file": ("b.txt", b"bytes", "text/plain")}
    )
    assert response.json() == {"name": "bo", "file": "bytes", "filename": "b.txt"}


def test_what_runs_after_the_response_still_has_flasks_contexts():
    # Background tasks and yield dependencies' teardown run once the body is sent, after
    # the view returned: Flask's request context is kept for them (as stream_with_context
    # keeps it), and the app's own teardown functions run after them.
    events: list = []
    router = dualweb.Router()

    def resource():
        flask.g.resource = "open"
        yield "value"
        events.append(("teardown", flask.g.resource, flask.request.path))

    async def async_resource():
        yield
        events.append(("async teardown", flask.g.resource))

    @router.get("/sync")
    def sync_handler(
        tasks: dualweb.BackgroundTasks, value: Annotated[str, dualweb.Depends(resource)]
    ):
        tasks.add_task(lambda: events.append(("background", flask.g.resource)))
        return value

    @router.get("/async")
    async def async_handler(
        value: Annotated[str, dualweb.Depends(resource)],
        _: Annotated[None, dualweb.Depends(async_resource)],
    ):
        return value

    app = flask.Flask("after")
    app.teardown_request(lambda exc: events.append("teardown_request"))
    app.teardown_appcontext(lambda exc: events.append("teardown_appcontext"))
    dualweb.flask.mount(app, router)
    flask_end = ["teardown_request", "teardown_appcontext"]
    flask_client = app.test_client()  # (buffered: it closes the response, as servers do)
    for get in (client_for_app(app).get, functools.partial(flask_client.get, buffered=True)):
        assert get("/sync").status_code == 200
        assert events == [("background", "open"), ("teardown", "open", "/sync"), *flask_end]
        events.clear()
        assert get("/async").status_code == 200
        assert events == [("async teardown", "open"), ("teardown", "open", "/async"), *flask_end]
        events.clear()


def _items_router() -> dualweb.Router:
    router = dualweb.Router()

    @router.get("/items/{item_id}")
    def read_item(item_id: int):
        return {
            # Flask code inside the blueprint links relatively, as in a Flask view.
            "next": flask.url_for(".read_item", item_id=item_id + 1),
            "page": flask.render_template_string(
                "{{ url_for('.read_item', item_id=item_id) }}", item_id=item_id
            ),
        }

    @router.get("/users/{name}/files/{rest:path}", name="user_file")
    def user_file(name: str, rest: str):
        return {"name": name, "rest": rest}

    return router


def test_flask_code_links_to_a_handler_by_its_name_under_the_blueprint():
    app = flask.Flask("links")
    blueprint = dualweb.flask.mount(app, _items_router(), prefix="/api")
    assert blueprint.name == "dualweb"

    @app.get("/links")
    def links():
        return {
            "item": flask.url_for("dualweb.read_item", item_id=5),
            "external": flask.url_for("dualweb.read_item", item_id=5, _external=True),
            "query": flask.url_for("dualweb.read_item", item_id=5, q="x y"),
            "file": flask.url_for("dualweb.user_file", name="ann", rest="a/b.txt"),
            "docs": flask.url_for("dualweb_docs.swagger_ui_html"),
            "template": flask.render_template_string(
                "<a href=\"{{ url_for('dualweb.read_item', item_id=7) }}\">7</a>"
            ),
        }

    client = client_for_app(app)
    assert client.get("/links").json() == {
        "item": "/api/items/5",
        "external": "http://testserver/api/items/5",
        "query": "/api/items/5?q=x+y",
        "file": "/api/users/ann/files/a/b.txt",
        "docs": "/api/docs",
        "template": '<a href="/api/items/7">7</a>',
    }
    assert client.get("/api/items/5").json() == {"next": "/api/items/6", "page": "/api/items/5"}
    with app.test_request_context():
        assert flask.url_for("dualweb.user_file", name="b", rest="c") == "/api/users/b/files/c"


def test_the_blueprints_name_is_the_mounts_choice_and_unique():
    app = flask.Flask("names")
    dualweb.flask.mount(app, _items_router(), prefix="/v1")
    with pytest.raises(DualwebError, match=r"blueprint named 'dualweb'.*name=") as refused:
        dualweb.flask.mount(app, _items_router(), prefix="/v2")
    assert "v2" not in str(refused.value)
    dualweb.flask.mount(app, _items_router(), prefix="/v2", name="v2")
    with app.test_request_context():
        assert flask.url_for("dualweb.read_item", item_id=1) == "/v1/items/1"
        assert flask.url_for("v2.read_item", item_id=1) == "/v2/items/1"
        assert flask.url_for("v2_docs.openapi") == "/v2/openapi.json"
    blueprint = flask.Blueprint("mine", __name__)
    app.register_blueprint(blueprint)
    with pytest.raises(DualwebError, match="blueprint named 'mine'"):
        dualweb.flask.mount(app, _items_router(), prefix="/v3", name="mine")


def test_operations_of_one_name_share_its_endpoint():
    router = dualweb.Router()

    def shared(item_id: int | None = None):
        return {"item_id": item_id}

    router.add_api_route("/items/{item_id}", shared, methods=["GET"])
    router.add_api_route("/items", shared, methods=["GET"])
    router.add_api_route("/items", lambda: {"created": True}, methods=["POST"], name="shared")
    router.add_api_route("/items/{item_id}", lambda item_id: {"put": item_id}, methods=["PUT"],
                         name="dotted.name")  # fmt: skip

    @router.get("/links")
    def links(request: dualweb.Request):
        return {
            "one": str(request.url_for("shared", item_id=3)),
            "all": str(request.url_for("shared")),
            "dotted": str(request.url_for("dotted.name", item_id=3)),
        }

    app = flask.Flask("shared")
    dualweb.flask.mount(app, router)
    client = client_for_app(app)
    # Each rule serves its own operation.
    assert client.get("/items/3").json() == {"item_id": 3}
    assert client.get("/items").json() == {"item_id": None}
    assert client.post("/items").json() == {"created": True}
    assert client.put("/items/4").json() == {"put": "4"}
    assert client.get("/links").json() == {
        "one": "http://testserver/items/3",
        "all": "http://testserver/items",
        "dotted": "http://testserver/items/3",
    }
    with app.test_request_context():
        # As for a Flask view with two @route decorators: the values choose the rule.
        assert flask.url_for("dualweb.shared", item_id=3) == "/items/3"
        assert flask.url_for("dualweb.shared") == "/items"
        assert flask.url_for("dualweb.shared", _method="POST") == "/items"
        assert flask.url_for("dualweb.dotted_name", item_id=3) == "/items/3"
    rules = {(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()}
    assert ("/items/<dualweb_str:item_id>", "dualweb.shared") in rules


def test_path_variables_keep_their_names_unless_flask_takes_them():
    router = dualweb.Router()

    @router.get("/by/{endpoint}/{item_id}")
    def by_endpoint(endpoint: str, item_id: int, request: dualweb.Request):
        return {
            "endpoint": endpoint,
            "self": str(request.url_for("by_endpoint", endpoint="e", item_id=1)),
        }

    app = flask.Flask("reserved")
    dualweb.flask.mount(app, router)
    client = client_for_app(app)
    assert client.get("/by/x/2").json() == {"endpoint": "x", "self": "http://testserver/by/e/1"}
    with app.test_request_context():
        # url_for(endpoint, ...) takes `endpoint` itself: the variable is `endpoint_`.
        assert flask.url_for("dualweb.by_endpoint", endpoint_="e", item_id=1) == "/by/e/1"


def test_the_blueprint_belongs_to_the_module_that_declared_the_routes():
    app = flask.Flask("owner")
    blueprint = dualweb.flask.mount(app, _items_router(), name="items")
    assert blueprint.import_name == __name__  # where _items_router's handlers live


def _post(app, path, body, **environ):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        **environ,
    }
    status = []
    content = b"".join(app(environ, lambda code, headers, exc_info=None: status.append(code)))
    return status[0], content


@pytest.mark.parametrize("terminated", [False, True], ids=["server-limits", "input-terminated"])
@pytest.mark.parametrize("path", ["/items", "/limited"])
def test_a_body_shorter_than_its_content_length_is_not_taken_whole(terminated, path):
    # Werkzeug stops at the declared length and checks it itself; a server that ends the
    # input itself (gunicorn: wsgi.input_terminated) leaves the check to the host. Either
    # way the handler never sees the part for the whole: Werkzeug's ClientDisconnected.
    router = dualweb.Router()
    seen = []

    @router.post("/items")
    def items(body: Annotated[bytes, dualweb.Body(media_type="application/octet-stream")]):
        seen.append(body)
        return {}

    @router.post("/limited", max_body_size=1000)
    def limited(body: Annotated[bytes, dualweb.Body(media_type="application/octet-stream")]):
        seen.append(body)
        return {}

    app = flask.Flask(__name__)
    dualweb.flask.mount(app, router)
    sent = b"x" * 10
    extra = {"CONTENT_TYPE": "application/octet-stream"}
    if terminated:
        extra["wsgi.input_terminated"] = True
    status, _ = _post(app, path, sent, CONTENT_LENGTH="20", **extra)
    assert status == "400 BAD REQUEST"
    assert seen == []
    status, _ = _post(app, path, sent, **extra)
    assert status == "200 OK" and seen == [sent]


@pytest.mark.parametrize("terminated", [False, True], ids=["server-limits", "input-terminated"])
def test_flask_code_after_the_view_reads_the_body_the_handler_read(terminated):
    router = dualweb.Router()

    @router.post("/items")
    def items(item: dict[str, int]):
        return item

    app = flask.Flask(__name__)
    dualweb.flask.mount(app, router)
    seen = []

    @app.after_request
    def after(response):
        seen.append((flask.request.get_data(), flask.request.stream.read()))
        return response

    extra = {"wsgi.input_terminated": True} if terminated else {}
    assert _post(app, "/items", b'{"a": 1}', **extra) == ("200 OK", b'{"a":1}')
    assert seen == [(b'{"a": 1}', b"")]


def test_the_apps_max_content_length_still_limits_a_route():
    router = dualweb.Router()

    @router.post("/items")
    def items(item: dict[str, int]):
        return item

    app = flask.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10
    dualweb.flask.mount(app, router)
    assert _post(app, "/items", b'{"a": 1}') == ("200 OK", b'{"a":1}')
    assert _post(app, "/items", b'{"a": 1, "b": 2}') == (
        "413 REQUEST ENTITY TOO LARGE",
        b'{"detail":"Content Too Large"}',
    )

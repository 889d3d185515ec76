"""What the Flask host hands Flask, and takes from it, around the core's work."""

import functools
from typing import Annotated

import flask

import dualweb
import dualweb.flask
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

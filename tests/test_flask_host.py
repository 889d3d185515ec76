"""What the Flask host hands Flask, and takes from it, around the core's work."""

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

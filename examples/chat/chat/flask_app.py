"""The chat application on Flask: ``flask --app chat.flask_app run``, or under gunicorn."""

import flask

import dualweb.flask

from .api import router


def create_app() -> flask.Flask:
    app = flask.Flask(__name__)
    dualweb.flask.mount(app, router, title="Chat", version="1.0")
    return app

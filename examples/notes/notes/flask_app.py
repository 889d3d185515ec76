"""The notes application on Flask: ``gunicorn 'notes.flask_app:create_app()'``."""

import flask
import flask_cors

import dualweb.flask

from .api import router
from .settings import Settings


def create_app() -> flask.Flask:
    app = flask.Flask(__name__)
    # Flask's own CORS tool: it answers the browser's preflight for dualweb's routes too.
    flask_cors.CORS(app, origins=Settings().origins)
    dualweb.flask.mount(app, router, title="Notes", version="1.0")
    return app

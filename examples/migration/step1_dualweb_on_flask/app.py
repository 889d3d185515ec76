"""The bookstore on Flask, its handlers now in a dualweb Router (step 1).

Run: ``flask --app step1_dualweb_on_flask.app run`` or
``gunicorn -k gthread --threads 8 'step1_dualweb_on_flask.app:create_app()'``.

What changed from step 0: the views, the ``login_required`` decorator and the
validation helpers became ``routes.py`` (FastAPI's vocabulary, from ``dualweb``).
What stayed Flask: the app itself, its config and its app-wide error pages.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

import dualweb.flask

from . import db
from .routes import router


def http_error(exc: HTTPException) -> tuple[Any, int]:
    # Werkzeug's 404/405 for paths no route has: {"detail": "Not Found"}, as Starlette answers.
    return jsonify(detail=exc.name), exc.code or 500


def create_app() -> Flask:
    app = Flask(__name__)
    db.init_db()
    dualweb.flask.mount(app, router, title="Bookstore", version="1.0")
    app.register_error_handler(HTTPException, http_error)
    return app

"""The bookstore on FastAPI (step 3: the migration done).

Run: ``uvicorn --factory step3_fastapi.app:create_app``.

What changed from step 1: this file. ``routes.py`` is the same file as at step 1;
the router moves from ``dualweb.flask.mount`` to ``dualweb.fastapi.mount``, and the
docs keywords move to FastAPI's constructor. The Flask error handler for unknown
paths is gone: Starlette answers ``{"detail": "Not Found"}`` by itself.

From here a team may keep the dualweb Router (and the option of going back), or
replace ``from dualweb import ...`` with ``from fastapi import ...`` and
``Router()`` with ``APIRouter()`` to drop dualweb (see docs/migration.md).
"""

from __future__ import annotations

from fastapi import FastAPI

import dualweb.fastapi

from . import db
from .routes import router


def create_app() -> FastAPI:
    db.init_db()
    app = FastAPI(title="Bookstore", version="1.0")
    dualweb.fastapi.mount(app, router)
    return app

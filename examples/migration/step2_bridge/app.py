"""The bookstore half-way: FastAPI in front, the old Flask app behind it (step 2).

Run: ``uvicorn --factory step2_bridge.app:create_app``.

FastAPI serves the routes moved so far (``routes.py``: health, me, the books'
JSON CRUD); ``dualweb.bridge.combine`` hands every request FastAPI has no route
for to the Flask app in ``legacy.py`` (covers and the CSV export), through a2wsgi.
Clients see one API. Mind two rules of the bridge (docs/bridge.md):

- it decides from FastAPI's route table, so a path moves with all its methods
  (``PUT /books/{id}`` cannot stay in Flask while ``GET /books/{id}`` moved: FastAPI
  would answer the PUT with 405);
- a FastAPI path parameter matches any segment, so no Flask path may hide under a
  moved one (``/books/export.csv`` would be ``GET /books/{book_id}``'s 422): the
  export lives at ``/export/books.csv``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

import dualweb.fastapi
from dualweb.bridge import combine

from . import db
from .legacy import create_legacy_app
from .routes import router


def create_app() -> Any:
    db.init_db()
    api = FastAPI(title="Bookstore", version="1.0")
    dualweb.fastapi.mount(api, router)
    return combine(api, create_legacy_app(), threads=10)

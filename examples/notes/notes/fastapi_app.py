"""The notes application on FastAPI: ``uvicorn --factory notes.fastapi_app:create_app``."""

import fastapi
from fastapi.middleware.cors import CORSMiddleware

import dualweb.fastapi

from .api import router
from .settings import Settings


def create_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI(title="Notes", version="1.0")
    app.add_middleware(
        CORSMiddleware, allow_origins=Settings().origins, allow_methods=["*"], allow_headers=["*"]
    )
    dualweb.fastapi.mount(app, router)
    return app

"""The chat application on FastAPI: ``uvicorn --factory chat.fastapi_app:create_app``."""

import fastapi

import dualweb.fastapi

from .api import router


def create_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI(title="Chat", version="1.0")
    dualweb.fastapi.mount(app, router)
    return app

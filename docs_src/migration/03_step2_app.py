# step2_bridge/app.py
from fastapi import FastAPI

import dualweb.fastapi
from dualweb.bridge import combine

from step2_bridge.legacy import create_legacy_app
from step2_bridge.routes import router

api = FastAPI(title="Bookstore", version="1.0")
dualweb.fastapi.mount(api, router)  # the routes moved so far
app = combine(api, create_legacy_app(), threads=10)  # everything else: Flask, through a2wsgi
# uvicorn --factory step2_bridge.app:create_app

# step3_fastapi/app.py
from fastapi import FastAPI

import dualweb.fastapi

from step3_fastapi.routes import router

app = FastAPI(title="Bookstore", version="1.0")
dualweb.fastapi.mount(app, router)

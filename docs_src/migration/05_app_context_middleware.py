from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware

from dualweb.flask import AppContextMiddleware

api = FastAPI()
api.add_middleware(AppContextMiddleware, flask_app=legacy)


@api.get("/stats")
def stats():  # a native FastAPI route
    return {"books": Book.query.count()}


assert client_for_app(api).get("/stats").json() == {"books": 1}

starlette_app = Starlette(middleware=[Middleware(AppContextMiddleware, flask_app=legacy)])

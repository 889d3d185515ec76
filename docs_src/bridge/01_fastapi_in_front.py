# FastAPI in front, the old Flask app behind it: serve with uvicorn.
from dualweb.bridge import combine

from legacy import flask_app  # Flask
from service import fastapi_app  # FastAPI, with the routes moved so far

app = combine(fastapi_app, flask_app, threads=10)  # an ASGI app
# uvicorn mymodule:app

import flask

import dualweb.flask

from catalog import router

app = flask.Flask(__name__)


@app.get("/health")  # a Flask view of its own, beside the router's routes
def health() -> dict[str, str]:
    return {"status": "ok"}


dualweb.flask.mount(app, router, title="Catalog")

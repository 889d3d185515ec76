import flask

import dualweb.flask
from dualweb.testing import client_for_app

app = flask.Flask(__name__)


@app.get("/native")
def native():
    return {"native": True}


dualweb.flask.mount(app, router)
client = client_for_app(app)
assert client.get("/native").json() == {"native": True}
assert client.get("/items/2").json() == {"item_id": 2}

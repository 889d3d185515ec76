import flask

import dualweb.flask
from dualweb import Router
from dualweb.testing import client_for_app

router = Router()


@router.get("/items/{item_id}")
def read_item(item_id: int):
    return {"item_id": item_id, "next": flask.url_for(".read_item", item_id=item_id + 1)}


app = flask.Flask(__name__)
dualweb.flask.mount(app, router, prefix="/api")


@app.get("/")
def home():  # a Flask view of the same app
    return flask.render_template_string(
        "<a href=\"{{ url_for('dualweb.read_item', item_id=1) }}\">first</a>"
    )


client = client_for_app(app)
assert client.get("/").text == '<a href="/api/items/1">first</a>'
assert client.get("/api/items/1").json() == {"item_id": 1, "next": "/api/items/2"}
with app.test_request_context():
    assert flask.url_for("dualweb_docs.swagger_ui_html") == "/api/docs"

import fastapi
import flask

import dualweb.fastapi
import dualweb.flask
from dualweb.testing import client_for_app

api = Router()
api.include_router(chat)

flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, api)
fastapi_app = fastapi.FastAPI()
dualweb.fastapi.mount(fastapi_app, api)

for app in (flask_app, fastapi_app):
    answer = client_for_app(app).post("/ask", json={"prompt": "hi"})
    assert answer.text.startswith('event: token\ndata: {"text":"hi"}\nid: 0\n\n')

# step1_dualweb_on_flask/app.py
from flask import Flask

import dualweb.flask

from step1_dualweb_on_flask.routes import router

app = Flask(__name__)
dualweb.flask.mount(app, router, title="Bookstore", version="1.0")

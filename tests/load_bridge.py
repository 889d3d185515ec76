"""``load_app`` through the bridge, for ``test_load``: every request crosses it.

- ``asgi_front``: an empty FastAPI app in front of ``load_app.flask_app``, for uvicorn:
  the Flask fallback runs in a2wsgi's thread pool.
- ``wsgi_front``: an empty Flask app in front of ``load_app.fastapi_app``, for gunicorn's
  threaded worker: the FastAPI fallback runs on the bridge's loop thread.

The fronts have no route of their own on the paths ``load_app`` serves. They live here,
not in ``load_app``, because the test process imports ``load_app`` and would build them.
"""

import fastapi
import flask

from dualweb.bridge import combine
from tests import load_app

asgi_front = combine(fastapi.FastAPI(), load_app.flask_app)
wsgi_front = combine(flask.Flask("front"), load_app.fastapi_app)

"""``fault_app`` through the bridge, for ``test_faults``: every request crosses it.

- ``asgi_front``: an empty FastAPI app in front of ``fault_app.flask_app``, for uvicorn:
  the Flask fallback runs in a2wsgi's thread pool, and its ``errorhandler`` handles
  ``Boom``.
- ``wsgi_front``: an empty Flask app in front of ``fault_app.fastapi_app``, for gunicorn's
  threaded worker: the FastAPI fallback runs on the bridge's loop thread, and its
  ``exception_handlers`` handle ``Boom``.

The fronts have no route of their own on the paths ``fault_app`` serves. They live here,
not in ``fault_app``, because the test process imports ``fault_app`` and would build them.
"""

import fastapi
import flask

from dualweb.bridge import combine
from tests import fault_app

asgi_front = combine(fastapi.FastAPI(), fault_app.flask_app)
wsgi_front = combine(flask.Flask("front"), fault_app.fastapi_app)

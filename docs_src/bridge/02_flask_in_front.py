# Flask in front, a FastAPI app behind it: serve with gunicorn (gthread) or any WSGI server.
app = combine(flask_app, fastapi_app)  # a WSGI app
# gunicorn -k gthread --threads 8 mymodule:app

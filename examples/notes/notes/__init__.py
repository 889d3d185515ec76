"""Notes: a small real application written once with dualweb, served by Flask or FastAPI.

``api.router`` holds every operation: a database pool opened by the router's lifespan,
a login (OAuth2 password flow with signed tokens) that the note operations depend on,
and a page rendered from a template. ``flask_app.create_app()`` and
``fastapi_app.create_app()`` serve it, each with its framework's own CORS tool.
"""

"""dualweb's core: everything between a host's request and its response, framework-free.

Nothing here imports Flask, Werkzeug, Starlette or FastAPI (``tests/test_layering.py``
checks it). See ``docs/architecture.md`` for the layers and the life of one request.
"""

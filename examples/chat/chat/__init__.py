"""Chat: a token-streaming chat written once with dualweb, served by Flask or FastAPI.

``api.router`` holds every operation: the reply streamed as server-sent events
(``POST /chat/stream``) or as JSON Lines (``POST /chat/jsonl``), and a page that
renders the tokens as they arrive (``GET /``). ``model.FakeModel`` stands in for a
language model. ``flask_app.create_app()`` and ``fastapi_app.create_app()`` serve it.
"""

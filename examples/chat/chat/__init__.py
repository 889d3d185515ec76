"""Chat: a token-streaming chat written once with dualweb, served by Flask or FastAPI.

``api.router`` holds every operation: the reply streamed as server-sent events
(``POST /chat/stream``) or as JSON Lines (``POST /chat/jsonl``), a page that
renders the tokens as they arrive (``GET /``), and a live room where people talk
over WebSockets (``/chat/ws/{room}``). ``model.FakeModel`` stands in for a
language model. ``flask_app.create_app()`` and ``fastapi_app.create_app()`` serve it.
"""

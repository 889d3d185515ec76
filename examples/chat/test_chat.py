"""The chat application's own tests, run on Flask and on FastAPI (in-process), and on the real
servers its README names: gunicorn's threaded worker and uvicorn (the live room: uvicorn, for
now)."""

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from dualweb import WebSocketDisconnect, status
from dualweb.testing import client_for_app

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from chat import api, fastapi_app, flask_app  # noqa: E402
from chat.model import FakeModel  # noqa: E402

HELLO = {"messages": [{"role": "user", "content": "hello there"}]}
TOKENS = ["Reply", " 1:", " you", " said", " hello", " there"]


def sse(tokens, reason="stop"):
    """The event stream of a reply made of ``tokens``, byte for byte."""
    events = [
        f'event: token\ndata: {{"index":{i},"text":"{text}"}}\nid: {i}\n\n'
        for i, text in enumerate(tokens)
    ]
    events.append(f'event: done\ndata: {{"reason":"{reason}","tokens":{len(tokens)}}}\n\n')
    return "".join(events).encode()


def jsonl(tokens):
    return "".join(f'{{"index":{i},"text":"{text}"}}\n' for i, text in enumerate(tokens)).encode()


@pytest.fixture
def model():
    """A model with no delay between tokens, put in through ``dependency_overrides``."""
    fast = FakeModel(delay=0)
    api.router.dependency_overrides[api.get_model] = lambda: fast
    yield fast
    del api.router.dependency_overrides[api.get_model]


@pytest.fixture(params=["flask", "fastapi"])
def client(request, model):
    module = flask_app if request.param == "flask" else fastapi_app
    with client_for_app(module.create_app()) as client:
        yield client


def test_the_reply_as_server_sent_events(client):
    answer = client.post("/chat/stream", json=HELLO)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert answer.headers["cache-control"] == "no-cache"
    assert "content-length" not in answer.headers
    assert answer.content == sse(TOKENS)


def test_the_reply_as_json_lines(client):
    answer = client.post("/chat/jsonl", json=HELLO)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/jsonl"
    assert answer.content == jsonl(TOKENS)


def test_settings_and_the_conversation_so_far(client):
    conversation = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Reply 1: you said hi"},
            {"role": "user", "content": "and again"},
        ],
        "settings": {"max_tokens": 3},
    }
    cut = ["Reply", " 2:", " you"]
    assert client.post("/chat/stream", json=conversation).content == sse(cut, "length")
    assert client.post("/chat/jsonl", json=conversation).content == jsonl(cut)


@pytest.mark.parametrize("path", ["/chat/stream", "/chat/jsonl"])
@pytest.mark.parametrize(
    ("body", "loc", "type_"),
    [
        ({}, ["body", "messages"], "missing"),
        ({"messages": []}, ["body", "messages"], "too_short"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, ["body", "messages", 0, "role"],
         "literal_error"),
        ({"messages": [{"role": "user", "content": ""}]}, ["body", "messages", 0, "content"],
         "string_too_short"),
        ({**HELLO, "settings": {"max_tokens": 0}}, ["body", "settings", "max_tokens"],
         "greater_than_equal"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, ["body"], "value_error"),
    ],
    ids=["no-messages", "empty", "role", "empty-content", "max-tokens", "assistant-last"],
)  # fmt: skip
def test_a_bad_body_is_a_422(client, path, body, loc, type_):
    answer = client.post(path, json=body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/json"
    (error,) = answer.json()["detail"]
    assert (error["loc"], error["type"]) == (loc, type_)


def test_malformed_json_is_a_422(client):
    answer = client.post(
        "/chat/stream", content=b'{"messages": [', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("path", "last"),
    [
        ("/chat/stream", 'data: {"reason":"stop","tokens":6}'),
        ("/chat/jsonl", '{"index":5,"text":" there"}'),
    ],
    ids=["sse", "jsonl"],
)
def test_the_model_session_closes_after_the_last_token(client, caplog, path, last):
    caplog.set_level(logging.INFO, logger="chat.model")

    def closed():
        return [r.getMessage() for r in caplog.records if "closed" in r.getMessage()]

    with client.stream("POST", path, json=HELLO) as answer:
        lines = answer.iter_lines()
        assert next(lines).startswith(("event: token", '{"index":0'))
        assert closed() == []  # the yield dependency holds the session open
        rest = list(lines)
    assert last in rest
    # Closed once the stream has ended (the client waits for the app when it has read all).
    assert len(closed()) == 1 and closed()[0].endswith("closed after 6 tokens")


def test_the_page(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<div id="conversation"' in page.text
    assert 'fetch("chat/stream"' in page.text


def test_the_document_is_the_same_on_both_hosts():
    documents = [
        client_for_app(module.create_app()).get("/openapi.json").json()
        for module in (flask_app, fastapi_app)
    ]
    assert documents[0] == documents[1]
    paths = documents[0]["paths"]
    assert set(paths) == {"/chat/stream", "/chat/jsonl"}
    assert list(paths["/chat/stream"]["post"]["responses"]["200"]["content"]) == [
        "text/event-stream"
    ]
    jsonl_content = paths["/chat/jsonl"]["post"]["responses"]["200"]["content"]
    assert jsonl_content == {
        "application/jsonl": {"itemSchema": {"$ref": "#/components/schemas/Token"}}
    }


# --- on real servers, as the README runs them -------------------------------------------
# gated.py serves the app with a model that holds each reply's last token until the test
# opens a gate (a file), and marks when it has produced it.

SERVERS = {
    "gunicorn": [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "4",
                 "--bind", "127.0.0.1:{port}", "gated:create_flask_app()"],
    "uvicorn": [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--port",
                "{port}", "gated:create_fastapi_app"],
}  # fmt: skip
WAIT = 20  # seconds, for anything the real-server tests wait for


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _first_then_rest(base, path, prompt, gate, lines_in_first):
    """Stream the reply to ``prompt``: the first token's lines, read while the model has
    not yet made the last token, then the rest, after the gate opened."""
    body = {"messages": [{"role": "user", "content": prompt}]}
    with httpx2.stream("POST", base + path, json=body, timeout=WAIT) as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        first = [next(lines) for _ in range(lines_in_first)]
        assert not (gate / f"{prompt}.last").exists()  # the first token came before the last
        (gate / f"{prompt}.open").touch()
        rest = list(lines)
    assert (gate / f"{prompt}.last").exists()
    return first, rest


@contextlib.contextmanager
def _serving(command, env=None):
    """Run ``command`` (a server on 127.0.0.1:{port}) from this folder until the block ends;
    yields its base URL once it answers. Its stderr must hold no traceback."""
    port = _free_port()
    process = subprocess.Popen(
        [arg.format(port=port) for arg in command],
        cwd=HERE,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + WAIT
        while True:
            try:
                httpx2.get(base + "/", timeout=WAIT)
                break
            except httpx2.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate(timeout=WAIT)
    assert b"Traceback" not in stderr, stderr.decode()


@pytest.mark.parametrize("server", list(SERVERS))
def test_on_a_real_server_tokens_arrive_as_they_are_made(server, tmp_path):
    with _serving(SERVERS[server], {"CHAT_GATE": str(tmp_path)}) as base:
        page = httpx2.get(base + "/", timeout=WAIT)
        assert page.status_code == 200
        assert "<title>Chat</title>" in page.text

        first, rest = _first_then_rest(base, "/chat/stream", "streamed events", tmp_path, 4)
        assert first == ["event: token", 'data: {"index":0,"text":"Reply"}', "id: 0", ""]
        assert ("\n".join([*first, *rest]) + "\n").encode() == sse(
            ["Reply", " 1:", " you", " said", " streamed", " events"]
        )
        first, rest = _first_then_rest(base, "/chat/jsonl", "json lines", tmp_path, 1)
        assert first == ['{"index":0,"text":"Reply"}']
        assert [*first, *rest] == jsonl(["Reply", " 1:", " you", " said", " json", " lines"]
                                        ).decode().splitlines()  # fmt: skip


# --- the live room: a WebSocket route, on both hosts in-process ---------------------------


def joined(user):
    return {"notice": "joined", "user": user}


def left(user):
    return {"notice": "left", "user": user}


def said(user, text):
    return {"user": user, "text": text}


def test_two_members_of_a_room_see_each_others_messages_in_order(client):
    # (Inside the fixture's `with client`: on FastAPI both sockets share one event loop,
    # as on a server, so one member's handler can send to the other's socket.)
    with client.websocket_connect("/chat/ws/lobby?user=ann") as ann:
        assert ann.receive_json() == joined("ann")
        with client.websocket_connect("/chat/ws/lobby?user=bob") as bob:
            assert bob.receive_json() == joined("bob")
            assert ann.receive_json() == joined("bob")
            for text in ("one", "two", "three"):
                ann.send_text(text)
            bob.send_text("four")
            heard_by_bob = [bob.receive_json() for _ in range(4)]
            heard_by_ann = [ann.receive_json() for _ in range(4)]
            # Each member's messages arrive in the order sent; ann's and bob's may come
            # between each other's (on Flask each socket is served by a thread of its own,
            # as on a server, so the two handlers broadcast at once).
            anns = [said("ann", "one"), said("ann", "two"), said("ann", "three")]
            for heard in (heard_by_bob, heard_by_ann):
                assert [m for m in heard if m["user"] == "ann"] == anns
                assert [m for m in heard if m["user"] == "bob"] == [said("bob", "four")]
            bob.send_text("bye")
            assert ann.receive_json() == said("bob", "bye")
            assert bob.receive_json() == said("bob", "bye")
        assert ann.receive_json() == left("bob")
        assert len(api.manager.rooms["lobby"]) == 1  # bob has left it
    assert "lobby" not in api.manager.rooms


def test_rooms_are_apart(client):
    with (
        client.websocket_connect("/chat/ws/red?user=ann") as ann,
        client.websocket_connect("/chat/ws/blue?user=bob") as bob,
    ):
        assert ann.receive_json() == joined("ann")
        assert bob.receive_json() == joined("bob")
        ann.send_text("only red hears this")
        bob.send_text("only blue hears this")
        assert ann.receive_json() == said("ann", "only red hears this")
        assert bob.receive_json() == said("bob", "only blue hears this")


@pytest.mark.parametrize(
    ("query", "type_"),
    [("", "missing"), ("?user=", "string_too_short"), ("?user=" + "x" * 33, "string_too_long")],
    ids=["missing", "empty", "too-long"],
)
def test_a_bad_user_is_refused_with_1008(client, query, type_):
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/chat/ws/lobby" + query),
    ):
        pass
    assert refused.value.code == status.WS_1008_POLICY_VIOLATION
    # The reason is FastAPI's validation error list (a real server answers HTTP 403).
    [error] = refused.value.reason
    assert (error["loc"], error["type"]) == (["query", "user"], type_)
    assert api.manager.rooms == {}


# --- the live room on real servers, with the `websockets` package's client ---------------

ROOM_SERVERS = {
    "uvicorn": [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--port",
                "{port}", "chat.fastapi_app:create_app"],
    # On Flask the WSGI server hands each socket over (a gthread thread per socket).
    "gunicorn": [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads",
                 "8", "--bind", "127.0.0.1:{port}", "chat.flask_app:create_app()"],
    "werkzeug": [sys.executable, "-m", "flask", "--app", "chat.flask_app:create_app", "run",
                 "--port", "{port}"],
}  # fmt: skip


def _ws(base, path):
    """A `websockets` client to ``path``, straight to 127.0.0.1 (no proxy), every wait bounded."""
    from websockets.sync.client import connect

    url = base.replace("http://", "ws://", 1) + path
    return connect(url, proxy=None, open_timeout=WAIT, close_timeout=WAIT)


def _next(socket):
    return json.loads(socket.recv(timeout=WAIT))


@pytest.mark.parametrize("server", list(ROOM_SERVERS))
def test_on_a_real_server_a_room_broadcasts(server):
    from websockets.exceptions import InvalidStatus

    with _serving(ROOM_SERVERS[server]) as base:
        with _ws(base, "/chat/ws/lobby?user=ann") as ann:
            assert _next(ann) == joined("ann")
            with _ws(base, "/chat/ws/lobby?user=bob") as bob:
                assert _next(bob) == joined("bob")
                assert _next(ann) == joined("bob")
                for text in ("one", "two", "three"):
                    ann.send(text)
                heard = [said("ann", text) for text in ("one", "two", "three")]
                assert [_next(bob) for _ in heard] == heard
                assert [_next(ann) for _ in heard] == heard
                bob.send("bye")
                assert _next(ann) == said("bob", "bye")
            assert _next(ann) == left("bob")
        # On the wire a refusal before accept is an HTTP 403 (the reason stays in the app).
        with pytest.raises(InvalidStatus) as refused, _ws(base, "/chat/ws/lobby?user="):
            pass
        assert refused.value.response.status_code == 403

"""The chat application's own tests, run on Flask and on FastAPI (in-process), and on the real
servers its README names: gunicorn's threaded worker and uvicorn."""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

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


@pytest.mark.parametrize("server", list(SERVERS))
def test_on_a_real_server_tokens_arrive_as_they_are_made(server, tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [arg.format(port=port) for arg in SERVERS[server]],
        cwd=HERE,
        env={**os.environ, "CHAT_GATE": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + WAIT
        while True:
            try:
                page = httpx2.get(base + "/", timeout=WAIT)
                break
            except httpx2.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
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
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate(timeout=WAIT)
    assert b"Traceback" not in stderr, stderr.decode()

"""dualweb's WebSocket vocabulary against Starlette's own, message for message.

Each session is a script of messages from the client and a list of calls the
handler makes; it runs on dualweb's ``WebSocket`` and on
``starlette.websockets.WebSocket`` (what FastAPI re-exports), and the two
transcripts must be equal: every call's result or exception (its class names
up the MRO, text, arguments, close code and reason), both states after each
call, and every message sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import Callable
from typing import Any

import fastapi
import fastapi.exceptions
import pytest
import starlette.exceptions
import starlette.status
import starlette.websockets

import dualweb
import dualweb.exceptions
import dualweb.status
import dualweb.websockets
from tests._helpers import installed_below

CONNECT = {"type": "websocket.connect"}


def text(data: str) -> dict[str, Any]:
    return {"type": "websocket.receive", "text": data}


def binary(data: bytes) -> dict[str, Any]:
    return {"type": "websocket.receive", "bytes": data}


def gone(code: int = 1000, reason: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "websocket.disconnect", "code": code}
    if reason is not None:
        message["reason"] = reason
    return message


class ScriptedIO:
    """The client side: hands out the scripted messages, records what is sent."""

    def __init__(self, incoming: list[dict[str, Any]], *, drop_sends: bool = False) -> None:
        self.incoming = copy.deepcopy(incoming)
        self.sent: list[dict[str, Any]] = []
        self.drop_sends = drop_sends

    async def receive(self) -> dict[str, Any]:
        if not self.incoming:
            raise AssertionError("the script has no more messages")
        return self.incoming.pop(0)

    async def send(self, message: dict[str, Any]) -> None:
        if self.drop_sends and message["type"] == "websocket.send":
            raise ConnectionResetError("the client is gone")
        self.sent.append(message)


def dualweb_socket(io: ScriptedIO) -> Any:
    return dualweb.websockets.WebSocket(io)


#: Starlette 1.7 raises ``WebSocketDisconnected`` (a ``RuntimeError``) for a call on a
#: socket that is closed or not yet accepted; before, a plain ``RuntimeError`` with the
#: same text, which is all that changed in ``starlette.websockets``. dualweb raises the
#: new class on every Starlette.
STARLETTE_DISCONNECTED = "1.7.0"
_DISCONNECTED_TEXTS = {
    'Cannot call "receive" once a disconnect message has been received.',
    'Cannot call "send" once a close message has been sent.',
    'WebSocket is not connected. Need to call "accept" first.',
}


def starlette_transcript(incoming: list[dict[str, Any]], steps: list[Step], **kw: Any) -> Any:
    """Starlette's transcript, as Starlette 1.7 and newer have it: on an older Starlette
    its plain ``RuntimeError`` of those texts reads as ``WebSocketDisconnected``."""
    record = transcript(starlette_socket, incoming, steps, **kw)
    if not installed_below("starlette", STARLETTE_DISCONNECTED):
        return record
    for entry in record[1:-2]:  # the steps, between the first states and the messages
        outcome = entry[1]
        if outcome.get("raised", [None])[0] == "RuntimeError" and (
            outcome["str"] in _DISCONNECTED_TEXTS
        ):
            outcome["raised"] = ["WebSocketDisconnected", *outcome["raised"]]
    return record


def starlette_socket(io: ScriptedIO) -> Any:
    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    return starlette.websockets.WebSocket(scope, io.receive, io.send)


def outcome_of_error(exc: BaseException) -> dict[str, Any]:
    return {
        "raised": [cls.__name__ for cls in type(exc).__mro__],
        "str": str(exc),
        "args": exc.args,
        "code": getattr(exc, "code", None),
        "reason": getattr(exc, "reason", None),
    }


async def call(ws: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if name.startswith("iter_"):
        return [item async for item in getattr(ws, name)(*args, **kwargs)]
    return await getattr(ws, name)(*args, **kwargs)


Step = tuple[Any, ...]


def transcript(
    make: Callable[[ScriptedIO], Any],
    incoming: list[dict[str, Any]],
    steps: list[Step],
    *,
    drop_sends: bool = False,
) -> list[Any]:
    """Runs the steps one by one, carrying on after errors, and records everything."""
    io = ScriptedIO(incoming, drop_sends=drop_sends)
    ws = make(io)
    record: list[Any] = [(ws.client_state.name, ws.application_state.name)]

    async def run() -> None:
        for name, *rest in steps:
            args = rest[0] if rest else ()
            kwargs = rest[1] if len(rest) > 1 else {}
            try:
                result: Any = {"returned": await call(ws, name, args, kwargs)}
            except Exception as exc:
                result = outcome_of_error(exc)
            record.append(
                (name, result, ws.client_state.name, ws.application_state.name, len(io.sent))
            )

    asyncio.run(run())
    record.append(io.sent)
    record.append(io.incoming)
    return record


SESSIONS: dict[str, tuple[list[dict[str, Any]], list[Step]]] = {
    "echo-until-client-leaves": (
        [CONNECT, text("hi"), binary(b"\x00\xff"), text("again"), gone(1000)],
        [
            ("accept",),
            ("receive_text",),
            ("send_text", ("hi back",)),
            ("receive_bytes",),
            ("send_bytes", (b"\x01",)),
            ("receive_text",),
            ("receive_text",),
            ("send_text", ("after the client left",)),
            ("close",),
            ("send_text", ("after close",)),
        ],
    ),
    "server-closes-with-code-and-reason": (
        [CONNECT],
        [
            ("accept",),
            ("send_text", ("bye",)),
            ("close", (4001, "done")),
            ("send_text", ("too late",)),
            ("close",),
            ("receive_text",),
        ],
    ),
    "accept-with-subprotocol-and-headers": (
        [CONNECT, text("x"), gone(4000, "bye")],
        [
            ("accept", ("chat",), {"headers": [(b"x-extra", b"1")]}),
            ("receive_text",),
            ("receive_text",),
        ],
    ),
    "accept-after-receiving-connect-by-hand": (
        [CONNECT, gone(1001)],
        [("receive",), ("accept",), ("accept",), ("receive",), ("receive",)],
    ),
    "json-text-and-binary": (
        [
            CONNECT,
            text('{"a": "é", "b": [1, 2.5, null]}'),
            binary('{"k":"ü"}'.encode()),
            text("[1,2]"),
            gone(),
        ],
        [
            ("accept",),
            ("receive_json",),
            ("receive_json", ("binary",)),
            ("receive_json", (), {"mode": "bogus"}),
            ("receive_json", (), {"mode": "text"}),
            ("send_json", ({"a": "é", "n": [1, 2.5, None], "t": True},)),
            ("send_json", ({"a": "é", "n": [1, 2.5, None]},), {"mode": "binary"}),
            ("send_json", ("plain",), {"mode": "bogus"}),
            ("receive_json",),
        ],
    ),
    "json-on-the-wrong-frame": (
        [CONNECT, binary(b"{}"), text("{}"), text("not json")],
        [("accept",), ("receive_json",), ("receive_json", ("binary",)), ("receive_json",)],
    ),
    "text-and-bytes-on-the-wrong-frame": (
        [CONNECT, text("t"), binary(b"b")],
        [("accept",), ("receive_bytes",), ("receive_text",)],
    ),
    "iter-text-ends-on-disconnect": (
        [CONNECT, text("a"), text("b"), text("c"), gone(4002, "enough")],
        [("accept",), ("iter_text",), ("iter_text",)],
    ),
    "iter-bytes-ends-on-disconnect": (
        [CONNECT, binary(b"a"), binary(b""), gone(1001)],
        [("accept",), ("iter_bytes",), ("receive_bytes",)],
    ),
    "iter-json-ends-on-disconnect": (
        [CONNECT, text('{"x":1}'), text("[]"), text("null"), gone()],
        [("accept",), ("iter_json",)],
    ),
    "iter-before-accept": (
        [CONNECT, text("a")],
        [("iter_text",), ("iter_bytes",), ("iter_json",)],
    ),
    "receive-data-before-accept": (
        [CONNECT, text("a")],
        [("receive_text",), ("receive_bytes",), ("receive_json",), ("receive_json", ("binary",))],
    ),
    "send-before-accept": (
        [CONNECT],
        [
            ("send_text", ("early",)),
            ("send_bytes", (b"early",)),
            ("send_json", ({},)),
            ("send", ({"type": "websocket.send", "text": "raw"},)),
            ("send", ({"type": "websocket.bogus"},)),
            ("accept",),
            ("send", ({"type": "websocket.accept"},)),
            ("send", ({"type": "websocket.http.response.start", "status": 403},)),
        ],
    ),
    "first-message-is-not-connect": (
        [text("hello"), CONNECT, gone()],
        [("receive",), ("accept",), ("receive",)],
    ),
    "unexpected-message-once-connected": (
        [CONNECT, CONNECT, {"type": "websocket.close", "code": 1000}],
        [("accept",), ("receive",), ("receive_text",), ("receive",)],
    ),
    "close-before-accept": (
        [CONNECT, text("x")],
        [
            ("close", (1008, "go away")),
            ("accept",),
            ("receive_text",),
            ("send_text", ("x",)),
            ("close",),
        ],
    ),
    "close-before-accept-with-defaults": (
        [CONNECT],
        [("close",), ("receive",), ("receive",)],
    ),
    "receive-after-disconnect": (
        [CONNECT, gone(1006)],
        [
            ("accept",),
            ("receive",),
            ("receive",),
            ("receive_text",),
            ("receive_bytes",),
            ("receive_json",),
            ("iter_text",),
            ("send_text", ("still open on our side",)),
        ],
    ),
    "disconnect-without-reason-and-with-none": (
        [CONNECT, gone(4000), {"type": "websocket.disconnect", "code": 4001, "reason": None}],
        [("accept",), ("receive_text",)],
    ),
    "disconnect-without-code": (
        [CONNECT, {"type": "websocket.disconnect"}],
        [("accept",), ("receive_text",)],
    ),
    "denial-response-by-hand": (
        [CONNECT],
        [
            (
                "send",
                (
                    {
                        "type": "websocket.http.response.start",
                        "status": 403,
                        "headers": [(b"content-type", b"application/json")],
                    },
                ),
            ),
            ("send", ({"type": "websocket.send", "text": "no"},)),
            ("send", ({"type": "websocket.http.response.body", "body": b"{", "more_body": True},)),
            ("send", ({"type": "websocket.http.response.body", "body": b"}"},)),
            ("send", ({"type": "websocket.http.response.body", "body": b""},)),
            ("close",),
            ("accept",),
        ],
    ),
    "send-after-accept-of-the-wrong-kind": (
        [CONNECT],
        [
            ("accept",),
            ("send", ({"type": "websocket.http.response.start", "status": 403},)),
            ("send", ({"type": "websocket.accept"},)),
            ("send", ({"type": "websocket.send", "bytes": b"raw"},)),
            ("send", ({"type": "websocket.close", "code": 1000},)),
            ("send", ({"type": "websocket.close"},)),
        ],
    ),
}


@pytest.mark.parametrize("session", list(SESSIONS))
def test_session_matches_starlette(session: str) -> None:
    incoming, steps = SESSIONS[session]
    expected = starlette_transcript(incoming, steps)
    assert transcript(dualweb_socket, incoming, steps) == expected


def test_a_send_on_a_dropped_connection_is_a_1006_disconnect() -> None:
    steps: list[Step] = [
        ("accept",),
        ("send_text", ("lost",)),
        ("send_text", ("lost again",)),
        ("close",),
    ]
    expected = starlette_transcript([CONNECT], steps, drop_sends=True)
    got = transcript(dualweb_socket, [CONNECT], steps, drop_sends=True)
    assert got == expected
    assert got[2][1]["raised"][0] == "WebSocketDisconnect"
    assert got[2][1]["code"] == 1006


def test_a_receive_after_a_send_found_the_connection_dropped_is_a_1006_disconnect() -> None:
    # A deliberate difference: Starlette raises "Need to call accept first" here, so a
    # handler iterating its socket fails when another handler's broadcast to it found the
    # connection gone. dualweb ends the receive as one on a dropped connection ends.
    steps: list[Step] = [("accept",), ("send_text", ("lost",)), ("receive_text",)]
    got = transcript(dualweb_socket, [CONNECT], steps, drop_sends=True)
    assert got[3][1]["raised"][0] == "WebSocketDisconnect"
    assert got[3][1]["code"] == 1006
    starlette = transcript(starlette_socket, [CONNECT], steps, drop_sends=True)
    assert starlette[:3] == got[:3]  # the send itself: as Starlette's
    assert "accept" in str(starlette[3][1])

    async def iterate() -> list[str]:
        socket = dualweb_socket(ScriptedIO([CONNECT], drop_sends=True))
        await socket.accept()
        with contextlib.suppress(dualweb.websockets.WebSocketDisconnect):
            await socket.send_text("lost")
        return [text async for text in socket.iter_text()]

    assert asyncio.run(iterate()) == []


def test_compact_json_keeps_non_ascii() -> None:
    sent = transcript(dualweb_socket, [CONNECT], [("accept",), ("send_json", ({"a": ["é"]},))])
    assert sent[-2][1] == {"type": "websocket.send", "text": '{"a":["é"]}'}


# A socket that misbehaves in one way each: the sessions above must tell it apart.
class _LooseJSON(dualweb.websockets.WebSocket):
    async def send_json(self, data: Any, mode: str = "text") -> None:
        await self.send({"type": "websocket.send", "text": json.dumps(data)})


class _NoDisconnectError(dualweb.websockets.WebSocket):
    async def receive_text(self) -> str:
        message = await self.receive()
        return str(message.get("text", ""))


class _SendsAfterClose(dualweb.websockets.WebSocket):
    async def send(self, message: Any) -> None:
        if self.application_state is dualweb.websockets.WebSocketState.DISCONNECTED:
            await self._io.send(message)
            return
        await super().send(message)


class _PlainRuntimeErrors(dualweb.websockets.WebSocket):
    async def receive(self) -> Any:
        try:
            return await super().receive()
        except dualweb.websockets.WebSocketDisconnected as exc:
            raise RuntimeError(str(exc)) from None


class _IterRaises(dualweb.websockets.WebSocket):
    async def iter_text(self) -> Any:
        while True:
            yield await self.receive_text()


@pytest.mark.parametrize(
    "mutant", [_LooseJSON, _NoDisconnectError, _SendsAfterClose, _PlainRuntimeErrors, _IterRaises]
)
def test_the_sessions_catch_a_misbehaving_socket(mutant: type[Any]) -> None:
    differing = [
        name
        for name, (incoming, steps) in SESSIONS.items()
        if transcript(mutant, incoming, steps) != starlette_transcript(incoming, steps)
    ]
    assert differing, f"no session tells {mutant.__name__} from Starlette's WebSocket"


def test_states_match_starlette() -> None:
    ours = {state.name: state.value for state in dualweb.websockets.WebSocketState}
    theirs = {state.name: state.value for state in starlette.websockets.WebSocketState}
    assert ours == theirs


def facets(exc: Exception) -> tuple[Any, ...]:
    code, reason = getattr(exc, "code", None), getattr(exc, "reason", None)
    return (type(exc).__name__, code, reason, exc.args, str(exc), repr(exc))


def test_disconnect_matches_starlette() -> None:
    for args in [(), (4000,), (4000, "bye"), (1001, None)]:
        ours = dualweb.WebSocketDisconnect(*args)
        theirs = starlette.websockets.WebSocketDisconnect(*args)
        assert outcome_of_error(ours)["raised"] == outcome_of_error(theirs)["raised"]
        assert facets(ours) == facets(theirs)


def test_websocket_exception_matches_fastapi() -> None:
    for args in [(1008,), (1008, "nope"), (4001, None)]:
        ours = dualweb.WebSocketException(*args)
        theirs = fastapi.WebSocketException(*args)
        assert facets(ours) == facets(theirs)
    assert issubclass(fastapi.WebSocketException, starlette.exceptions.WebSocketException)


def test_validation_error_matches_fastapi() -> None:
    errors = [{"type": "int_parsing", "loc": ("path", "item_id"), "msg": "bad", "input": "x"}]
    ours = dualweb.exceptions.WebSocketRequestValidationError(errors)
    theirs = fastapi.exceptions.WebSocketRequestValidationError(errors)
    assert isinstance(ours, dualweb.exceptions.ValidationException)
    assert ours.errors() == theirs.errors() == errors
    assert str(ours) == str(theirs)


def test_close_codes_match_starlette() -> None:
    theirs = {name: getattr(starlette.status, name) for name in starlette.status.__all__}
    theirs = {name: code for name, code in theirs.items() if name.startswith("WS_")}
    ours = {name: getattr(dualweb.status, name) for name in dualweb.status.__all__}
    ours = {name: code for name, code in ours.items() if name.startswith("WS_")}
    assert ours == theirs
    assert len(ours) == 15
    assert dualweb.status.WS_1008_POLICY_VIOLATION == 1008


def test_exported_where_fastapi_exports_them() -> None:
    for name in ["WebSocket", "WebSocketDisconnect", "WebSocketException"]:
        assert hasattr(fastapi, name)
        assert name in dualweb.__all__
    assert not hasattr(fastapi, "WebSocketState")
    assert "WebSocketState" not in dualweb.__all__

"""The chat application with a model that holds back each reply's last token.

For the real-server tests in ``test_chat.py``: before the model produces the last
token of a reply to PROMPT, it waits for the file ``$CHAT_GATE/PROMPT.open`` (at most
``WAIT`` seconds), and once it has produced it, it writes ``$CHAT_GATE/PROMPT.last``.
A client that reads the first token while ``.last`` does not exist has it before the
last one was made. The override goes through ``router.dependency_overrides``, as a
test of any dualweb app may replace a dependency.
"""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import fastapi
import flask
from chat import api, fastapi_app, flask_app
from chat.model import FakeModel, Message, ModelSession

WAIT = 20.0
POLL = 0.02


class GatedSession(ModelSession):
    def _gate(self, messages: Sequence[Message], max_tokens: int) -> tuple[int, Path, Path]:
        """How many tokens the reply has, the file that opens the gate, the one it writes."""
        gate = Path(os.environ["CHAT_GATE"]) / messages[-1].content
        count = min(len(self.model.tokens(messages)), max_tokens)
        return count, gate.with_suffix(".open"), gate.with_suffix(".last")

    async def generate(self, messages: Sequence[Message], max_tokens: int) -> AsyncIterator[str]:
        count, opened, last = self._gate(messages, max_tokens)
        index = 0
        async for token in super().generate(messages, max_tokens):
            index += 1
            if index == count:
                last.touch()
            yield token
            if index == count - 1:  # the next one is the last: wait for the gate
                deadline = time.monotonic() + WAIT
                while not opened.exists() and time.monotonic() < deadline:
                    await asyncio.sleep(POLL)

    def generate_sync(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        count, opened, last = self._gate(messages, max_tokens)
        for index, token in enumerate(super().generate_sync(messages, max_tokens), 1):
            if index == count:
                last.touch()
            yield token
            if index == count - 1:
                deadline = time.monotonic() + WAIT
                while not opened.exists() and time.monotonic() < deadline:
                    time.sleep(POLL)


class GatedModel(FakeModel):
    def session(self) -> ModelSession:
        return GatedSession(self, 0)


api.router.dependency_overrides[api.get_model] = lambda: GatedModel(delay=0)


def create_flask_app() -> flask.Flask:
    return flask_app.create_app()


def create_fastapi_app() -> fastapi.FastAPI:
    return fastapi_app.create_app()

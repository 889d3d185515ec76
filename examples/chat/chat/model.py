"""A stand-in for a language model: a deterministic reply, produced token by token.

Nothing here talks to a network. ``FakeModel`` answers from the conversation itself,
so the example runs anywhere and its tests know every token in advance; ``delay``
paces the tokens as a real model's would arrive.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Literal

from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

#: A token is a word with the spaces before it, so the tokens join back into the text.
_TOKEN = re.compile(r"\s*\S+")


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1, max_length=4000)


class FakeModel:
    """Replies to the last message, one token every ``delay`` seconds."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self._numbers = itertools.count(1)

    def tokens(self, messages: Sequence[Message]) -> list[str]:
        """The whole reply to ``messages``, as tokens."""
        turn = sum(message.role == "user" for message in messages)
        return _TOKEN.findall(f"Reply {turn}: you said {messages[-1].content}")

    def session(self) -> ModelSession:
        """A session for one request; close it when the reply has been sent."""
        return ModelSession(self, next(self._numbers))


class ModelSession:
    """One request's hold on the model: it generates until it is closed."""

    def __init__(self, model: FakeModel, number: int) -> None:
        self.model = model
        self.number = number
        self.produced = 0
        self.finish_reason: Literal["stop", "length"] = "stop"
        self.closed = False

    async def generate(self, messages: Sequence[Message], max_tokens: int) -> AsyncIterator[str]:
        """The reply's tokens, at most ``max_tokens`` of them (for ``async def`` code)."""
        for token in self._start(messages, max_tokens):
            await asyncio.sleep(self.model.delay)  # the model at work
            yield self._produce(token)

    def generate_sync(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        """The reply's tokens, at most ``max_tokens`` of them (for ``def`` code)."""
        for token in self._start(messages, max_tokens):
            time.sleep(self.model.delay)
            yield self._produce(token)

    def close(self) -> None:
        self.closed = True
        logger.info("session %d closed after %d tokens", self.number, self.produced)

    def _start(self, messages: Sequence[Message], max_tokens: int) -> list[str]:
        tokens = self.model.tokens(messages)
        self.finish_reason = "length" if len(tokens) > max_tokens else "stop"
        return tokens[:max_tokens]

    def _produce(self, token: str) -> str:
        # A session closed before its stream ended would fail here: the yield
        # dependency that holds it keeps it open until the last token is sent.
        if self.closed:
            raise RuntimeError(f"session {self.number} is closed")
        self.produced += 1
        return token

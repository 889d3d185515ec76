"""Every operation of the chat application, on one router that any host serves."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from dualweb import Depends, Query, Router, WebSocket, WebSocketDisconnect
from dualweb.responses import HTMLResponse
from dualweb.sse import EventSourceResponse, ServerSentEvent
from dualweb.websockets import WebSocketDisconnected

from .model import FakeModel, Message, ModelSession

router = Router()
model = FakeModel()
PAGE = (Path(__file__).parent / "page.html").read_text(encoding="utf-8")


class ChatSettings(BaseModel):
    max_tokens: int = Field(default=64, ge=1, le=512)


class ChatRequest(BaseModel):
    messages: list[Message] = Field(min_length=1, max_length=100)
    settings: ChatSettings = Field(default_factory=ChatSettings)

    @model_validator(mode="after")
    def _user_speaks_last(self) -> ChatRequest:
        if self.messages[-1].role != "user":
            raise ValueError("the last message must be the user's")
        return self


class Token(BaseModel):
    index: int
    text: str


class Done(BaseModel):
    reason: Literal["stop", "length"]
    tokens: int


def get_model() -> FakeModel:
    """The model (tests replace it through ``router.dependency_overrides``)."""
    return model


def model_session(model: Annotated[FakeModel, Depends(get_model)]) -> Iterator[ModelSession]:
    """A model session for this request, closed once the whole reply has been sent."""
    session = model.session()
    try:
        yield session
    finally:
        session.close()


Session = Annotated[ModelSession, Depends(model_session)]


@router.post("/chat/stream", response_class=EventSourceResponse, tags=["chat"])
async def chat_stream(chat: ChatRequest, session: Session) -> AsyncIterable[ServerSentEvent]:
    """The reply as server-sent events: a `token` event a token, then one `done` event."""
    index = 0
    async for text in session.generate(chat.messages, chat.settings.max_tokens):
        yield ServerSentEvent(event="token", id=str(index), data=Token(index=index, text=text))
        index += 1
    done = Done(reason=session.finish_reason, tokens=index)
    yield ServerSentEvent(event="done", data=done)


@router.post("/chat/jsonl", tags=["chat"])
def chat_jsonl(chat: ChatRequest, session: Session) -> Iterable[Token]:
    """The reply as JSON Lines, a token a line (a `def` handler: it may block)."""
    tokens = session.generate_sync(chat.messages, chat.settings.max_tokens)
    for index, text in enumerate(tokens):
        yield Token(index=index, text=text)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> HTMLResponse:
    """A page that sends the conversation and shows the reply as it arrives."""
    return HTMLResponse(PAGE)


class ConnectionManager:
    """The sockets in each chat room, and a way to say something to all of them."""

    def __init__(self) -> None:
        self.rooms: dict[str, list[WebSocket]] = {}

    async def connect(self, room: str, websocket: WebSocket) -> None:
        await websocket.accept()
        self.rooms.setdefault(room, []).append(websocket)

    def disconnect(self, room: str, websocket: WebSocket) -> None:
        sockets = self.rooms.get(room, [])
        if websocket in sockets:
            sockets.remove(websocket)
        if not sockets:
            self.rooms.pop(room, None)

    async def broadcast(self, room: str, message: dict[str, str]) -> None:
        for websocket in list(self.rooms.get(room, [])):
            try:
                await websocket.send_json(message)
            except (WebSocketDisconnect, WebSocketDisconnected):
                self.disconnect(room, websocket)  # gone between two messages


manager = ConnectionManager()


@router.websocket("/chat/ws/{room}")
async def chat_room(
    websocket: WebSocket,
    room: str,
    user: Annotated[str, Query(min_length=1, max_length=32)],
) -> None:
    """A live room: what each member says is sent to everyone in it, as it is said."""
    await manager.connect(room, websocket)
    try:
        await manager.broadcast(room, {"notice": "joined", "user": user})
        async for text in websocket.iter_text():
            await manager.broadcast(room, {"user": user, "text": text})
    finally:
        manager.disconnect(room, websocket)
        await manager.broadcast(room, {"notice": "left", "user": user})

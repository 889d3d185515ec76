from collections.abc import AsyncIterable

from pydantic import BaseModel

streams = Router()


class Token(BaseModel):
    text: str
    index: int


@streams.post("/chat/stream")
async def chat(prompt: str) -> AsyncIterable[Token]:
    for index, word in enumerate(prompt.split()):
        await asyncio.sleep(0)  # e.g. the next token from a model
        yield Token(text=word, index=index)


for target in HOSTS:
    lines = TestClient(streams, target).post("/chat/stream", params={"prompt": "hello there"})
    assert lines.headers["content-type"] == "application/jsonl"
    assert lines.text == '{"text":"hello","index":0}\n{"text":"there","index":1}\n'

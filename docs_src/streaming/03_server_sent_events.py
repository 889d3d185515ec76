chat = Router()


class Ask(BaseModel):
    prompt: str


class Token(BaseModel):
    text: str


@chat.post("/ask", response_class=EventSourceResponse)
async def ask(question: Ask) -> AsyncIterable[ServerSentEvent]:
    words = question.prompt.split()
    for index, word in enumerate(words):
        await asyncio.sleep(0)  # e.g. the model's next token
        yield ServerSentEvent(data=Token(text=word), event="token", id=str(index))
    yield ServerSentEvent(raw_data="[DONE]", event="done", retry=5000)


for target in HOSTS:
    client = TestClient(chat, target)
    events = client.post("/ask", json={"prompt": "hi there"})
    assert events.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert events.headers["cache-control"] == "no-cache"
    assert events.headers["x-accel-buffering"] == "no"  # nginx: do not buffer this response
    assert events.text == (
        'event: token\ndata: {"text":"hi"}\nid: 0\n\n'
        'event: token\ndata: {"text":"there"}\nid: 1\n\n'
        "event: done\ndata: [DONE]\nretry: 5000\n\n"
    )

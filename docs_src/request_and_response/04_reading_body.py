router = Router()  # a new router: a mounted one takes no more routes
from pydantic import BaseModel


class Note(BaseModel):
    text: str


@router.post("/raw")
async def raw(request: Request):
    return {"length": len(await request.body()), "json": await request.json()}


@router.post("/raw-sync")
def raw_sync(request: Request):
    return {"length": len(request.body_sync()), "json": request.json_sync()}


@router.post("/notes")
def add_note(note: Note, request: Request):
    return {"note": note, "raw": request.body_sync().decode()}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    for path in ("/raw", "/raw-sync"):
        assert client.post(path, content=b'{"a": 1}').json() == {"length": 8, "json": {"a": 1}}
    sent = client.post(
        "/notes", content=b'{"text": "hi"}', headers={"content-type": "application/json"}
    )
    assert sent.json() == {
        "note": {"text": "hi"},
        "raw": '{"text": "hi"}',
    }

from typing import Annotated, Any

from pydantic import BaseModel

from dualweb import Body, Form, Router
from dualweb.testing import TestClient

TARGETS = ("flask", "fastapi", "starlette")

router = Router(max_body_size=64 * 1024, form_limits={"max_fields": 5})


@router.post("/notes")
def add_note(text: Annotated[str, Form()]):
    return {"length": len(text)}


@router.post("/upload", max_body_size=1000)  # the operation's own setting wins
def upload(data: Annotated[Any, Body()]):
    return {"ok": True}


for target in TARGETS:
    client = TestClient(router, target)
    assert client.post("/notes", data={"text": "hi"}).json() == {"length": 2}
    six = {"text": "hi", "a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
    response = client.post("/notes", data=six)
    assert response.status_code == 413
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 5."}
    response = client.post("/upload", json="x" * 2000)
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}

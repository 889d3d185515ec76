router = Router(strict_content_type=False)


@router.post("/legacy-notes")
def legacy_note(note: Note):
    return note


@router.post("/notes-strict", strict_content_type=True)
def strict_note(note: Note):
    return note


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    bare = b'{"text": "hi"}'  # sent without a Content-Type
    assert client.post("/legacy-notes", content=bare).json() == {"text": "hi"}
    assert client.post("/notes-strict", content=bare).status_code == 422
    plain = client.post("/legacy-notes", content=bare, headers={"content-type": "text/plain"})
    assert plain.json()["detail"][0]["type"] == "model_attributes_type"
    broken = client.post("/legacy-notes", content=b"{oops")
    assert broken.json()["detail"][0]["type"] == "json_invalid"

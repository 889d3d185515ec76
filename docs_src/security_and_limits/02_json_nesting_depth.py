class Document(BaseModel):
    title: str
    tree: Any = None


docs = Router()


@docs.post("/documents")
def save(document: Document):
    return {"title": document.title}


@docs.post("/flat", max_json_depth=2)
def flat(rows: Annotated[Any, Body()]):
    return {"rows": len(rows)}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


for target in TARGETS:
    client = TestClient(docs, target)
    ok = '{"title": "t", "tree": ' + nested(200) + "}"  # 201 levels, the object included
    response = client.post("/documents", content=ok, headers={"content-type": "application/json"})
    assert response.json() == {"title": "t"}
    deep = '{"title": "t", "tree": ' + nested(100_000) + "}"
    response = client.post("/documents", content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["type"] == "json_invalid"
    assert error["ctx"] == {"error": "Nesting deeper than 201 levels of arrays and objects"}

    assert client.post("/flat", json=[[1, 2], ["[[[ in a string"]]).json() == {"rows": 2}
    response = client.post("/flat", json=[[[1]]])
    assert response.json()["detail"][0]["loc"] == ["body", 2]

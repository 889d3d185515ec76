from dualweb import Router
from dualweb.testing import TestClient

api = Router(prefix="/api")


@api.get("/dir/")
def directory():
    return {"dir": True}


@api.get("/files/{rest:path}")
def files(rest: str):
    return {"rest": rest}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(api, target, follow_redirects=False)
    assert client.get("/api/nope").json() == {"detail": "Not Found"}
    wrong = client.post("/api/dir/")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET")
    moved = client.get("/api/dir?page=2")
    assert (moved.status_code, moved.content) == (307, b"")
    assert moved.headers["location"] == "http://testserver/api/dir/?page=2"
    assert client.get("/api/files//etc/passwd").json() == {"rest": "/etc/passwd"}

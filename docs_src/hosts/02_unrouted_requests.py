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

# The app's own 404 page answers first.
flask_app = flask.Flask(__name__)
dualweb.flask.mount(flask_app, api)


@flask_app.errorhandler(404)
def not_found(error):
    return {"message": "no such page"}, 404


assert client_for_app(flask_app).get("/api/nope").json() == {"message": "no such page"}

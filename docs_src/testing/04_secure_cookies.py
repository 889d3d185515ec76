from dualweb import Request, Response

auth = Router()


@auth.post("/login")
def login(response: Response) -> dict:
    response.set_cookie("session", "alice", secure=True, httponly=True)
    return {}


@auth.get("/me")
def me(request: Request) -> dict:
    return {"user": request.cookies.get("session")}


for target in ("flask", "fastapi", "starlette"):
    strict = TestClient(auth, target)  # FastAPI's behaviour, the default
    strict.post("/login")
    assert strict.cookies["session"] == "alice"  # kept...
    assert strict.get("/me").json() == {"user": None}  # ...but not sent over http

    like_flask = TestClient(auth, target, secure_cookies_over_http=True)
    like_flask.post("/login")
    assert like_flask.get("/me").json() == {"user": "alice"}

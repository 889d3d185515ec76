router = Router()  # a new router: a mounted one takes no more routes
from datetime import datetime, timezone

from dualweb import Response


def no_cache(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


@router.post("/login", status_code=200, dependencies=[Depends(no_cache)])
def login(response: Response):
    response.status_code = 201
    response.set_cookie(
        "session",
        "s3cr3t",
        max_age=3600,  # seconds
        expires=datetime(2031, 1, 1, tzinfo=timezone.utc),  # a UTC datetime, a string, or
        path="/",  # an int: seconds from now
        domain=None,
        secure=True,
        httponly=True,
        samesite="strict",  # "lax" (default), "strict", "none", None
    )
    return {"logged_in": True}


@router.post("/logout")
def logout(response: Response):
    response.delete_cookie("session")
    return {"logged_in": False}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    answer = client.post("/login")
    assert answer.status_code == 201
    assert answer.json() == {"logged_in": True}
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["set-cookie"] == (
        "session=s3cr3t; expires=Wed, 01 Jan 2031 00:00:00 GMT; HttpOnly; Max-Age=3600; "
        "Path=/; SameSite=strict; Secure"
    )
    gone = client.post("/logout").headers["set-cookie"]
    assert gone.startswith('session=""; expires=') and "Max-Age=0" in gone

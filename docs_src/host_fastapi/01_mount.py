import fastapi
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

import dualweb.fastapi
from dualweb import Depends, Router
from dualweb.testing import client_for_app

router = Router(prefix="/items")


def current_user():
    return "ada"


@router.get("/{item_id}")
def read_item(item_id: int, user: str = Depends(current_user)):
    return {"item_id": item_id, "user": user}


audited = []


def audit():  # a dependency of the app's, declared with FastAPI's Depends
    audited.append("audited")


app = fastapi.FastAPI(title="Shop", dependencies=[fastapi.Depends(audit)])


@app.get("/health")
def health():  # a native FastAPI route
    return {"ok": True}


@app.exception_handler(RequestValidationError)
async def invalid(request, exc):
    return JSONResponse({"problems": len(exc.errors())}, status_code=400)


dualweb.fastapi.mount(app, router, errors="app")  # after the routes are declared
app.dependency_overrides[current_user] = lambda: "grace"

client = client_for_app(app)
assert client.get("/items/1").json() == {"item_id": 1, "user": "grace"}
assert audited == ["audited"]  # the app's dependencies= ran for the mounted route
assert client.get("/health").json() == {"ok": True}
assert client.get("/items/abc").json() == {"problems": 1}  # the app's handler, with errors="app"
assert app.url_path_for("read_item", item_id=5) == "/items/5"
assert sorted(app.openapi()["paths"]) == ["/health", "/items/{item_id}"]
# FastAPI's /docs and /redoc, served by dualweb with their scripts from the app itself.
assert '<script src="/docs-assets/swagger-ui-bundle.js">' in client.get("/docs").text

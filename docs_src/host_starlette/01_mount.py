import contextlib

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

import dualweb.starlette
from dualweb import HTTPException, Request, Router
from dualweb.testing import client_for_app


@contextlib.asynccontextmanager
async def lifespan(app):
    yield {"pool": "the pool"}


router = Router(prefix="/items", lifespan=lifespan)


@router.get("/{item_id}")
def read_item(item_id: int, request: Request):
    if item_id == 0:
        raise HTTPException(status_code=404, detail="No such item")
    return {"item_id": item_id, "user": request.state.user, "pool": request.state.pool}


class Login(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        request.state.user = "ada"  # the handler's request.state
        response = await call_next(request)
        response.headers["x-served-by"] = "starlette"
        return response


async def not_found(request, exc):
    return JSONResponse({"message": "no such page"}, status_code=404)


async def home(request):  # a Starlette endpoint of the same app
    return PlainTextResponse(str(request.url_for("read_item", item_id=5)))


app = Starlette(
    routes=[Route("/", home)],
    middleware=[Middleware(Login)],
    exception_handlers={404: not_found},
)
dualweb.starlette.mount(app, router, prefix="/api", errors="app", title="Shop")

assert app.url_path_for("read_item", item_id=5) == "/api/items/5"
with client_for_app(app) as client:  # runs the lifespan, as a server does
    answer = client.get("/api/items/1")
    assert answer.json() == {"item_id": 1, "user": "ada", "pool": "the pool"}
    assert answer.headers["x-served-by"] == "starlette"
    assert client.get("/").text == "http://testserver/api/items/5"
    # The app's handler for 404: a path no route takes, and (errors="app") the handler's.
    assert client.get("/api/nothing").json() == {"message": "no such page"}
    assert client.get("/api/items/0").json() == {"message": "no such page"}
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Shop"
    assert client.get("/api/docs").status_code == 200

import contextlib

from dualweb import Request


@contextlib.asynccontextmanager
async def app_lifespan(app):
    yield {"config": "the app's"}


@contextlib.asynccontextmanager
async def router_lifespan(app):
    yield {"pool": "the router's"}


pooled = Router(lifespan=router_lifespan)


@pooled.get("/state")
def state(request: Request):
    return {"config": request.state.config, "pool": request.state.pool}


cdn_app = fastapi.FastAPI(lifespan=app_lifespan)
dualweb.fastapi.mount(cdn_app, pooled, offline_docs=False)

with client_for_app(cdn_app) as client:  # runs the lifespan, as a server does
    assert client.get("/state").json() == {"config": "the app's", "pool": "the router's"}
    assert "cdn.jsdelivr.net" in client.get("/docs").text  # FastAPI's own page

order = []


def named(name: str, state: dict):
    @contextlib.asynccontextmanager
    async def run(app):
        order.append(f"start {name}")
        yield state
        order.append(f"stop {name}")

    return run


api = Router(lifespan=named("api", {"region": "eu"}))
users = Router(lifespan=named("users", {"region": "us", "users": "pool"}))
api.include_router(users, prefix="/users")


@users.get("/where")
def where(request: Request) -> dict:
    return {"region": request.state.region, "users": request.state.users}


for target in ("flask", "fastapi", "starlette"):
    order.clear()
    with TestClient(api, target) as client:
        assert client.get("/users/where").json() == {"region": "eu", "users": "pool"}
    assert order == ["start api", "start users", "stop users", "stop api"]

import flask

import dualweb.flask

log = []
router = Router(lifespan=named("flask", {"cache": {}}))


@router.get("/cached")
def cached(request: Request) -> dict:
    return {"cache": request.state.cache}


app = flask.Flask(__name__)
dualweb.flask.mount(app, router)


@app.get("/native")
def native_view():
    return {"has cache": "cache" in flask.g}


order.clear()
client = app.test_client()  # Flask's own client: a request starts the lifespan
assert order == []
assert client.get("/native").json == {"has cache": True}
assert order == ["start flask"]
dualweb.flask.shutdown(app)
assert order == ["start flask", "stop flask"]
assert dualweb.flask.startup(app) == {"cache": {}}  # by hand, with the state
dualweb.flask.shutdown(app)

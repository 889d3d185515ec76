import flask

from dualweb.testing import build_app, client_for_app

router = Router()


@router.get("/items/{item_id}", name="item")
async def item(item_id: int, request: Request):
    return {
        "user": request.state.user,
        "self": str(request.url_for("item", item_id=item_id)),
        "root_path": request.scope["root_path"],
        "gone": await request.is_disconnected(),
    }


flask_app = build_app(router, "flask")


@flask_app.before_request
def login():
    flask.g.user = "ada"  # what Flask code puts on g, request.state has


got = client_for_app(flask_app).get("/items/3").json()
assert got == {"user": "ada", "self": "http://testserver/items/3", "root_path": "", "gone": False}

from dualweb import HTTPException, Request

shop = Router(prefix="/shop")


@shop.get("/items/{item_id}")
def shop_item(item_id: int, request: Request):
    if item_id == 0:
        raise HTTPException(status_code=404, detail="No such item")
    return {"item_id": item_id, "user": request.state.user}


shop_app = flask.Flask(__name__)


@shop_app.before_request
def login():
    flask.g.user = "ada"  # request.state is flask.g


@shop_app.after_request
def stamp(response):
    response.headers["x-served-by"] = "flask"
    return response


@shop_app.errorhandler(404)
def not_found(error):
    return {"message": "no such page"}, 404


blueprint = dualweb.flask.mount(shop_app, shop, errors="app")
assert blueprint is shop_app.blueprints["dualweb"]
assert "dualweb_docs" in shop_app.blueprints

client = client_for_app(shop_app)
answer = client.get("/shop/items/1")
assert answer.json() == {"item_id": 1, "user": "ada"}
assert answer.headers["x-served-by"] == "flask"
# The app's errorhandler(404) answers a path no route takes under the prefix, and,
# with errors="app", the handler's own HTTPException(404) too.
assert client.get("/shop/nothing").json() == {"message": "no such page"}
assert client.get("/shop/items/0").json() == {"message": "no such page"}
# HEAD and OPTIONS, as Flask's own routes answer them.
assert client.head("/shop/items/1").status_code == 200
allow = client.options("/shop/items/1").headers["allow"]
assert set(allow.split(", ")) == {"GET", "HEAD", "OPTIONS"}  # in no fixed order

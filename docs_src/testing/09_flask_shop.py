import flask

import dualweb.flask
from dualweb import Query
from dualweb.responses import PlainTextResponse

shop = flask.Flask("shop")
shop.config.update(SECRET_KEY="dev", SESSION_COOKIE_SECURE=True)


@shop.post("/login")
def shop_login():
    flask.session["user"] = flask.request.get_json()["user"]
    return {"user": flask.session["user"]}


@shop.get("/account")
def account():
    if "user" not in flask.session:
        return flask.redirect(flask.url_for("sign_in"))
    return {"user": flask.session["user"]}


@shop.get("/sign-in")
def sign_in():
    return "Please sign in"


catalogue = Router()


@catalogue.get("/search")
def search(q: str, limit: int = Query(10, le=50)) -> dict:
    return {"q": q, "limit": limit}


@catalogue.get("/robots.txt", response_class=PlainTextResponse)
def robots() -> str:
    return "User-agent: *"


dualweb.flask.mount(shop, catalogue)
